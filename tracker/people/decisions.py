"""Recording people decisions: validation, create and update, and keeping
each person's stored alignment current. Functions add and flush; the caller
commits.

Alignment (`alignment.alignment`) is stored on each decision and recomputed
for the whole person whenever one of their decisions changes, or when a
behaviour their evidence names turns from target to no-no or back.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import concurrency, signals
from tracker.accounts.models import Department, User
from tracker.auth.policy import may
from tracker.behaviours.models import Behaviour
from tracker.extensions import db
from tracker.history import services as history
from tracker.ids import parse_id
from tracker.initiatives.models import Initiative
from tracker.metrics.models import Metric
from tracker.people.alignment import EvidenceFact, alignment
from tracker.people.models import (
    DECISION_KINDS,
    REMOVING_KINDS,
    REWARDING_KINDS,
    DecisionEvidence,
    PeopleDecision,
)
from tracker.people.queries import same_person
from tracker.validation import FieldError
from tracker.validators import text_problem

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
SUBJECT = "people_decision"
HISTORY_FIELDS = ("person_name", "employee_ref", "user_id", "kind", "effective_date", "role_from",
                  "role_to", "department_id", "decided_by", "rationale", "initiative_id", "aligned")

history.describe(
    SUBJECT,
    labels={"person_name": "Person", "employee_ref": "Employee reference", "user_id": "User account",
            "kind": "Kind", "effective_date": "Effective", "role_from": "Role from",
            "role_to": "Role to", "department_id": "Department", "decided_by": "Decided by",
            "rationale": "Rationale", "initiative_id": "Initiative", "aligned": "Aligned"},
    values={"kind": DECISION_KINDS},
    references={"user_id": User.display_name, "department_id": Department.name,
                "initiative_id": Initiative.title},
)

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

T = TypeVar("T")


class PeopleError(FieldError):
    """A people-decision rule was broken; the message is fit to show HR and
    `field` names the input at fault ("kind", "evidence-0-what")."""

@dataclass
class EvidenceInput:
    behaviour_id: int | None = None
    what: str = ""
    observed_on: date | None = None
    where: str = ""
    # Recognition only: a customer-perceived metric, or the customer's words.
    customer_metric_id: int | None = None
    customer_words: str = ""

    @property
    def is_blank(self) -> bool:
        """A row left empty in the form: ignored, never an error."""
        return not (self.behaviour_id or (self.what or "").strip() or self.observed_on
                    or (self.where or "").strip() or self.customer_metric_id
                    or (self.customer_words or "").strip())


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


def _text(value: str | None, field: str, label: str, limit: int, problems: list[PeopleError], *,
          required: str | None = None, row: int | None = None, multi_line: bool = False) -> str:
    """`value` stripped; a problem with it goes to `problems`. Names, roles and
    references are one line; only `multi_line` text may break lines."""
    text = (value or "").strip()
    prefix = f"Evidence {row}: " if row else ""
    if required and not text:
        problems.append(PeopleError(prefix + required, field))
    elif problem := text_problem(text, label, single_line=not multi_line):
        problems.append(PeopleError(prefix + problem, field))
    elif len(text) > limit:
        problems.append(PeopleError(f"{prefix}{label} is at most {limit:,} characters.", field))
    return text


def _get(model: type[T], value: Any) -> T | None:
    """The row with id `value`, or None for a missing, malformed or out-of-range id."""
    ident = parse_id(value)
    return db.session.get(model, ident) if ident else None


def _validate(data: DecisionInput, today: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Check everything before anything is stored. Raises one PeopleError
    carrying every problem found, each naming its field."""
    problems: list[PeopleError] = []

    def refuse(message: str, field: str) -> None:
        problems.append(PeopleError(message, field))

    values: dict[str, Any] = {
        "person_name": _text(data.person_name, "person_name", "The name", MAX_NAME, problems,
                             required="Give the person's name."),
        "employee_ref": _text(data.employee_ref, "employee_ref", "The employee reference",
                              MAX_REF, problems,
                              required="Give the employee reference: it ties this person's "
                                       "decisions together."),
    }
    kind = data.kind if data.kind in DECISION_KINDS else None
    if kind is None:
        refuse("Choose what kind of decision this is.", "kind")
    values["kind"] = kind
    effective = data.effective_date if isinstance(data.effective_date, date) else None
    if effective is None:
        refuse("Give the date the decision takes effect.", "effective_date")
    elif effective > today + timedelta(days=MAX_DAYS_AHEAD):
        refuse(f"The effective date {effective.isoformat()} is more than a year ahead: "
               "record a decision once it is made.", "effective_date")
    elif effective < today - timedelta(days=MAX_DAYS_BACK):
        refuse(f"The effective date {effective.isoformat()} is more than ten years ago.",
               "effective_date")
    values["effective_date"] = effective
    for name in ("role_from", "role_to"):
        label = "The role they leave" if name == "role_from" else "The role they take"
        values[name] = _text(getattr(data, name), name, label, MAX_ROLE, problems)
    if kind is not None:
        for name in ROLES_NEEDED[kind]:
            if not values[name]:
                refuse(f"A {DECISION_KINDS[kind].lower()} names {ROLE_WORDS[name]}.", name)
    department = _get(Department, data.department_id)
    if department is None:
        refuse("Choose the department.", "department_id")
    values["department_id"] = department.id if department else None
    values["user_id"] = None
    if data.user_id:
        user = _get(User, data.user_id)
        if user is None:
            refuse("No user account matches the one chosen for this person: choose "
                   "their account from the list, or leave it empty.", "user_id")
        else:
            values["user_id"] = user.id
    values["decided_by"] = _text(data.decided_by, "decided_by", "Who decided", MAX_NAME, problems,
                                 required="Say who made the decision.")
    values["rationale"] = _text(data.rationale, "rationale", "The rationale", MAX_TEXT, problems,
                                required="Give the rationale, in HR's words.", multi_line=True)
    values["initiative_id"] = None
    if data.initiative_id:
        initiative = _get(Initiative, data.initiative_id)
        if initiative is None:
            refuse("The linked initiative does not exist; choose one from the list.",
                   "initiative_id")
        else:
            values["initiative_id"] = initiative.id
    # Evidence is compared with the effective date only when that date stands.
    date_stands = not any(p.field == "effective_date" for p in problems)
    evidence = _validate_evidence(data.evidence, kind, effective if date_stands else None,
                                  today, problems)
    if problems:
        raise PeopleError.collect(problems)
    return values, evidence


