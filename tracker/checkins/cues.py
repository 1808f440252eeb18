"""The classifier learning from its reviewers: the organisation's own cue
phrases, and how often suggestions agreed with owners and reviewers.

Every owner's choice and every reviewer's verdict is a labelled example,
stored on the check-in entry beside the suggestion it was given. The
agreement page reads them here in a fixed number of queries; admins add
cue phrases for the organisation's own wording, which every suggestion uses
from the moment they are saved, and each addition or change is kept in
history. Functions add and flush; the caller commits.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from tracker import cache
from tracker.accounts.models import User
from tracker.auth.policy import may
from tracker.checkins.classifier import (
    CUE_ROLES,
    CUE_WEIGHTS,
    Classification,
    OrganisationCue,
    classify,
)
from tracker.checkins.evaluation import Agreement
from tracker.checkins.models import CUE_KINDS, CuePhrase, Entry
from tracker.extensions import db
from tracker.history import services as history
from tracker.validation import FieldError

AGREEMENT_DAYS = 90
# The agreement is also shown per stretch of this many days, oldest first,
# to see whether the suggestions improve.
TREND_DAYS = 30
MOST_OVERRULED = 10
# Disagreements read for the overruled cues: the most recent ones.
OVERRULED_SAMPLE = 2000
MAX_PHRASE = 100
HISTORY_FIELDS = ("phrase", "kind", "role", "weight", "active")
history.describe(
    "cue_phrase",
    labels={"phrase": "Phrase", "kind": "Kind", "role": "Role", "weight": "Weight", "active": "In use"},
    values={"kind": CUE_KINDS, "active": {True: "yes", False: "no"}},
)


class CueError(FieldError):
    """A cue phrase broke a rule; names the field when one is to blame."""


def active_cues() -> list[OrganisationCue]:
    """The cue phrases in use, as `classify` takes them (one query)."""
    rows = db.session.execute(
        select(CuePhrase.phrase, CuePhrase.kind, CuePhrase.role, CuePhrase.weight)
        .where(CuePhrase.active.is_(True))
        .order_by(CuePhrase.id)
    )
    return [OrganisationCue(*row) for row in rows]


def suggest(text: str, cues: list[OrganisationCue] | None = None) -> Classification:
    """The suggestion for ``text`` with the organisation's cue phrases."""
    return classify(text, active_cues() if cues is None else cues)


def list_cues() -> list[CuePhrase]:
    """Every cue phrase, those in use first, then by phrase."""
    return list(db.session.scalars(
        select(CuePhrase).order_by(CuePhrase.active.desc(), CuePhrase.phrase)
    ))


def _normalised(phrase: str) -> str:
    return " ".join((phrase or "").lower().replace("-", " ").split())


def _check(kind: str, role: str, weight: int) -> list[CueError]:
    errors = []
    if kind not in CUE_ROLES:
        errors.append(CueError("Choose talk or action.", "kind"))
    elif role not in CUE_ROLES[kind]:
        allowed = " or ".join(CUE_ROLES[kind])
        errors.append(CueError(f"{kind.capitalize()} cues are {allowed} cues.", "role"))
    if not isinstance(weight, int) or weight not in CUE_WEIGHTS:
        errors.append(CueError(f"Weight is a whole number from {CUE_WEIGHTS[0]} to {CUE_WEIGHTS[-1]}.",
                               "weight"))
    return errors


def add_cue(*, actor: User, phrase: str, kind: str, role: str, weight: int, now: datetime) -> CuePhrase:
    """Add a cue phrase, in use at once. Raises CueError for every problem."""
    if not may(actor, "manage_classifier"):
        raise CueError("Only admins change the classifier's cue phrases.")
    words = _normalised(phrase)
    errors = []
    if not words or not any(char.isalpha() for char in words):
        errors.append(CueError("Give a phrase with at least one word.", "phrase"))
    elif len(words) > MAX_PHRASE:
        errors.append(CueError(f"A phrase is at most {MAX_PHRASE} characters.", "phrase"))
    elif db.session.scalar(select(CuePhrase.id).where(CuePhrase.phrase == words)) is not None:
        errors.append(CueError(f"'{words}' is already a cue phrase: change it in the list.", "phrase"))
    errors += _check(kind, role, weight)
    if errors:
        raise CueError.collect(errors)
    cue = CuePhrase(phrase=words, kind=kind, role=role, weight=weight, active=True,
                    created_by=actor, created_at=now, updated_at=now)
    db.session.add(cue)
    db.session.flush()
    history.record("cue_phrase", cue.id, "created", f"Added the {kind} cue phrase '{words}'",
                   actor=actor, changes=history.snapshot(cue, HISTORY_FIELDS), now=now)
    return cue


