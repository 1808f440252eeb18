"""Reading people decisions for the list, one decision's page and the form,
each in a fixed number of queries whatever the number of decisions."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.accounts.models import Department
from tracker.accounts.services import list_departments
from tracker.behaviours.models import Behaviour
from tracker.behaviours.services import list_behaviours
from tracker.calendar import Quarter, quarters_between
from tracker.extensions import db
from tracker.metrics.models import Metric
from tracker.options import Options, kept_options
from tracker.people.models import DECISION_KINDS, DecisionEvidence, PeopleDecision


@dataclass
class DecisionFilters:
    quarter: Quarter | None = None
    department_id: int | None = None
    kind: str = ""
    aligned: bool | None = None

    def as_args(self) -> dict[str, Any]:
        """The filters as query-string arguments, leaving out the empty ones."""
        pairs = (("quarter", self.quarter.key if self.quarter else None),
                 ("department_id", self.department_id), ("kind", self.kind or None),
                 ("aligned", None if self.aligned is None else ("yes" if self.aligned else "no")))
        return {k: v for k, v in pairs if v}


def in_quarter(quarter: Quarter) -> ColumnElement[bool]:
    """SQL true for decisions that take effect within `quarter`."""
    return and_(PeopleDecision.effective_date >= quarter.start,
                PeopleDecision.effective_date <= quarter.end)


def same_person(refs: Iterable[str]) -> ColumnElement[bool]:
    """SQL true for decisions whose employee reference matches one of `refs`,
    ignoring case (both sides lowered by the database, so they agree)."""
    refs = sorted({r for r in refs if r})
    return or_(*(func.lower(PeopleDecision.employee_ref) == func.lower(r) for r in refs))


def list_query(filters: DecisionFilters, *, with_evidence: bool = False) -> Select[Any]:
    """The decisions matching `filters`, newest first, with what a list or an
    export shows loaded in a fixed number of queries."""
    options = [joinedload(PeopleDecision.department)]
    if with_evidence:
        options += [selectinload(PeopleDecision.evidence).selectinload(DecisionEvidence.behaviour),
                    selectinload(PeopleDecision.user), selectinload(PeopleDecision.initiative)]
    query = select(PeopleDecision).options(*options)
    if filters.quarter:
        query = query.where(in_quarter(filters.quarter))
    if filters.department_id:
        query = query.where(PeopleDecision.department_id == filters.department_id)
    if filters.kind in DECISION_KINDS:
        query = query.where(PeopleDecision.kind == filters.kind)
    if filters.aligned is not None:
        query = query.where(PeopleDecision.aligned.is_(filters.aligned))
    return query.order_by(PeopleDecision.effective_date.desc(), PeopleDecision.id.desc())


def decisions_page(filters: DecisionFilters, page: int, per_page: int) -> Pagination:
    """Page `page` (from 1) of the decisions matching `filters`; a page past
    the end is empty rather than an error."""
    return db.paginate(list_query(filters), page=page, per_page=per_page, error_out=False)


def decisions_for_export(filters: DecisionFilters) -> list[PeopleDecision]:
    """Every decision matching `filters`, with its evidence, account and
    initiative, for the CSV export."""
    return list(db.session.scalars(list_query(filters, with_evidence=True)))


def decision_for_page(decision_id: int) -> PeopleDecision | None:
    return db.session.scalar(
        select(PeopleDecision).where(PeopleDecision.id == decision_id).options(
            joinedload(PeopleDecision.department), joinedload(PeopleDecision.user),
            joinedload(PeopleDecision.initiative), joinedload(PeopleDecision.created_by),
            selectinload(PeopleDecision.evidence).selectinload(DecisionEvidence.behaviour),
            selectinload(PeopleDecision.evidence).selectinload(DecisionEvidence.customer_metric),
        )
    )


def other_decisions_for_person(decision: PeopleDecision) -> list[PeopleDecision]:
    """The person's other decisions, oldest first: the record the rule reads."""
    return list(db.session.scalars(
        select(PeopleDecision)
        .where(same_person([decision.employee_ref]), PeopleDecision.id != decision.id)
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


def quarter_choices(today: date) -> list[Quarter]:
    """Every quarter with a decision in it, and the one holding `today`, newest first."""
    span = effective_date_range()
    first, last = (min(span[0], today), max(span[1], today)) if span else (today, today)
    return quarters_between(first, last)


@dataclass
class FormChoices:
    """What the decision form offers to choose from. The account and the
    initiative are typed, with suggestions (tracker.forms.PickerField): lists
    of them would grow with the organisation."""

    departments: list[Department]
    behaviours: list[Behaviour]
    customer_metrics: Options


def form_choices() -> FormChoices:
    """Departments, behaviours and the customer-perceived metrics a
    recognition may cite, for the decision form: the metrics are offered in
    every evidence row, so they are kept until the data changes (a metric
    added or edited records a history event)."""
    return FormChoices(
        departments=list_departments(),
        behaviours=list_behaviours(),
        customer_metrics=kept_options("customer_metrics", lambda: db.session.execute(
            select(Metric.id, Metric.name).where(Metric.source == "customer")
            .order_by(Metric.name)).tuples()),
    )