def _validate_evidence(rows: Sequence[EvidenceInput], kind: str | None, effective: date | None,
                       today: date, problems: list[PeopleError]) -> list[dict[str, Any]]:
    """The filled rows, checked against the kind and date (when those are
    valid); problems go to `problems`, each naming the row's field."""
    filled = [(n, row) for n, row in enumerate(rows, start=1) if not row.is_blank]
    if len(filled) > MAX_EVIDENCE:
        problems.append(PeopleError(f"At most {MAX_EVIDENCE} pieces of evidence per decision."))
        return []
    wanted = [parse_id(row.behaviour_id) for _, row in filled]
    known = {b.id: b for b in db.session.scalars(
        select(Behaviour).where(Behaviour.id.in_([i for i in wanted if i])))} if any(wanted) else {}
    label = DECISION_KINDS[kind].lower() if kind else ""
    out = []
    for (n, row), behaviour_id in zip(filled, wanted, strict=True):
        def refuse(message: str, name: str, n: int = n) -> None:
            problems.append(PeopleError(f"Evidence {n}: {message}", f"evidence-{n - 1}-{name}"))

        behaviour = known.get(behaviour_id) if behaviour_id is not None else None
        if not row.behaviour_id:
            refuse("choose the behaviour it shows.", "behaviour_id")
        elif behaviour is None:
            refuse("that behaviour does not exist; choose one from the list.", "behaviour_id")
        elif kind in REWARDING_KINDS and behaviour.is_no_no:
            refuse(f"“{behaviour.name}” is a no-no, not a target behaviour; it cannot be a "
                   f"reason for a {label}. A no-no is evidence for a demotion or an exit.",
                   "behaviour_id")
        elif kind in REMOVING_KINDS and not behaviour.is_no_no:
            refuse(f"“{behaviour.name}” is a target behaviour; a {label} is aligned when it "
                   "removes a no-no. Give the no-no it removes.", "behaviour_id")
        what = _text(row.what, f"evidence-{n - 1}-what", "What the person did", MAX_WHAT,
                     problems, row=n, required="say what the person did.", multi_line=True)
        observed_on = row.observed_on if isinstance(row.observed_on, date) else None
        if observed_on is None:
            refuse("say when it happened.", "observed_on")
        elif observed_on > today:
            refuse(f"{observed_on.isoformat()} is in the future; evidence is something the "
                   "person already did.", "observed_on")
        elif effective is not None and observed_on > effective:
            refuse(f"{observed_on.isoformat()} is after the decision takes effect "
                   f"({effective.isoformat()}); a decision rests on what came before it.",
                   "observed_on")
        where = _text(row.where, f"evidence-{n - 1}-where", "Where it is recorded", MAX_WHERE,
                      problems, row=n,
                      required="say where it is recorded (a case number, a file, a link).")
        metric, words = _customer_opinion(row, kind, refuse, problems, n)
        out.append({"behaviour": behaviour, "what": what, "observed_on": observed_on,
                    "where_recorded": where, "customer_metric": metric, "customer_words": words})
    return out


