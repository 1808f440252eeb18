"""Rules for people decisions. Functions add and flush; the caller commits.

A decision is *aligned* when it rewards a target behaviour with concrete
evidence (or, for a demotion or exit, removes a no-no with evidence) and,
for a promotion or recognition, the person has no recorded no-no. The rule
is `alignment`, a plain function over plain values; the result is stored on
each decision (and recomputed for the whole person whenever one of their
decisions changes) so lists, reports and exports count it in SQL.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, and_, case, distinct, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from tracker.accounts.models import Department, User
from tracker.auth.policy import may
from tracker.behaviours.models import Behaviour
from tracker.calendar import Quarter
from tracker.db import utcnow
from tracker.extensions import db
from tracker.history import services as history
from tracker.initiatives.models import Initiative
from tracker.people.models import (
    DECISION_KINDS,
    REMOVING_KINDS,
    REWARDING_KINDS,
    DecisionEvidence,
    PeopleDecision,
)

MAX_NAME = 120
MAX_REF = 40
MAX_ROLE = 120
MAX_TEXT = 5000
MAX_WHAT = 2000
MAX_WHERE = 300
MAX_EVIDENCE = 10
# A decision is recorded once it is made: a start date a few months out is
# normal, one years away is a typo or a wish.
MAX_DAYS_AHEAD = 366
MAX_DAYS_BACK = 10 * 366
MAX_ID = 2**31 - 1
SUBJECT = "people_decision"
HISTORY_FIELDS = ("person_name", "employee_ref", "user_id", "kind", "effective_date", "role_from",
                  "role_to", "department_id", "decided_by", "rationale", "initiative_id", "aligned")

# Which roles a kind of decision must name: a promotion moves someone from one role to another.
ROLES_NEEDED = {
    "hire": ("role_to",),
    "promotion": ("role_from", "role_to"),
    "lateral_move": ("role_from", "role_to"),
    "demotion": ("role_from", "role_to"),
    "exit": ("role_from",),
    "recognition": (),
}
ROLE_WORDS = {"role_from": "the role they leave", "role_to": "the role they take"}
# Kinds for which a recorded no-no makes the decision not aligned, and how to say so.
BARRED_BY_NO_NO = {"promotion": "promoted", "recognition": "recognised"}


class PeopleError(Exception):
    """A people-decision rule was broken; the message is fit to show HR.
    `row` is the 1-based evidence row to blame, when there is one."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


# The alignment rule, over plain values

@dataclass(frozen=True)
class EvidenceFact:
    """One piece of evidence as the rule sees it."""

    behaviour: str
    behaviour_kind: str  # "target" or "no_no"
    what: str = ""
    observed_on: date | None = None
    where: str = ""

    @property
    def is_concrete(self) -> bool:
        """What the person did, when, and where it is recorded: all three."""
        return bool(self.what.strip() and self.observed_on and self.where.strip())


@dataclass(frozen=True)
class Alignment:
    aligned: bool
    reasons: list[str] = field(default_factory=list)


def _lower_first(name: str) -> str:
    # "Punishing rule-bending" reads as "…: punishing rule-bending"; "NPS gaming" stays.
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def alignment(decision_kind: str, evidences: Iterable[EvidenceFact],
              prior_no_no_evidence: Iterable[EvidenceFact]) -> Alignment:
    """Whether a decision of `decision_kind` with `evidences` is aligned.

    Hires, promotions, lateral moves and recognition need concrete evidence
    of at least one target behaviour; demotions and exits need concrete
    evidence of a no-no they remove. A promotion or recognition is never
    aligned when the person has a recorded no-no (`prior_no_no_evidence`, or
    a no-no among its own evidence): one reason per no-no, in words.
    Raises ValueError for an unknown kind.
    """
    if decision_kind not in DECISION_KINDS:
        raise ValueError(f"unknown kind of decision: {decision_kind!r}")
    label = DECISION_KINDS[decision_kind].lower()
    evidences = list(evidences)
    concrete = [e for e in evidences if e.is_concrete]
    reasons = []
    if decision_kind in REMOVING_KINDS:
        if not any(e.behaviour_kind == "no_no" for e in concrete):
            reasons.append(f"{label} with no no-no evidence")
    elif not any(e.behaviour_kind == "target" for e in concrete):
        reasons.append(f"{label} with no behaviour evidence")
    if decision_kind in BARRED_BY_NO_NO:
        against = [e.behaviour for e in [*prior_no_no_evidence, *evidences]
                   if e.behaviour_kind == "no_no"]
        for name in dict.fromkeys(against):  # each no-no once, in the order met
            reasons.append(f"{BARRED_BY_NO_NO[decision_kind]} despite recorded no-no: "
                           f"{_lower_first(name)}")
    return Alignment(aligned=not reasons, reasons=reasons)


