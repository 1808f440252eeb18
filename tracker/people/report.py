"""The alignment report and the dashboard's quarter headline: counts in SQL,
a fixed number of queries whatever the number of decisions."""

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import ColumnElement, case, distinct, func, select, true

from tracker import cache
from tracker.accounts.models import Department
from tracker.behaviours.models import Behaviour
from tracker.calendar import Quarter
from tracker.extensions import db
from tracker.paging import Page
from tracker.people.models import DECISION_KINDS, DecisionEvidence, PeopleDecision
from tracker.people.queries import in_quarter


def share(aligned: int, total: int) -> float | None:
    """The share of decisions aligned; None when there are none."""
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
        return share(self.aligned, self.total)


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
    # Recognitions this quarter, and how many cited what customers said.
    recognitions: int = 0
    followed_customers: int = 0
    # Which of the not-aligned decisions `not_aligned` holds: all when per_page is None.
    page: int = 1
    per_page: int | None = None

    @property
    def total(self) -> int:
        return self.trend[-1].total

    @property
    def aligned(self) -> int:
        return self.trend[-1].aligned

    @property
    def share(self) -> float | None:
        return share(self.aligned, self.total)

    @property
    def not_aligned_page(self) -> Page[NotAlignedDecision]:
        """`not_aligned` as a page of all the quarter's not-aligned decisions, for the pager."""
        not_aligned = self.total - self.aligned
        return Page(self.not_aligned, not_aligned, self.page, self.per_page or max(not_aligned, 1))


def _aligned_count() -> ColumnElement[int]:
    return func.coalesce(func.sum(case((PeopleDecision.aligned.is_(True), 1), else_=0)), 0)


def _in_department(department_id: int | None) -> ColumnElement[bool]:
    return (PeopleDecision.department_id == department_id) if department_id else true()


def not_aligned_decisions(quarter: Quarter, department_id: int | None = None,
                          limit: int | None = None, offset: int = 0) -> list[NotAlignedDecision]:
    """The quarter's not-aligned decisions (one department's, if given), in
    the order they took effect, `limit` of them from `offset` if given; one query."""
    return [NotAlignedDecision(*row) for row in db.session.execute(
        select(PeopleDecision.id, PeopleDecision.person_name, PeopleDecision.employee_ref,
               PeopleDecision.kind, PeopleDecision.effective_date, Department.name,
               PeopleDecision.alignment_reasons)
        .join(Department, Department.id == PeopleDecision.department_id)
        .where(in_quarter(quarter), _in_department(department_id), PeopleDecision.aligned.is_(False))
        .order_by(PeopleDecision.effective_date, PeopleDecision.id).limit(limit).offset(offset)
    )]


@dataclass(frozen=True)
class _Counts:
    """What the report counts over every decision of its four quarters, as
    plain values: kept per data version (`tracker.cache`)."""
    # (quarter index 0-3, oldest first; kind; decisions; aligned; citing customers)
    by_quarter_and_kind: tuple[tuple[int, str, int, int, int], ...]
    by_behaviour: dict[int, int]  # behaviour id: the quarter's decisions with evidence for it
    by_department: dict[int, tuple[int, int]]  # department id: (the quarter's decisions, aligned)


def _count(quarter: Quarter, department_id: int | None) -> _Counts:
    """The report's counts in three queries, each reading the decisions of
    its four quarters (or the last) once."""
    first = quarter.shift(-3)
    quarters = [quarter.shift(n) for n in range(-3, 1)]
    in_department = _in_department(department_id)
    # Grouped by its label: PostgreSQL would not match a repeated CASE with fresh parameters.
    bucket = case(*((PeopleDecision.effective_date < q.shift(1).start, i)
                    for i, q in enumerate(quarters[:-1])), else_=3).label("bucket")
    by_quarter_and_kind = db.session.execute(
        select(bucket, PeopleDecision.kind, func.count(PeopleDecision.id), _aligned_count(),
               func.coalesce(func.sum(case((_cites_customers(), 1), else_=0)), 0))
        .where(PeopleDecision.effective_date >= first.start,
               PeopleDecision.effective_date <= quarter.end, in_department)
        .group_by(bucket, PeopleDecision.kind)
    ).all()
    by_behaviour = db.session.execute(
        select(DecisionEvidence.behaviour_id, func.count(distinct(DecisionEvidence.decision_id)))
        .join(PeopleDecision, PeopleDecision.id == DecisionEvidence.decision_id)
        .where(in_quarter(quarter), in_department)
        .group_by(DecisionEvidence.behaviour_id)
    ).all()
    by_department = db.session.execute(
        select(PeopleDecision.department_id, func.count(), _aligned_count())
        .where(in_quarter(quarter)).group_by(PeopleDecision.department_id)
    ).all()
    return _Counts(tuple((int(i), k, int(t), int(a), int(c)) for i, k, t, a, c in by_quarter_and_kind),
                   {b: int(n) for b, n in by_behaviour},
                   {d: (int(t), int(a)) for d, t, a in by_department})


