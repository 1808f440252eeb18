"""Check-in rules: opening, submitting, amending and reviewing.

Functions add and flush; the caller commits once.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from tracker import signals
from tracker.accounts.models import User
from tracker.auth.policy import may
from tracker.behaviours.models import Behaviour
from tracker.calendar import CADENCES, Period, period_containing
from tracker.checkins.classifier import OrganisationCue, classify
from tracker.checkins.cues import active_cues
from tracker.checkins.models import ENTRY_KINDS, CheckIn, Entry
from tracker.db import rowcount
from tracker.extensions import db
from tracker.history import services as history
from tracker.ids import parse_id
from tracker.incentives import services as incentives
from tracker.initiatives.models import Initiative, InitiativeMetric
from tracker.metrics import services as metric_services
from tracker.metrics.models import Metric
from tracker.organisation.services import today as organisation_today
from tracker.paging import Page
from tracker.validation import FieldError
from tracker.validators import text_problem

DEFAULT_CADENCE = "weekly"
DEFAULT_WEEKDAY = 4  # Friday
MAX_ENTRY = 5000
MAX_EVIDENCE = 500
MAX_ENTRIES = 30
MAX_NOTE = 2000
MAX_DONE_BY = 200

URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# A reference names a document by an identifier: "contract #4471", "PO-2291",
# "INC0012345", "HR file 2026/17". It needs a digit, so "trust me" is not one.
REFERENCE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z#])[\w#./:\- ]{3,}$")


class CheckInError(FieldError):
    """A check-in rule was broken; the message is fit to show the user.

    `field` names the input at fault: "text" or "note" in an amendment,
    "entries-2-evidence" or "readings-0-value" in a submission (rows counted
    from 0 in the lists given, blank rows included); None when no one input is
    (a permission, the state of the check-in). A refused submission or
    amendment reports every problem at once (`errors`).
    """


ALREADY_AMENDED = "That entry was already amended; amend the amendment instead."


class AlreadySubmitted(CheckInError):
    """The check-in was submitted before (a double click, a second tab)."""


def schedule_for(initiative: Initiative, default_cadence: str = DEFAULT_CADENCE,
                 default_weekday: int = DEFAULT_WEEKDAY) -> tuple[str, int]:
    """The cadence and due weekday the initiative reports on."""
    cadence = initiative.checkin_cadence if initiative.checkin_cadence in CADENCES else default_cadence
    weekday = initiative.checkin_weekday
    return cadence, weekday if weekday is not None and 0 <= weekday <= 6 else default_weekday


def open_checkin(initiative: Initiative, period: Period, *, state: str = "open") -> tuple[CheckIn, bool]:
    """The check-in for `period`, created if missing. Returns (check-in, created).

    Safe against a second process doing the same at the same moment: the
    unique constraint decides, and losing the race means "already done".
    """
    existing = db.session.scalar(select(CheckIn).where(
        CheckIn.initiative_id == initiative.id, CheckIn.period_start == period.start))
    if existing is not None:
        return existing, False
    checkin = CheckIn(initiative_id=initiative.id, period_start=period.start, period_end=period.end,
                      due_on=period.due_on, state=state)
    try:
        with db.session.begin_nested():
            db.session.add(checkin)
    except IntegrityError:
        existing = db.session.scalars(select(CheckIn).where(
            CheckIn.initiative_id == initiative.id, CheckIn.period_start == period.start)).one()
        return existing, False
    return checkin, True


def current_period(initiative: Initiative, today: date) -> Period:
    cadence, weekday = schedule_for(initiative)
    return period_containing(today, cadence, weekday)


def due_distance(due_on: date, today: date) -> str:
    """How far the due day is from the organisation's `today`: '2 days late',
    'today', 'tomorrow', 'in 3 days'. The check-in page puts it after the full
    date; `due_wording` builds on it."""
    days = (due_on - today).days
    if days < 0:
        return f"{-days} day{'' if days == -1 else 's'} late"
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def due_wording(due_on: date, today: date) -> str:
    """How a check-in's due day stands on the organisation's `today`, worded
    once for the pages that list check-ins (the dashboard banner, my
    check-ins, the initiative page): 'overdue since Fri 27 Nov (2 days late)',
    'due today', 'due tomorrow, Mon 30 Nov', 'due Wed 02 Dec (in 3 days)'."""
    days = (due_on - today).days
    day = due_on.strftime("%a %d %b")
    if days < 0:
        return f"overdue since {day} ({due_distance(due_on, today)})"
    if days == 0:
        return "due today"
    if days == 1:
        return f"due tomorrow, {day}"
    return f"due {day} ({due_distance(due_on, today)})"


@dataclass
class EntryInput:
    kind: str
    text: str
    happened_on: date | None = None
    done_by: str = ""
    evidence: str = ""
    behaviour_id: int | None = None

    @property
    def is_blank(self) -> bool:
        return not (self.text or "").strip()


@dataclass
class ReadingInput:
    """One row of a check-in's readings; a row without a value is ignored."""

    metric_id: int | None
    value: object
    observed_on: date | None
    note: str = ""

    @property
    def is_blank(self) -> bool:
        return not str(self.value or "").strip()