# Recording decisions

@dataclass
class EvidenceInput:
    behaviour_id: int | None = None
    what: str = ""
    observed_on: date | None = None
    where: str = ""

    @property
    def is_blank(self) -> bool:
        """A row left empty in the form: ignored, never an error."""
        return not (self.behaviour_id or (self.what or "").strip() or self.observed_on
                    or (self.where or "").strip())


@dataclass
class DecisionInput:
    person_name: str
    employee_ref: str
    kind: str
    effective_date: date | None
    department_id: int | None
    decided_by: str
    rationale: str = ""
    role_from: str = ""
    role_to: str = ""
    user_id: int | None = None
    initiative_id: int | None = None
    evidence: Sequence[EvidenceInput] = ()


def _text(value: str | None, label: str, limit: int, *, required: str | None = None,
          row: int | None = None) -> str:
    text = (value or "").strip()
    prefix = f"Evidence {row}: " if row else ""
    if required and not text:
        raise PeopleError(prefix + required, row)
    if "\x00" in text:
        raise PeopleError(f"{prefix}{label} contains a NUL character; remove it.", row)
    if len(text) > limit:
        raise PeopleError(f"{prefix}{label} is at most {limit:,} characters.", row)
    return text


def _get_id(value) -> int | None:
    """`value` as a database id, or None when it cannot be one."""
    try:
        ident = int(value)
    except (TypeError, ValueError):
        return None
    return ident if 0 < ident <= MAX_ID else None


def _get(model, value):
    """The row with id `value`, or None for a missing, malformed or out-of-range id."""
    ident = _get_id(value)
    return db.session.get(model, ident) if ident else None


def _validate(data: DecisionInput, today: date) -> tuple[dict, list[dict]]:
    """Check everything before anything is stored. Raises PeopleError."""
    values = {
        "person_name": _text(data.person_name, "The name", MAX_NAME,
                             required="Give the person's name."),
        "employee_ref": _text(data.employee_ref, "The employee reference", MAX_REF,
                              required="Give the employee reference: it ties this person's "
                                       "decisions together."),
    }
    kind = data.kind
    if kind not in DECISION_KINDS:
        raise PeopleError("Choose what kind of decision this is.")
    values["kind"] = kind
    effective = data.effective_date
    if not isinstance(effective, date):
        raise PeopleError("Give the date the decision takes effect.")
    if effective > today + timedelta(days=MAX_DAYS_AHEAD):
        raise PeopleError(f"The effective date {effective.isoformat()} is more than a year ahead: "
                          "record a decision once it is made.")
    if effective < today - timedelta(days=MAX_DAYS_BACK):
        raise PeopleError(f"The effective date {effective.isoformat()} is more than ten years ago.")
    values["effective_date"] = effective
    for name in ("role_from", "role_to"):
        label = "The role they leave" if name == "role_from" else "The role they take"
        values[name] = _text(getattr(data, name), label, MAX_ROLE)
    missing = [ROLE_WORDS[name] for name in ROLES_NEEDED[kind] if not values[name]]
    if missing:
        raise PeopleError(f"A {DECISION_KINDS[kind].lower()} names {' and '.join(missing)}.")
    department = _get(Department, data.department_id)
    if department is None:
        raise PeopleError("Choose the department.")
    values["department_id"] = department.id
    values["user_id"] = None
    if data.user_id:
        user = _get(User, data.user_id)
        if user is None:
            raise PeopleError("No user account matches the one chosen for this person: choose "
                              "their account from the list, or leave it empty.")
        values["user_id"] = user.id
    values["decided_by"] = _text(data.decided_by, "Who decided", MAX_NAME,
                                 required="Say who made the decision.")
    values["rationale"] = _text(data.rationale, "The rationale", MAX_TEXT,
                                required="Give the rationale, in HR's words.")
    values["initiative_id"] = None
    if data.initiative_id:
        initiative = _get(Initiative, data.initiative_id)
        if initiative is None:
            raise PeopleError("The linked initiative does not exist; choose one from the list.")
        values["initiative_id"] = initiative.id
    return values, _validate_evidence(data.evidence, kind, effective, today)