def _customer_opinion(row: EvidenceInput, kind: str | None, refuse: Any,
                      problems: list[PeopleError], n: int) -> tuple[Metric | None, str]:
    """The customer-perceived metric and the customer's words a piece of
    evidence cites: only a recognition may cite them (a reward that follows
    what customers say), and only a metric whose source is the customer."""
    words = _text(row.customer_words, f"evidence-{n - 1}-customer_words", "The customer's words",
                  MAX_WHAT, problems, row=n, multi_line=True)
    metric = None
    if row.customer_metric_id:
        metric = _get(Metric, row.customer_metric_id)
        if metric is None:
            refuse("that metric does not exist; choose one from the list.", "customer_metric_id")
        elif metric.source != "customer":
            refuse(f"“{metric.name}” is not customer-perceived; cite a metric customers "
                   "report, or their words.", "customer_metric_id")
            metric = None
    if (metric is not None or words) and kind and kind != "recognition":
        refuse("only a recognition cites customer opinion; leave the customer fields empty.",
               "customer_metric_id" if metric is not None else "customer_words")
    return metric, words


def _evidence_line(behaviour: Behaviour, what: str, observed_on: date, where: str,
                   metric: Metric | None = None, words: str = "") -> str:
    cited = "".join(f"; customers: {c}" for c in (metric.name if metric else "", words) if c)
    return f"{behaviour.name}: {what} ({observed_on.isoformat()}; {where}{cited})"


def evidence_lines(decision: PeopleDecision) -> list[str]:
    return [_evidence_line(e.behaviour, e.what, e.observed_on, e.where_recorded, e.customer_metric,
                           e.customer_words)
            for e in decision.evidence]


def _snapshot(decision: PeopleDecision) -> dict[str, Any]:
    values = history.snapshot(decision, HISTORY_FIELDS)
    values["evidence"] = sorted(evidence_lines(decision))
    values["alignment_reasons"] = list(decision.alignment_reasons or [])
    return values


def _fact(evidence: DecisionEvidence) -> EvidenceFact:
    return EvidenceFact(behaviour=evidence.behaviour.name, behaviour_kind=evidence.behaviour.kind,
                        what=evidence.what, observed_on=evidence.observed_on,
                        where=evidence.where_recorded)