def evidence_kind(evidence: str) -> str | None:
    """'link', 'reference', or None when the text is neither."""
    evidence = (evidence or "").strip()
    if URL.match(evidence):
        return "link"
    if REFERENCE.match(evidence):
        return "reference"
    return None


def _existed_since(initiative: Initiative) -> date:
    # The organisation's date of its creation, as action dates are the organisation's.
    created = organisation_today(initiative.created_at) if initiative.created_at else initiative.start_date
    return min(initiative.start_date, created)


def _clean_entry(data: EntryInput, initiative: Initiative, *, today: date, prefix: str,
                 problems: list[CheckInError], cues: list[OrganisationCue]) -> dict[str, Any]:
    """The entry's stored values. Each broken rule is added to `problems`,
    naming its field as `prefix` + the input's name ("entries-2-" + "evidence")."""

    found_before = len(problems)

    def broken(message: str, name: str) -> None:
        problems.append(CheckInError(message, prefix + name))

    text = (data.text or "").strip()
    if not text:
        broken("Say what happened.", "text")
    elif len(text) > MAX_ENTRY:
        broken(f"Entries are at most {MAX_ENTRY:,} characters; split it up.", "text")
    elif problem := text_problem(text, "The text"):
        broken(problem, "text")
    if data.kind not in ENTRY_KINDS:
        broken("Choose talk or action.", "kind")
    evidence = (data.evidence or "").strip()
    done_by = (data.done_by or "").strip()
    happened_on = data.happened_on
    if data.kind == "action":
        if not isinstance(happened_on, date):
            broken("An action needs the date it happened.", "happened_on")
        elif happened_on > today:
            broken("An action cannot be dated in the future; plans are talk.", "happened_on")
        elif happened_on < _existed_since(initiative):
            broken("The action is dated before the initiative existed.", "happened_on")
        if not done_by:
            broken("Say who did it.", "done_by")
        elif len(done_by) > MAX_DONE_BY:
            broken(f"'Done by' is at most {MAX_DONE_BY} characters.", "done_by")
        elif problem := text_problem(done_by, "'Done by'", single_line=True):
            broken(problem, "done_by")
        if evidence:
            if len(evidence) > MAX_EVIDENCE:
                broken(f"Evidence is at most {MAX_EVIDENCE} characters.", "evidence")
            elif problem := text_problem(evidence, "The evidence", single_line=True):
                broken(problem, "evidence")
            elif evidence_kind(evidence) is None:
                broken("Evidence must be a link (https://…) or a reference such as "
                       "'contract #4471' or 'PO-2291'.", "evidence")
    else:
        happened_on, done_by, evidence = None, "", ""
    behaviour_id = data.behaviour_id or None
    if behaviour_id is not None and (parse_id(behaviour_id) is None
                                     or db.session.get(Behaviour, parse_id(behaviour_id)) is None):
        broken("Unknown behaviour.", "behaviour_id")
    if len(problems) > found_before:
        return {}
    suggestion = classify(text, cues)
    flagged = suggestion.kind != data.kind
    return {"kind": data.kind, "text": text, "happened_on": happened_on, "done_by": done_by,
            "evidence": evidence, "behaviour_id": behaviour_id, "suggested_kind": suggestion.kind,
            "reasons": list(suggestion.reasons), "review_state": "pending" if flagged else "none"}