def _validate_evidence(rows: Sequence[EvidenceInput], kind: str, effective: date,
                       today: date) -> list[dict]:
    filled = [(n, row) for n, row in enumerate(rows, start=1) if not row.is_blank]
    if len(filled) > MAX_EVIDENCE:
        raise PeopleError(f"At most {MAX_EVIDENCE} pieces of evidence per decision.")
    wanted = [_get_id(row.behaviour_id) for _, row in filled]
    known = {b.id: b for b in db.session.scalars(
        select(Behaviour).where(Behaviour.id.in_([i for i in wanted if i])))} if any(wanted) else {}
    label = DECISION_KINDS[kind].lower()
    out = []
    for (n, row), behaviour_id in zip(filled, wanted, strict=True):
        if not row.behaviour_id:
            raise PeopleError(f"Evidence {n}: choose the behaviour it shows.", n)
        behaviour = known.get(behaviour_id)
        if behaviour is None:
            raise PeopleError(f"Evidence {n}: that behaviour does not exist; choose one from "
                              "the list.", n)
        if kind in REWARDING_KINDS and behaviour.is_no_no:
            raise PeopleError(
                f"Evidence {n}: “{behaviour.name}” is a no-no, not a target behaviour; it cannot "
                f"be a reason for a {label}. A no-no is evidence for a demotion or an exit.", n)
        if kind in REMOVING_KINDS and not behaviour.is_no_no:
            raise PeopleError(
                f"Evidence {n}: “{behaviour.name}” is a target behaviour; a {label} is aligned "
                "when it removes a no-no. Give the no-no it removes.", n)
        what = _text(row.what, "What the person did", MAX_WHAT, row=n,
                     required="say what the person did.")
        observed_on = row.observed_on
        if not isinstance(observed_on, date):
            raise PeopleError(f"Evidence {n}: say when it happened.", n)
        if observed_on > today:
            raise PeopleError(f"Evidence {n}: {observed_on.isoformat()} is in the future; evidence "
                              "is something the person already did.", n)
        if observed_on > effective:
            raise PeopleError(f"Evidence {n}: {observed_on.isoformat()} is after the decision takes "
                              f"effect ({effective.isoformat()}); a decision rests on what came "
                              "before it.", n)
        where = _text(row.where, "Where it is recorded", MAX_WHERE, row=n,
                      required="say where it is recorded (a case number, a file, a link).")
        out.append({"behaviour": behaviour, "what": what, "observed_on": observed_on,
                    "where_recorded": where})
    return out


def _evidence_line(behaviour: Behaviour, what: str, observed_on: date, where: str) -> str:
    return f"{behaviour.name}: {what} ({observed_on.isoformat()}; {where})"


def _evidence_lines(decision: PeopleDecision) -> list[str]:
    return [_evidence_line(e.behaviour, e.what, e.observed_on, e.where_recorded)
            for e in decision.evidence]


def _snapshot(decision: PeopleDecision) -> dict:
    values = history.snapshot(decision, HISTORY_FIELDS)
    values["evidence"] = sorted(_evidence_lines(decision))
    values["alignment_reasons"] = list(decision.alignment_reasons or [])
    return values