def refresh_alignment(employee_refs: Iterable[str], *, actor: User | None,
                      now: datetime, quiet_ids: Iterable[int] = ()) -> list[int]:
    """Recompute `aligned` and its reasons for every decision about these
    people, each seeing the person's no-no evidence from their other
    decisions dated on or before it takes effect. A decision whose alignment
    changes gets a history event unless its id is in `quiet_ids` (the one
    being edited records its own). Returns the ids that changed."""
    refs = [r for r in employee_refs if r]
    if not refs:
        return []
    decisions = db.session.scalars(
        select(PeopleDecision).where(same_person(refs))
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
            decision.updated_at = now
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
                                    now: datetime) -> list[int]:
    """After a behaviour changes between target and no-no: recompute every
    person with evidence for it. Returns the ids of decisions that changed."""
    refs = db.session.scalars(
        select(PeopleDecision.employee_ref).distinct()
        .join(DecisionEvidence, DecisionEvidence.decision_id == PeopleDecision.id)
        .where(DecisionEvidence.behaviour_id == behaviour_id)
    ).all()
    return refresh_alignment(refs, actor=actor, now=now)


@signals.behaviour_kind_changed.connect
def _behaviour_kind_changed(behaviour: Behaviour, *, actor: User | None, now: datetime) -> None:
    # Evidence for it now counts the other way in people decisions.
    refresh_alignment_for_behaviour(behaviour.id, actor=actor, now=now)


def create_decision(*, actor: User, data: DecisionInput, today: date,
                    now: datetime) -> PeopleDecision:
    """Record a decision and its evidence, all or nothing. `today` bounds the
    dates; `now` stamps it. Raises PeopleError."""
    if not may(actor, "edit_people"):
        raise PeopleError("Only HR and admins record people decisions.")
    values, evidence = _validate(data, today)
    decision = PeopleDecision(created_by_id=actor.id, aligned=False, alignment_reasons=[],
                              created_at=now, updated_at=now, **values)
    decision.evidence = [DecisionEvidence(**row) for row in evidence]
    db.session.add(decision)
    db.session.flush()
    refresh_alignment([decision.employee_ref], actor=actor, now=now, quiet_ids=[decision.id])
    decision.updated_at = now  # the alignment just stored is part of recording it
    history.record(SUBJECT, decision.id, "created",
                   f"Recorded the {decision.kind_label.lower()}", actor=actor, now=now,
                   changes=_snapshot(decision))
    signals.decision_recorded.send(decision, actor=actor, now=now)
    return decision


def update_decision(decision: PeopleDecision, *, actor: User, data: DecisionInput, today: date,
                    now: datetime, version: int | None = None) -> None:
    """Change a decision and replace its evidence, all or nothing; the
    change (who, when, what) goes to its history. Raises PeopleError.
    `version` is the one the edit form was opened at: concurrency.EditConflict
    when someone saved since (None: no form, no check)."""
    if not may(actor, "edit_people"):
        raise PeopleError("Only HR and admins edit people decisions.")
    concurrency.claim_version(decision, version)
    values, evidence = _validate(data, today)
    before = _snapshot(decision)
    old_ref = decision.employee_ref
    for key, value in values.items():
        setattr(decision, key, value)
    if sorted(_evidence_line(r["behaviour"], r["what"], r["observed_on"], r["where_recorded"],
                             r["customer_metric"], r["customer_words"])
              for r in evidence) != before["evidence"]:
        decision.evidence = [DecisionEvidence(**row) for row in evidence]
    db.session.flush()
    refresh_alignment([old_ref, decision.employee_ref], actor=actor, now=now,
                      quiet_ids=[decision.id])
    changes = history.diff(before, _snapshot(decision))
    if changes:
        decision.updated_at = now
        history.record(SUBJECT, decision.id, "updated", "Edited", actor=actor, now=now,
                       changes=changes)
    db.session.flush()
