"""Scheduled check-in work: open, mark missed, queue reminders, note new say/do flags.

Each job is a plain function of `now` that can run any number of times, in
any number of processes, for the same moment and change nothing the second
time: check-ins are unique per initiative and period, reminders unique per
check-in and kind (their outbox key), and state changes are conditional
updates. The caller commits; the outbox's `send_outbox` job sends.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import render_template
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker import email, signals
from tracker.calendar import Period, period_containing, periods_between
from tracker.checkins import replies, saydo
from tracker.checkins.models import CheckIn, InitiativeFlags, MissedMarking
from tracker.checkins.services import schedule_for
from tracker.db import rowcount
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.initiatives.services import ACTIVE_STATUSES
from tracker.organisation.models import OrgSettings
from tracker.organisation.services import get_settings, local_now
from tracker.organisation.services import today as org_today
from tracker.outbox import services as outbox

# How far back a first tick looks for an initiative that has been active for long.
MAX_CATCH_UP = timedelta(weeks=53)


def _first_day(initiative: Initiative, today: date) -> date:
    starts = [initiative.start_date]
    if initiative.active_since:
        starts.append(initiative.active_since)
    return max(max(starts), today - MAX_CATCH_UP)


def expected_periods(initiative: Initiative, settings: OrgSettings, today: date) -> list[Period]:
    """Every period the initiative should have a check-in for, up to today's."""
    cadence, weekday = schedule_for(initiative, settings.default_cadence, settings.default_weekday)
    first = _first_day(initiative, today)
    if first > today:
        return []
    return periods_between(first, today, cadence, weekday)


def open_due_checkins(now: datetime) -> dict[str, int]:
    """Create the check-ins due by `now` for every active initiative.

    A period whose grace time has already passed (the scheduler was down) is
    created as missed, not opened, so nobody is asked about last month.
    """
    settings = get_settings()
    today = org_today(now, settings)
    initiatives = db.session.scalars(
        select(Initiative).where(Initiative.status.in_(ACTIVE_STATUSES))
    ).all()
    existing: dict[int, set[date]] = defaultdict(set)
    for initiative_id, start in db.session.execute(
        select(CheckIn.initiative_id, CheckIn.period_start)
        .where(CheckIn.initiative_id.in_([i.id for i in initiatives]))
    ):
        existing[initiative_id].add(start)
    opened = 0
    missed: list[int] = []
    for initiative in initiatives:
        for period in expected_periods(initiative, settings, today):
            if period.start in existing[initiative.id]:
                continue
            state = "missed" if today > period.due_on + timedelta(days=settings.grace_days) else "open"
            checkin = CheckIn(initiative_id=initiative.id, period_start=period.start,
                              period_end=period.end, due_on=period.due_on, state=state,
                              created_at=now)
            try:
                with db.session.begin_nested():
                    db.session.add(checkin)
            except IntegrityError:
                continue  # another process opened it first: already done
            if state == "open":
                opened += 1
            else:
                missed.append(checkin.id)
    if missed:
        signals.checkins_missed.send(None, checkin_ids=missed, now=now)
    return {"opened": opened, "created_missed": len(missed)}


def mark_missed(now: datetime) -> dict[str, int]:
    """Open check-ins past their due day plus the grace period become missed."""
    settings = get_settings()
    today = org_today(now, settings)
    cutoff = today - timedelta(days=settings.grace_days)
    # RETURNING: of two runs at once, each names only the rows it changed.
    missed = list(db.session.scalars(
        update(CheckIn).where(CheckIn.state == "open", CheckIn.due_on < cutoff)
        .values(state="missed").returning(CheckIn.id).execution_options(synchronize_session=False)
    ))
    if missed:
        db.session.add(MissedMarking(marked_at=now, checkins=len(missed)))
        signals.checkins_missed.send(None, checkin_ids=missed, now=now)
    return {"missed": len(missed)}


# The flags that say something went wrong and are worth telling another
# system about when an initiative gains one ("unmeasured" is a fact of its set-up).
ALARMING_FLAGS = ("talk_only", "gone_quiet", "off_track")