def _fact(evidence: DecisionEvidence) -> EvidenceFact:
    return EvidenceFact(behaviour=evidence.behaviour.name, behaviour_kind=evidence.behaviour.kind,
                        what=evidence.what, observed_on=evidence.observed_on,
                        where=evidence.where_recorded)


def _same_person(refs: Iterable[str]):
    """SQL true for decisions whose employee reference matches one of `refs`,
    ignoring case (both sides lowered by the database, so they agree)."""
    refs = sorted({r for r in refs if r})
    return or_(*(func.lower(PeopleDecision.employee_ref) == func.lower(r) for r in refs))


def refresh_alignment(employee_refs: Iterable[str], *, actor: User | None,
                      now: datetime | None = None, quiet_ids: Iterable[int] = ()) -> list[int]:
    """Recompute `aligned` and its reasons for every decision about these
    people, each seeing the person's no-no evidence from their other
    decisions dated on or before it takes effect. A decision whose alignment
    changes gets a history event unless its id is in `quiet_ids` (the one
    being edited records its own). Returns the ids that changed."""
    refs = [r for r in employee_refs if r]
    if not refs:
        return []
    decisions = db.session.scalars(
        select(PeopleDecision).where(_same_person(refs))
        .options(selectinload(PeopleDecision.evidence).selectinload(DecisionEvidence.behaviour))
    ).all()
    by_person: dict[str, list[PeopleDecision]] = defaultdict(list)
    for decision in decisions:
        by_person[decision.employee_ref.lower()].append(decision)
    quiet, changed = set(quiet_ids), []
    for group in by_person.values():
        for decision in group:
            prior = [_fact(e) for other in group if other is not decision
                     for e in other.evidence
                     if e.behaviour.is_no_no and e.observed_on <= decision.effective_date]
            result = alignment(decision.kind, [_fact(e) for e in decision.evidence], prior)
            old = (decision.aligned, list(decision.alignment_reasons or []))
            if old == (result.aligned, result.reasons):
                continue
            decision.aligned, decision.alignment_reasons = result.aligned, list(result.reasons)
            changed.append(decision.id)
            if decision.id not in quiet:
                summary = ("Now aligned" if result.aligned
                           else "Now not aligned: " + "; ".join(result.reasons))
                history.record(SUBJECT, decision.id, "alignment", summary, actor=actor, now=now,
                               changes={"aligned": [old[0], result.aligned],
                                        "alignment_reasons": [old[1], result.reasons]})
    db.session.flush()
    return changed


def refresh_alignment_for_behaviour(behaviour_id: int, *, actor: User | None,
                                    now: datetime | None = None) -> list[int]:
    """After a behaviour changes between target and no-no: recompute every
    person with evidence for it. Returns the ids of decisions that changed."""
    refs = db.session.scalars(
        select(PeopleDecision.employee_ref).distinct()
        .join(DecisionEvidence, DecisionEvidence.decision_id == PeopleDecision.id)
        .where(DecisionEvidence.behaviour_id == behaviour_id)
    ).all()
    return refresh_alignment(refs, actor=actor, now=now)


def create_decision(*, actor: User, data: DecisionInput, today: date,
                    now: datetime | None = None) -> PeopleDecision:
    """Record a decision and its evidence, all or nothing. `today` bounds the
    dates; `now` (default: the clock) stamps it. Raises PeopleError."""
    if not may(actor, "edit_people"):
        raise PeopleError("Only HR and admins record people decisions.")
    values, evidence = _validate(data, today)
    decision = PeopleDecision(created_by_id=actor.id, aligned=False, alignment_reasons=[],
                              **values)
    if now is not None:
        decision.created_at = decision.updated_at = now
    decision.evidence = [DecisionEvidence(**row) for row in evidence]
    db.session.add(decision)
    db.session.flush()
    refresh_alignment([decision.employee_ref], actor=actor, now=now, quiet_ids=[decision.id])
    if now is not None:
        decision.updated_at = now  # the alignment just stored is part of recording it
    history.record(SUBJECT, decision.id, "created",
                   f"Recorded the {decision.kind_label.lower()}", actor=actor, now=now,
                   changes=_snapshot(decision))
    return decision