def build_report(quarter: Quarter, department_id: int | None = None, *,
                 page: int = 1, per_page: int | None = None) -> PeopleReport:
    """The alignment report for `quarter` (and one department, if given), in
    a fixed number of queries whatever the number of decisions. Its counts
    are kept per data version (`tracker.cache`: every write to a decision or
    its evidence records a history event, which moves the version), so a
    view reads only the behaviours, the departments and one page of
    not-aligned decisions. Its not-aligned decisions are page `page` (from
    1) of `per_page` when given (the page), all of them otherwise (the CSV);
    `not_aligned_page` pages them either way."""
    counts = cache.per_data_version("people_report", (quarter, department_id),
                                    lambda: _count(quarter, department_id))
    trend = [Tally(q.label, key=q.key) for q in (quarter.shift(n) for n in range(-3, 1))]
    by_kind = {kind: Tally(label, key=kind) for kind, label in DECISION_KINDS.items()}
    recognitions = followed = 0
    for index, kind, total, aligned, cited in counts.by_quarter_and_kind:
        if index == 3 and kind == "recognition":
            recognitions, followed = total, cited
        trend[index].total += total
        trend[index].aligned += aligned
        if index == 3 and kind in by_kind:
            by_kind[kind].total += total
            by_kind[kind].aligned += aligned
    offset = (page - 1) * per_page if per_page else 0
    not_aligned = not_aligned_decisions(quarter, department_id, limit=per_page, offset=offset)
    behaviours = [BehaviourCount(b, counts.by_behaviour.get(b.id, 0)) for b in db.session.scalars(
        select(Behaviour).order_by(Behaviour.kind.desc(), Behaviour.name))]  # targets, then no-nos
    every_department = db.session.scalars(select(Department).order_by(Department.name)).all()
    departments = [Tally(d.name, *counts.by_department.get(d.id, (0, 0)), key=str(d.id))
                   for d in every_department]
    chosen = next((d for d in every_department if d.id == department_id), None)
    return PeopleReport(quarter=quarter, department=chosen, by_kind=list(by_kind.values()),
                        trend=trend, not_aligned=not_aligned, page=page, per_page=per_page,
                        behaviours=behaviours, departments=departments,
                        recognitions=recognitions, followed_customers=followed)


def _cites_customers() -> ColumnElement[bool]:
    """A decision with evidence citing a customer-perceived metric or a customer's words."""
    return (select(DecisionEvidence.id)
            .where(DecisionEvidence.decision_id == PeopleDecision.id,
                   (DecisionEvidence.customer_metric_id.is_not(None))
                   | (DecisionEvidence.customer_words != ""))
            .exists())


def followed_customer_opinion(quarter: Quarter, department_id: int | None = None) -> tuple[int, int]:
    """(recognitions in `quarter`, how many of them cite a customer-perceived
    metric or a customer's words): the rewards that followed customer opinion.
    One query."""
    total, followed = db.session.execute(
        select(func.count(PeopleDecision.id),
               func.coalesce(func.sum(case((_cites_customers(), 1), else_=0)), 0))
        .where(in_quarter(quarter), _in_department(department_id),
               PeopleDecision.kind == "recognition")).one()
    return total, followed


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
        return share(self.aligned, self.total)


def quarter_alignment(quarter: Quarter, department_id: int | None = None,
                      shown: int = 5) -> QuarterAlignment:
    """The quarter's alignment (one department's, if given) in two queries."""
    total, aligned = db.session.execute(
        select(func.count(PeopleDecision.id), _aligned_count())
        .where(in_quarter(quarter), _in_department(department_id))
    ).one()
    return QuarterAlignment(quarter, total, aligned,
                            not_aligned_decisions(quarter, department_id, limit=shown))