def note_flags(now: datetime) -> dict[str, int]:
    """Compare each reporting initiative's say/do flags with the ones last
    noted, store the new ones, and send `signals.initiative_flagged` for each
    initiative that gained an alarming flag.

    An initiative seen for the first time is only noted: its flags are the
    starting point, so the first run after an upgrade tells nobody about
    flags that were there before. Each change is a conditional update on the
    noted `change`, so of two runs at once only one sends the signal.
    """
    records = saydo.reporting_records(today=org_today(now))
    noted = {row.initiative_id: row for row in db.session.scalars(select(InitiativeFlags))}
    counts = {"flagged": 0, "cleared": 0, "first_seen": 0}
    first_seen: list[dict[str, object]] = []
    for initiative_id, record in sorted(records.items()):
        flags = sorted(set(record.flags) & set(ALARMING_FLAGS))
        joined = ",".join(flags)
        row = noted.get(initiative_id)
        if row is None:
            first_seen.append({"initiative_id": initiative_id, "flags": joined, "change": 0,
                               "updated_at": now})
            continue
        if row.flags == joined:
            continue
        won = db.session.execute(
            update(InitiativeFlags)
            .where(InitiativeFlags.initiative_id == initiative_id, InitiativeFlags.change == row.change)
            .values(flags=joined, change=row.change + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if rowcount(won) != 1:
            continue  # another run noted this change
        gained = sorted(set(flags) - set(row.flags.split(",") if row.flags else ()))
        if gained:
            counts["flagged"] += 1
            signals.initiative_flagged.send(initiative_id, flags=flags, new_flags=gained,
                                            change=row.change + 1, now=now)
        else:
            counts["cleared"] += 1
    counts["first_seen"] = _note_first_seen(first_seen)
    return counts


def _note_first_seen(rows: list[dict[str, object]]) -> int:
    """Store the flags of initiatives seen for the first time: one batched
    INSERT (the first run after an upgrade sees every initiative), or row by
    row when another run noted some of them meanwhile. Returns how many."""
    if not rows:
        return 0
    try:
        with db.session.begin_nested():
            db.session.execute(insert(InitiativeFlags), rows)
        return len(rows)
    except IntegrityError:
        pass
    stored = 0
    for row in rows:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(InitiativeFlags), [row])
            stored += 1
        except IntegrityError:
            continue  # noted a moment ago by another run
    return stored


def queue_reminders(now: datetime) -> dict[str, int]:
    """Queue the reminders due at `now` in the outbox: on the due day once the
    reminder hour has come, and once more while overdue within the grace
    period. Each is keyed "reminder:<check-in>:<due|overdue>", so a check-in
    gets each kind once, however many ticks or schedulers run."""
    settings = get_settings()
    local = local_now(settings, now)
    today = org_today(now, settings)
    if local.hour < settings.reminder_hour:
        return {"queued": 0}
    candidates = db.session.scalars(
        select(CheckIn).where(
            CheckIn.state == "open",
            CheckIn.due_on <= today,
            CheckIn.due_on >= today - timedelta(days=settings.grace_days),
        ).options(selectinload(CheckIn.initiative).selectinload(Initiative.owner))
    ).all()
    wanted = {}
    for checkin in candidates:
        if checkin.initiative.owner.active:
            kind = "due" if checkin.due_on == today else "overdue"
            wanted[reminder_key(checkin, kind)] = (checkin, kind)
    taken = outbox.keys_taken(wanted)
    mails = [_reminder_mail(checkin, kind) for key, (checkin, kind) in wanted.items() if key not in taken]
    queued = 0
    for start in range(0, len(mails), outbox.ENQUEUE_CHUNK):
        queued += outbox.enqueue_many(mails[start:start + outbox.ENQUEUE_CHUNK], now=now)
    return {"queued": queued}


def reminder_key(checkin: CheckIn, kind: str) -> str:
    return f"reminder:{checkin.id}:{kind}"


def _reminder_mail(checkin: CheckIn, kind: str) -> outbox.Mail:
    initiative = checkin.initiative
    link = email.public_url("checkins.detail", checkin_id=checkin.id)
    reply_to = replies.reply_address(checkin)
    context = {"kind": kind, "checkin": checkin, "initiative": initiative, "link": link, "reply_to": reply_to}
    subject = (f"Check-in due today: {initiative.title}" if kind == "due"
               else f"Overdue check-in: {initiative.title}")
    return outbox.Mail(
        kind="reminder", key=reminder_key(checkin, kind), recipient=initiative.owner.email,
        subject=subject,
        text=render_template("email/reminder.txt", **context),
        html=render_template("email/reminder.html", **context),
        message_id=f"<reminder-{checkin.id}-{kind}@burning-platform.local>",
        headers={"Reply-To": reply_to} if reply_to else {},
    )


def current_period_for(initiative: Initiative, settings: OrgSettings, today: date) -> Period:
    cadence, weekday = schedule_for(initiative, settings.default_cadence, settings.default_weekday)
    return period_containing(today, cadence, weekday)