def update_decision(decision: PeopleDecision, *, actor: User, data: DecisionInput, today: date,
                    now: datetime | None = None) -> None:
    """Change a decision and replace its evidence, all or nothing; the
    change (who, when, what) goes to its history. Raises PeopleError."""
    if not may(actor, "edit_people"):
        raise PeopleError("Only HR and admins edit people decisions.")
    values, evidence = _validate(data, today)
    before = _snapshot(decision)
    old_ref = decision.employee_ref
    for key, value in values.items():
        setattr(decision, key, value)
    if sorted(_evidence_line(r["behaviour"], r["what"], r["observed_on"], r["where_recorded"])
              for r in evidence) != before["evidence"]:
        decision.evidence = [DecisionEvidence(**row) for row in evidence]
    db.session.flush()
    refresh_alignment([old_ref, decision.employee_ref], actor=actor, now=now,
                      quiet_ids=[decision.id])
    changes = history.diff(before, _snapshot(decision))
    if changes:
        decision.updated_at = now or utcnow()
        history.record(SUBJECT, decision.id, "updated", "Edited", actor=actor, now=now,
                       changes=changes)
    db.session.flush()


# Reading

@dataclass
class DecisionFilters:
    quarter: Quarter | None = None
    department_id: int | None = None
    kind: str = ""
    aligned: bool | None = None

    def as_args(self) -> dict:
        """The filters as query-string arguments, leaving out the empty ones."""
        pairs = (("quarter", self.quarter.key if self.quarter else None),
                 ("department_id", self.department_id), ("kind", self.kind or None),
                 ("aligned", None if self.aligned is None else ("yes" if self.aligned else "no")))
        return {k: v for k, v in pairs if v}


def _in_quarter(quarter: Quarter):
    return and_(PeopleDecision.effective_date >= quarter.start,
                PeopleDecision.effective_date <= quarter.end)


def list_query(filters: DecisionFilters, *, with_evidence: bool = False) -> Select:
    """The decisions matching `filters`, newest first, with what a list or an
    export shows loaded in a fixed number of queries."""
    options = [joinedload(PeopleDecision.department)]
    if with_evidence:
        options += [selectinload(PeopleDecision.evidence).selectinload(DecisionEvidence.behaviour),
                    selectinload(PeopleDecision.user), selectinload(PeopleDecision.initiative)]
    query = select(PeopleDecision).options(*options)
    if filters.quarter:
        query = query.where(_in_quarter(filters.quarter))
    if filters.department_id:
        query = query.where(PeopleDecision.department_id == filters.department_id)
    if filters.kind in DECISION_KINDS:
        query = query.where(PeopleDecision.kind == filters.kind)
    if filters.aligned is not None:
        query = query.where(PeopleDecision.aligned.is_(filters.aligned))
    return query.order_by(PeopleDecision.effective_date.desc(), PeopleDecision.id.desc())


def decision_for_page(decision_id: int) -> PeopleDecision | None:
    return db.session.scalar(
        select(PeopleDecision).where(PeopleDecision.id == decision_id).options(
            joinedload(PeopleDecision.department), joinedload(PeopleDecision.user),
            joinedload(PeopleDecision.initiative), joinedload(PeopleDecision.created_by),
            selectinload(PeopleDecision.evidence).selectinload(DecisionEvidence.behaviour),
        )
    )


def other_decisions_for_person(decision: PeopleDecision) -> list[PeopleDecision]:
    """The person's other decisions, oldest first: the record the rule reads."""
    return list(db.session.scalars(
        select(PeopleDecision)
        .where(_same_person([decision.employee_ref]), PeopleDecision.id != decision.id)
        .options(selectinload(PeopleDecision.evidence).selectinload(DecisionEvidence.behaviour))
        .order_by(PeopleDecision.effective_date, PeopleDecision.id)
    ))