def change_cue(cue: CuePhrase, *, actor: User, role: str, weight: int, active: bool,
               now: datetime) -> CuePhrase:
    """Change a cue phrase's role, weight or use; the phrase and kind stay."""
    if not may(actor, "manage_classifier"):
        raise CueError("Only admins change the classifier's cue phrases.")
    errors = _check(cue.kind, role, weight)
    if errors:
        raise CueError.collect(errors)
    before = history.snapshot(cue, HISTORY_FIELDS)
    cue.role, cue.weight, cue.active = role, weight, bool(active)
    changes = history.diff(before, history.snapshot(cue, HISTORY_FIELDS))
    if changes:
        cue.updated_at = now
        history.record("cue_phrase", cue.id, "updated", f"Changed the cue phrase '{cue.phrase}'",
                       actor=actor, changes=changes, now=now)
    db.session.flush()
    return cue


@dataclass
class Stretch:
    """The agreement of suggestions with the final kind over some days."""

    label: str
    agreed: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return self.agreed / self.total if self.total else None


@dataclass
class AgreementReport:
    """How often the classifier agreed with people over the last days."""

    days: int
    since: datetime
    owners: Agreement = field(default_factory=Agreement)  # owner's choice vs suggestion
    reviewers: Agreement = field(default_factory=Agreement)  # reviewer's verdict vs suggestion
    trend: list[Stretch] = field(default_factory=list)
    overruled: list[tuple[str, int]] = field(default_factory=list)


def kept_agreement_report(now: datetime) -> AgreementReport:
    """`agreement_report(now)`, kept (`tracker.cache`) until an entry or a
    verdict changes or the hour turns: it reads every entry of the last
    AGREEMENT_DAYS days (0.8 s at 1.6M entries). Within the hour the window
    it shows ends when it was computed, and nothing was written since."""
    return cache.per_data_version("classifier_agreement", now.replace(minute=0, second=0, microsecond=0),
                                  lambda: agreement_report(now))


def agreement_report(now: datetime, days: int = AGREEMENT_DAYS) -> AgreementReport:
    """The classifier's agreement with owners and reviewers over ``days`` before ``now``.

    Owners: every entry written in the period, the owner's choice against
    the suggestion it was given. Reviewers: every verdict given in the
    period, against the suggestion. The trend compares the suggestion with
    the kind each entry finally counts as, per ``TREND_DAYS`` days; the
    overruled cues are the reasons most often given for suggestions that
    the final kind contradicted. Four queries, whatever the number of entries.
    """
    since = now - timedelta(days=days)
    report = AgreementReport(days=days, since=since)
    final_kind = func.coalesce(Entry.reviewed_kind, Entry.kind)

    for kind, suggested, count in db.session.execute(
        select(Entry.kind, Entry.suggested_kind, func.count())
        .where(Entry.created_at >= since, Entry.created_at <= now)
        .group_by(Entry.kind, Entry.suggested_kind)
    ):
        if (kind, suggested) in report.owners.counts:
            report.owners.add(kind, suggested, count)

    # A confirmed entry keeps no reviewed kind: the verdict is the owner's.
    for verdict, suggested, count in db.session.execute(
        select(final_kind, Entry.suggested_kind, func.count())
        .where(Entry.reviewed_at.is_not(None), Entry.reviewed_at >= since, Entry.reviewed_at <= now)
        .group_by(final_kind, Entry.suggested_kind)
    ):
        if (verdict, suggested) in report.reviewers.counts:
            report.reviewers.add(verdict, suggested, count)

    stretches = max(1, days // TREND_DAYS)
    bounds = [now - timedelta(days=TREND_DAYS * (stretches - k)) for k in range(stretches)]
    stretch = case(*((Entry.created_at < bound, k - 1) for k, bound in enumerate(bounds[1:], start=1)),
                   else_=stretches - 1)
    report.trend = [
        Stretch(f"{bound:%d %b} – {(bounds[k + 1] if k + 1 < stretches else now):%d %b}")
        for k, bound in enumerate(bounds)
    ]
    for index, agreed, total in db.session.execute(
        select(stretch, func.sum(case((final_kind == Entry.suggested_kind, 1), else_=0)), func.count())
        .where(Entry.created_at >= bounds[0], Entry.created_at <= now)
        .group_by(stretch)
    ):
        report.trend[int(index)].agreed = int(agreed or 0)
        report.trend[int(index)].total = int(total)

    counts: Counter[str] = Counter()
    for reasons in db.session.scalars(
        select(Entry.reasons)
        .where(Entry.created_at >= since, Entry.created_at <= now, final_kind != Entry.suggested_kind)
        .order_by(Entry.id.desc())
        .limit(OVERRULED_SAMPLE)
    ):
        for reason in reasons or ():
            if isinstance(reason, str) and ": '" in reason and not reason.startswith("outweighed"):
                counts[reason] += 1
    report.overruled = counts.most_common(MOST_OVERRULED)
    return report