def submit_checkin(checkin: CheckIn, *, actor: User, entries: list[EntryInput],
                   readings: Sequence[ReadingInput] = (), now: datetime, today: date) -> CheckIn:
    """Submit a check-in with its entries and readings, exactly once.

    Raises AlreadySubmitted for a second submission, CheckInError when a rule
    is broken (nothing is stored then: the caller rolls back).
    """
    if not may(actor, "report_checkin", checkin):
        raise CheckInError("Only the initiative's owner reports on it.")
    if checkin.state == "submitted":
        raise AlreadySubmitted("This check-in was already submitted.")
    if checkin.state != "open":
        raise CheckInError("This check-in was missed and is closed; add what happened to the next one.")
    # Rows keep their position in the list given, blank ones included, so a
    # problem names the row of the form the owner filled in.
    filled = [(row, e) for row, e in enumerate(entries) if not e.is_blank]
    if not filled:
        raise CheckInError("An empty check-in says nothing: add at least one entry, talk or action.")
    if len(filled) > MAX_ENTRIES:
        raise CheckInError(f"At most {MAX_ENTRIES} entries per check-in.")
    problems: list[CheckInError] = []
    cues = active_cues()
    cleaned = [_clean_entry(e, checkin.initiative, today=today, prefix=f"entries-{row}-",
                            problems=problems, cues=cues)
               for row, e in filled]
    _record_readings(checkin, readings, actor=actor, now=now, today=today, problems=problems)
    if problems:
        raise CheckInError.collect(problems)
    # The state changes only if it is still open: of two concurrent submits
    # (double click, two tabs) exactly one updates a row.
    result = db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin.id, CheckIn.state == "open")
        .values(state="submitted", submitted_at=now, submitted_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise AlreadySubmitted("This check-in was already submitted.")
    db.session.refresh(checkin)
    for values in cleaned:
        db.session.add(Entry(checkin_id=checkin.id, created_by_id=actor.id, created_at=now, **values))
    retally(checkin)
    _apply_incentive_change(checkin, actor=actor, now=now)
    actions = sum(1 for v in cleaned if v["kind"] == "action")
    history.record("initiative", checkin.initiative_id, "check-in",
                   f"Check-in for {checkin.period_start:%d %b %Y} submitted: "
                   f"{actions} action{'s' if actions != 1 else ''}, {len(cleaned) - actions} talk",
                   actor=actor, now=now, changes={"checkin_id": checkin.id})
    signals.checkin_submitted.send(checkin, actor=actor, now=now)
    return checkin


def _record_readings(checkin: CheckIn, readings: Sequence[ReadingInput], *, actor: User, now: datetime,
                     today: date, problems: list[CheckInError]) -> None:
    """Record the filled rows of `readings`; each refusal goes to `problems`,
    naming its row ("readings-0-value"). A refusal leaves what the rows
    before it added: the caller rolls back, as after any refused submission."""
    linked = {link.metric_id for link in checkin.initiative.metric_links}
    for row, reading in enumerate(readings):
        if reading.is_blank:
            continue
        if reading.metric_id not in linked:
            problems.append(CheckInError("Readings in a check-in are for the initiative's own metrics."))
            continue
        metric = db.session.get(Metric, reading.metric_id)
        if metric is None:
            continue  # linked a moment ago, deleted since: nothing to record it for
        try:
            # A savepoint: a reading stored meanwhile by someone else fails the
            # flush, and the rows after it are still checked.
            with db.session.begin_nested():
                metric_services.record_reading(metric, actor=actor, observed_on=reading.observed_on,
                                               value=reading.value, note=reading.note, now=now,
                                               today=today)
        except metric_services.MetricError as e:
            problems += [CheckInError(f"{metric.name}: {p.message}",
                                      f"readings-{row}-{p.field}" if p.field else None)
                         for p in e.errors]


def amend(checkin: CheckIn, *, actor: User, data: EntryInput, note: str, amends_id: int | None,
          now: datetime, today: date) -> Entry:
    """Add a correction to a submitted check-in. The original stays as it was;
    the amendment is shown beside it and counts instead of it. An entry is
    amended once (a unique index holds it against concurrent requests);
    CheckInError otherwise. After an IntegrityError the caller must roll back,
    as after any refusal."""
    if not may(actor, "report_checkin", checkin):
        raise CheckInError("Only the initiative's owner amends its check-ins.")
    if checkin.state != "submitted":
        raise CheckInError("Only a submitted check-in is amended; an open one is simply submitted.")
    problems: list[CheckInError] = []
    note = (note or "").strip()
    if not note:
        problems.append(CheckInError("Say why you are amending it.", "note"))
    elif len(note) > MAX_NOTE:
        problems.append(CheckInError(f"The note is at most {MAX_NOTE:,} characters.", "note"))
    elif problem := text_problem(note, "The note"):
        problems.append(CheckInError(problem, "note"))
    # Amendments of one check-in are made one at a time: the check if the entry
    # was amended already then sees an amendment committed a moment ago.
    _lock_tallies(checkin)
    original = None
    if amends_id:
        entry_id = parse_id(amends_id)
        original = db.session.get(Entry, entry_id) if entry_id else None
        if original is None or original.checkin_id != checkin.id:
            problems.append(CheckInError("That entry is not part of this check-in.", "amends_id"))
            original = None
        elif db.session.scalar(select(Entry.id).where(Entry.amends_id == original.id)):
            problems.append(CheckInError(ALREADY_AMENDED, "amends_id"))
    values = _clean_entry(data, checkin.initiative, today=today, prefix="", problems=problems,
                          cues=active_cues())
    if problems:
        raise CheckInError.collect(problems)
    entry = Entry(checkin_id=checkin.id, created_by_id=actor.id, created_at=now, is_amendment=True,
                  amends_id=original.id if original else None, amendment_note=note, **values)
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:
        # The unique index on amends_id: another amendment of it won the race.
        raise CheckInError(ALREADY_AMENDED, "amends_id") from None
    retally(checkin)
    _apply_incentive_change(checkin, actor=actor, now=now)
    history.record("initiative", checkin.initiative_id, "amendment",
                   f"Amended the check-in for {checkin.period_start:%d %b %Y}", actor=actor, now=now,
                   changes={"checkin_id": checkin.id, "entry_id": entry.id,
                            "amends": original.id if original else None, "note": note})
    return entry


def review_entry(entry: Entry, *, actor: User, verdict: str, now: datetime) -> None:
    """An executive confirms the owner's choice or reclassifies a flagged entry."""
    if not may(actor, "review_checkins"):
        raise CheckInError("Only executives and admins review entries.")
    _lock_tallies(entry.checkin)
    db.session.refresh(entry)
    if entry.review_state != "pending":
        raise CheckInError("This entry is not waiting for review.")
    if verdict == "confirm":
        entry.review_state, entry.reviewed_kind = "confirmed", None
    elif verdict in ENTRY_KINDS:
        entry.review_state = "confirmed" if verdict == entry.kind else "reclassified"
        entry.reviewed_kind = None if verdict == entry.kind else verdict
    else:
        raise CheckInError("Choose confirm, talk or action.")
    entry.reviewed_by_id, entry.reviewed_at = actor.id, now
    retally(entry.checkin)
    _apply_incentive_change(entry.checkin, actor=actor, now=now)
    history.record("initiative", entry.checkin.initiative_id, "review",
                   f"Entry {entry.id} {entry.review_state}: counts as {entry.effective_kind}",
                   actor=actor, now=now,
                   changes={"entry_id": entry.id, "owner_kind": entry.kind,
                            "suggested_kind": entry.suggested_kind, "counts_as": entry.effective_kind})


def _apply_incentive_change(checkin: CheckIn, *, actor: User, now: datetime) -> None:
    """Changing the pay plan is action, announcing it is talk: the incentive
    an "incentive change" initiative names changes on the day of the first
    standing entry of its check-in that counts as an action with evidence and
    is not waiting for review (the owner and the classifier agree, or a
    reviewer confirmed it). An action the classifier calls talk changes
    nothing until a reviewer confirms it; a change that happened stays."""
    if checkin.initiative.kind != incentives.CHANGE_KIND or checkin.state != "submitted":
        return
    changes = [(e.happened_on, e.id, e.evidence) for e in standing_entries(checkin)
               if e.effective_kind == "action" and e.evidenced and e.review_state != "pending"
               and e.happened_on is not None]
    if changes:
        on, _, evidence = min(changes)
        incentives.apply_change(checkin.initiative, on=on, evidence=evidence, actor=actor, now=now)


def get_checkin_for_page(checkin_id: int) -> CheckIn | None:
    return db.session.scalar(
        select(CheckIn).where(CheckIn.id == checkin_id).options(
            selectinload(CheckIn.initiative).selectinload(Initiative.metric_links)
            .selectinload(InitiativeMetric.metric).selectinload(Metric.owner),
            selectinload(CheckIn.initiative).selectinload(Initiative.owner),
            selectinload(CheckIn.entries).selectinload(Entry.created_by),
            selectinload(CheckIn.entries).selectinload(Entry.behaviour),
            selectinload(CheckIn.entries).selectinload(Entry.reviewed_by),
            selectinload(CheckIn.submitted_by),
        )
    )


def checkins_for_owner(user: User, limit: int = 60) -> list[CheckIn]:
    """The owner's check-ins: open ones first by due date, then the latest others."""
    rows = db.session.scalars(
        select(CheckIn).join(Initiative).where(Initiative.owner_id == user.id)
        .options(selectinload(CheckIn.initiative))
        .order_by((CheckIn.state != "open"), CheckIn.due_on.desc())
        .limit(limit)
    ).all()
    open_ones = sorted((c for c in rows if c.state == "open"), key=lambda c: c.due_on)
    return open_ones + [c for c in rows if c.state != "open"]


def review_queue(page: int, per_page: int) -> Page[Entry]:
    """Page `page` (from 1) of the entries waiting for review, oldest first,
    with their check-ins, initiatives and owners: a fixed number of queries
    whatever the length of the queue; a page past the end is empty."""
    waiting = Entry.review_state == "pending"
    total = db.session.scalar(select(func.count(Entry.id)).where(waiting)) or 0
    entries = list(db.session.scalars(
        select(Entry).where(waiting)
        .options(selectinload(Entry.checkin).selectinload(CheckIn.initiative)
                 .selectinload(Initiative.owner), selectinload(Entry.created_by))
        .order_by(Entry.created_at, Entry.id).limit(per_page).offset((page - 1) * per_page)
    ))
    return Page(entries, total, page, per_page)


def recent_checkins(initiative_id: int, limit: int = 26) -> list[CheckIn]:
    """The initiative's latest check-ins with their entries, newest first: two queries."""
    return list(db.session.scalars(
        select(CheckIn).where(CheckIn.initiative_id == initiative_id)
        .options(selectinload(CheckIn.entries))
        .order_by(CheckIn.period_start.desc()).limit(limit)
    ))


def _lock_tallies(checkin: CheckIn) -> None:
    """Hold the check-in's row until the transaction ends, so that changes to
    its entries are counted one transaction after another (PostgreSQL; SQLite
    has one writer at a time anyway). FOR NO KEY UPDATE: inserting an entry
    takes a key-share lock on the row, which this one does not wait for."""
    db.session.execute(select(CheckIn.id).where(CheckIn.id == checkin.id)
                       .with_for_update(key_share=True))


def retally(checkin: CheckIn) -> None:
    """Recount the check-in's standing entries into its tally columns, in SQL,
    under the row's lock: a transaction that added an entry at the same moment
    either committed before the count (and is in it) or waits for the lock and
    counts again after this one. The tallies always equal a recount."""
    db.session.flush()
    _lock_tallies(checkin)
    superseding = aliased(Entry)
    kind = func.coalesce(Entry.reviewed_kind, Entry.kind)
    talk, evidenced, unevidenced = db.session.execute(
        select(func.count().filter(kind == "talk"),
               func.count().filter(kind == "action", Entry.evidence != ""),
               func.count().filter(kind == "action", Entry.evidence == ""))
        .where(Entry.checkin_id == checkin.id,
               ~select(superseding.id).where(superseding.amends_id == Entry.id).exists())
    ).one()
    checkin.evidenced_count, checkin.unevidenced_count, checkin.talk_count = evidenced, unevidenced, talk
    db.session.flush()
    db.session.expire(checkin, ["entries"])


def standing_entries(checkin: CheckIn) -> list[Entry]:
    """The entries that count: amended ones give way to their amendments."""
    superseded = {e.amends_id for e in checkin.entries if e.amends_id}
    return [e for e in checkin.entries if e.id not in superseded]


def standing_actions(checkins: list[CheckIn]) -> list[Entry]:
    """The actions that count in the submitted ones of `checkins`."""
    return [e for c in checkins if c.state == "submitted" for e in standing_entries(c)
            if e.effective_kind == "action"]


def kind_counts(checkin: CheckIn) -> dict[str, int]:
    """{"action": n, "talk": m} over the check-in's standing entries."""
    counts = {"action": 0, "talk": 0}
    for entry in standing_entries(checkin):
        counts[entry.effective_kind] += 1
    return counts


@dataclass
class Thread:
    """An entry as first reported and the amendments that replaced it, in order."""

    original: Entry
    amendments: list[Entry] = field(default_factory=list)

    @property
    def current(self) -> Entry:
        return self.amendments[-1] if self.amendments else self.original

    @property
    def added_later(self) -> bool:
        return self.original.is_amendment


def entry_threads(entries: list[Entry]) -> list[Thread]:
    """Group entries so each amendment sits under the entry it corrects."""
    replacing = {e.amends_id: e for e in entries if e.amends_id is not None}
    threads = []
    for entry in entries:
        if entry.amends_id is not None:
            continue
        thread = Thread(entry)
        seen = {entry.id}
        while thread.current.id in replacing and replacing[thread.current.id].id not in seen:
            thread.amendments.append(replacing[thread.current.id])
            seen.add(thread.current.id)
        threads.append(thread)
    return threads