def effective_date_range() -> tuple[date, date] | None:
    # Two subqueries: SQLite reads a lone min() or max() from the index, not both at once.
    first, last = db.session.execute(select(
        select(func.min(PeopleDecision.effective_date)).scalar_subquery(),
        select(func.max(PeopleDecision.effective_date)).scalar_subquery(),
    )).one()
    return (first, last) if first else None


# The alignment report

def _share(aligned: int, total: int) -> float | None:
    return aligned / total if total else None


@dataclass
class Tally:
    label: str
    total: int = 0
    aligned: int = 0
    key: str = ""

    @property
    def not_aligned(self) -> int:
        return self.total - self.aligned

    @property
    def share(self) -> float | None:
        return _share(self.aligned, self.total)


class NotAlignedDecision(NamedTuple):
    """A not-aligned decision as the report lists it: plain values, no ORM object to load."""

    id: int
    person_name: str
    employee_ref: str
    kind: str
    effective_date: date
    department_name: str
    alignment_reasons: list[str]

    @property
    def kind_label(self) -> str:
        return DECISION_KINDS.get(self.kind, self.kind)


@dataclass
class BehaviourCount:
    behaviour: Behaviour
    decisions: int


@dataclass
class PeopleReport:
    quarter: Quarter
    department: Department | None
    by_kind: list[Tally]
    trend: list[Tally]  # the four quarters ending with `quarter`, oldest first
    not_aligned: list[NotAlignedDecision]
    behaviours: list[BehaviourCount]
    departments: list[Tally]  # every department, this quarter, whatever the filter

    @property
    def total(self) -> int:
        return self.trend[-1].total

    @property
    def aligned(self) -> int:
        return self.trend[-1].aligned

    @property
    def share(self) -> float | None:
        return _share(self.aligned, self.total)


def _aligned_count():
    return func.coalesce(func.sum(case((PeopleDecision.aligned.is_(True), 1), else_=0)), 0)


def build_report(quarter: Quarter, department_id: int | None = None) -> PeopleReport:
    """The alignment report for `quarter` (and one department, if given), in
    four queries whatever the number of decisions."""
    first = quarter.shift(-3)
    quarters = [quarter.shift(n) for n in range(-3, 1)]
    in_department = (PeopleDecision.department_id == department_id) if department_id else true()
    # Grouped by its label: PostgreSQL would not match a repeated CASE with fresh parameters.
    bucket = case(*((PeopleDecision.effective_date < q.shift(1).start, i)
                    for i, q in enumerate(quarters[:-1])), else_=3).label("bucket")
    counts = db.session.execute(
        select(bucket, PeopleDecision.kind, func.count(PeopleDecision.id), _aligned_count())
        .where(PeopleDecision.effective_date >= first.start,
               PeopleDecision.effective_date <= quarter.end, in_department)
        .group_by(bucket, PeopleDecision.kind)
    ).all()
    trend = [Tally(q.label, key=q.key) for q in quarters]
    by_kind = {kind: Tally(label, key=kind) for kind, label in DECISION_KINDS.items()}
    for index, kind, total, aligned in counts:
        trend[index].total += total
        trend[index].aligned += aligned
        if index == 3 and kind in by_kind:
            by_kind[kind].total += total
            by_kind[kind].aligned += aligned

    not_aligned = [NotAlignedDecision(*row) for row in db.session.execute(
        select(PeopleDecision.id, PeopleDecision.person_name, PeopleDecision.employee_ref,
               PeopleDecision.kind, PeopleDecision.effective_date, Department.name,
               PeopleDecision.alignment_reasons)
        .join(Department, Department.id == PeopleDecision.department_id)
        .where(_in_quarter(quarter), in_department, PeopleDecision.aligned.is_(False))
        .order_by(PeopleDecision.effective_date, PeopleDecision.id)
    )]

    counted = (
        select(DecisionEvidence.behaviour_id,
               func.count(distinct(DecisionEvidence.decision_id)).label("decisions"))
        .join(PeopleDecision, PeopleDecision.id == DecisionEvidence.decision_id)
        .where(_in_quarter(quarter), in_department)
        .group_by(DecisionEvidence.behaviour_id)
        .subquery()
    )
    behaviours = [BehaviourCount(b, n) for b, n in db.session.execute(
        select(Behaviour, func.coalesce(counted.c.decisions, 0))
        .outerjoin(counted, counted.c.behaviour_id == Behaviour.id)
        .order_by(Behaviour.kind.desc(), Behaviour.name)  # targets, then no-nos
    )]

    # The quarter's decisions are read once, then matched to departments;
    # joining first would read them once per department.
    tallies = (
        select(PeopleDecision.department_id, func.count().label("total"),
               _aligned_count().label("aligned"))
        .where(_in_quarter(quarter)).group_by(PeopleDecision.department_id).subquery()
    )
    per_department = db.session.execute(
        select(Department, func.coalesce(tallies.c.total, 0), func.coalesce(tallies.c.aligned, 0))
        .outerjoin(tallies, tallies.c.department_id == Department.id).order_by(Department.name)
    ).all()
    departments = [Tally(d.name, total, aligned, key=str(d.id)) for d, total, aligned in per_department]
    chosen = next((d for d, _, _ in per_department if d.id == department_id), None)
    return PeopleReport(quarter=quarter, department=chosen, by_kind=list(by_kind.values()),
                        trend=trend, not_aligned=not_aligned, behaviours=behaviours,
                        departments=departments)


@dataclass
class QuarterAlignment:
    """The quarter's headline for the dashboard: how many decisions rewarded
    the target behaviours, and the first few that did not."""
    quarter: Quarter
    total: int
    aligned: int
    not_aligned: list[NotAlignedDecision]

    @property
    def share(self) -> float | None:
        return _share(self.aligned, self.total)


def quarter_alignment(quarter: Quarter, department_id: int | None = None,
                      shown: int = 5) -> QuarterAlignment:
    """The quarter's alignment (one department's, if given) in two queries."""
    in_department = (PeopleDecision.department_id == department_id) if department_id else true()
    total, aligned = db.session.execute(
        select(func.count(PeopleDecision.id), _aligned_count()).where(_in_quarter(quarter), in_department)
    ).one()
    not_aligned = [NotAlignedDecision(*row) for row in db.session.execute(
        select(PeopleDecision.id, PeopleDecision.person_name, PeopleDecision.employee_ref,
               PeopleDecision.kind, PeopleDecision.effective_date, Department.name,
               PeopleDecision.alignment_reasons)
        .join(Department, Department.id == PeopleDecision.department_id)
        .where(_in_quarter(quarter), in_department, PeopleDecision.aligned.is_(False))
        .order_by(PeopleDecision.effective_date, PeopleDecision.id).limit(shown)
    )]
    return QuarterAlignment(quarter, total, aligned, not_aligned)


# CSV exports

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """`value` as CSV text a spreadsheet will not run: a leading formula
    character is neutralised with a single quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    # The byte-order mark makes Excel read the file as UTF-8 (names keep their accents).
    return "\ufeff" + buffer.getvalue()


def _percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)}%"


DECISIONS_HEADER = ("ID", "Person", "Employee ref", "User account", "Kind", "Effective date",
                    "Role from", "Role to", "Department", "Decided by", "Rationale", "Initiative",
                    "Aligned", "Reasons", "Evidence")


def decisions_csv(decisions: Iterable[PeopleDecision]) -> str:
    """One row per decision, its evidence in one cell."""
    return _csv(DECISIONS_HEADER, (
        (d.id, d.person_name, d.employee_ref, d.user.email if d.user else "", d.kind_label,
         d.effective_date.isoformat(), d.role_from, d.role_to, d.department.name, d.decided_by,
         d.rationale, d.initiative.title if d.initiative else "",
         "yes" if d.aligned else "no", "; ".join(d.alignment_reasons or []),
         " | ".join(_evidence_lines(d)))
        for d in decisions
    ))


REPORT_HEADER = ("Section", "Quarter", "Department", "Item", "Decisions", "Aligned", "Share aligned",
                 "Detail")


def report_csv(report: PeopleReport) -> str:
    """The report as one table; the Section column tells its parts apart."""
    department = report.department.name if report.department else "All departments"
    quarter = report.quarter.label
    rows = [("By kind", quarter, department, t.label, t.total, t.aligned, _percent(t.share), "")
            for t in report.by_kind]
    rows.append(("Total", quarter, department, "All kinds", report.total, report.aligned,
                 _percent(report.share), ""))
    rows += [("Trend", t.label, department, "All kinds", t.total, t.aligned, _percent(t.share), "")
             for t in report.trend]
    rows += [("By behaviour", quarter, department, c.behaviour.name, c.decisions, "", "",
              "no-no removed" if c.behaviour.is_no_no else "target rewarded")
             for c in report.behaviours]
    rows += [("By department", quarter, t.label, "All kinds", t.total, t.aligned,
              _percent(t.share), "") for t in report.departments]
    rows += [("Not aligned", quarter, d.department_name,
              f"{d.person_name} ({d.employee_ref}), {d.kind_label.lower()} "
              f"{d.effective_date.isoformat()}", 1, 0, "", "; ".join(d.alignment_reasons or []))
             for d in report.not_aligned]
    return _csv(REPORT_HEADER, rows)


# For other domains: the weekly digest and the initiative page

def people_summary(start: date, end: date, *, timezone: str = "UTC") -> dict:
    """The people decisions effective, or recorded, between `start` and `end`
    (inclusive; recorded times read in `timezone`): how many, how many
    aligned, the share, and each not-aligned one with its reasons. Plain
    values only, ready for an email template. Two queries at most."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    since = datetime.combine(start, time.min, tzinfo=zone).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    decisions = db.session.scalars(
        select(PeopleDecision).options(joinedload(PeopleDecision.department))
        .where(or_(and_(PeopleDecision.effective_date >= start,
                        PeopleDecision.effective_date <= end),
                   and_(PeopleDecision.created_at >= since, PeopleDecision.created_at < until)))
        .order_by(PeopleDecision.effective_date, PeopleDecision.id)
    ).all()
    aligned = sum(1 for d in decisions if d.aligned)
    return {
        "start": start,
        "end": end,
        "count": len(decisions),
        "aligned": aligned,
        "share": _share(aligned, len(decisions)),
        "not_aligned": [
            {"id": d.id, "person_name": d.person_name, "employee_ref": d.employee_ref,
             "kind": d.kind, "kind_label": d.kind_label, "effective_date": d.effective_date,
             "department": d.department.name, "reasons": list(d.alignment_reasons or [])}
            for d in decisions if not d.aligned
        ],
    }


def decision_counts_for_initiatives(initiative_ids: Iterable[int]) -> dict[int, int]:
    """{initiative id: number of people decisions linked to it}, in one query
    (none for no ids); initiatives with no decision are left out."""
    ids = sorted({int(i) for i in initiative_ids})
    if not ids:
        return {}
    return dict(db.session.execute(
        select(PeopleDecision.initiative_id, func.count(PeopleDecision.id))
        .where(PeopleDecision.initiative_id.in_(ids))
        .group_by(PeopleDecision.initiative_id)
    ).all())


def decisions_for_initiative(initiative_id: int) -> list[PeopleDecision]:
    """The people decisions linked to an initiative, newest first: for readers
    allowed to see people decisions only (the caller checks may(user, "read_people"))."""
    return list(db.session.scalars(
        select(PeopleDecision).where(PeopleDecision.initiative_id == initiative_id)
        .order_by(PeopleDecision.effective_date.desc(), PeopleDecision.id.desc())
    ))
