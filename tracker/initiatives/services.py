"""Rules for initiatives. Functions add and flush; the caller commits."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker import concurrency
from tracker.accounts.models import Department, User
from tracker.auth.policy import may
from tracker.behaviours.models import Behaviour
from tracker.behaviours.services import BehaviourError, behaviours_by_ids, register_link_table
from tracker.calendar import CADENCES, WEEKDAYS
from tracker.extensions import db
from tracker.history import services as history
from tracker.initiatives.models import (
    EXPECTED_DIRECTIONS,
    INITIATIVE_KINDS,
    STATUSES,
    Initiative,
    InitiativeMetric,
    initiative_behaviour,
)
from tracker.metrics.models import DIRECTIONS, Metric, better_change
from tracker.options import Options, kept_options
from tracker.paging import Page
from tracker.validation import FieldError
from tracker.validators import text_problem

MAX_TEXT = 20_000
MAX_TITLE = 200
HISTORY_FIELDS = ("title", "kind", "description", "burning_platform", "owner_id", "sponsor_id",
                  "department_id", "start_date", "due_date", "checkin_cadence", "checkin_weekday")
history.describe(
    "initiative",
    labels={"title": "Title", "kind": "Kind", "description": "Description",
            "burning_platform": "Burning platform", "owner_id": "Owner", "sponsor_id": "Sponsor",
            "department_id": "Department", "start_date": "Start", "due_date": "Due",
            "checkin_cadence": "Check-in cadence", "checkin_weekday": "Check-in day",
            "behaviour_ids": "Behaviours"},
    values={"kind": INITIATIVE_KINDS, "checkin_cadence": CADENCES,
            "checkin_weekday": dict(enumerate(WEEKDAYS))},
    references={"owner_id": User.display_name, "sponsor_id": User.display_name,
                "department_id": Department.name, "behaviour_ids": Behaviour.name},
)

# Where each status may go next. Done and abandoned are final: a revived
# initiative is a new move, logged as such.
TRANSITIONS = {
    "proposed": ("announced", "in_progress", "abandoned"),
    "announced": ("in_progress", "abandoned"),
    "in_progress": ("done", "abandoned"),
    "done": (),
    "abandoned": (),
}
ACTIVE_STATUSES = ("announced", "in_progress")
# What a new initiative may start as: proposed, or any active status a
# proposed one may move to (never done or abandoned on the day it is logged).
START_STATUSES = ("proposed", *(s for s in TRANSITIONS["proposed"] if s in ACTIVE_STATUSES))

register_link_table("initiatives", initiative_behaviour)


class InitiativeError(FieldError):
    """An initiative rule was broken; the message is fit to show the user."""


@dataclass
class InitiativeInput:
    title: str
    kind: str
    burning_platform: str
    owner_id: int
    start_date: date
    description: str = ""
    sponsor_id: int | None = None
    department_id: int | None = None
    due_date: date | None = None
    behaviour_ids: tuple[int, ...] = field(default_factory=tuple)
    checkin_cadence: str | None = None
    checkin_weekday: int | None = None


@dataclass
class MetricLinkInput:
    """A metric to link as the initiative is logged (see `link_metric`)."""
    metric_id: int
    expected_amount: float | str
    expected_by: date | None
    expected_direction: str = ""


def _active_user(user_id: int | str | None, label: str, field_name: str) -> User:
    user = db.session.get(User, int(user_id)) if user_id else None
    if user is None or not user.active:
        raise InitiativeError(f"Choose an active {label}.", field_name)
    return user


def _validate(data: InitiativeInput, actor: User) -> dict[str, Any]:
    """The values to store. Raises one InitiativeError carrying every problem
    found, each naming its field."""
    problems: list[InitiativeError] = []

    def refuse(message: str, field: str | None) -> None:
        problems.append(InitiativeError(message, field))

    title = (data.title or "").strip()
    if not title:
        refuse("An initiative needs a title.", "title")
    elif problem := text_problem(title, "The title", single_line=True, max_length=MAX_TITLE):
        # A title goes into reminder subjects: a line break there would stop the mail.
        refuse(problem, "title")
    if data.kind not in INITIATIVE_KINDS:
        refuse("Choose what kind of move this is.", "kind")
    statement = (data.burning_platform or "").strip()
    if not statement:
        refuse("Say why now, and what happens if we don't: the burning platform.",
               "burning_platform")
    for label, text, field_name in (
            ("The burning-platform statement", statement, "burning_platform"),
            ("The description", data.description or "", "description")):
        if len(text) > MAX_TEXT:
            refuse(f"{label} is at most {MAX_TEXT:,} characters.", field_name)
        elif problem := text_problem(text, label):
            refuse(problem, field_name)
    owner = sponsor = department = None
    try:
        owner = _active_user(data.owner_id, "owner", "owner_id")
    except InitiativeError as e:
        problems.append(e)
    if owner is not None and not may(actor, "assign_owners") and owner.id != actor.id:
        refuse("You can only log initiatives that you own.", "owner_id")
    if data.sponsor_id:
        try:
            sponsor = _active_user(data.sponsor_id, "sponsor", "sponsor_id")
        except InitiativeError as e:
            problems.append(e)
    if data.department_id:
        department = db.session.get(Department, int(data.department_id))
        if department is None:
            refuse("Unknown department.", "department_id")
    if not isinstance(data.start_date, date):
        refuse("An initiative needs a start date.", "start_date")
    elif data.due_date is not None and data.due_date < data.start_date:
        refuse("The due date is before the start date.", "due_date")
    behaviours = []
    try:
        behaviours = behaviours_by_ids(data.behaviour_ids)
    except BehaviourError as e:
        refuse(e.message, "behaviour_ids")
    if data.checkin_cadence not in (None, *CADENCES):
        refuse("Check-ins are weekly, fortnightly or monthly.", "checkin_cadence")
    if data.checkin_weekday is not None and data.checkin_weekday not in range(7):
        refuse("Choose a weekday for check-ins.", "checkin_weekday")
    if problems:
        raise InitiativeError.collect(problems)
    return {"checkin_cadence": data.checkin_cadence, "checkin_weekday": data.checkin_weekday,
            "title": title, "kind": data.kind, "burning_platform": statement,
            "description": (data.description or "").strip(), "owner": owner, "sponsor": sponsor,
            "department": department, "start_date": data.start_date, "due_date": data.due_date,
            "behaviours": behaviours}


def _snapshot(initiative: Initiative) -> dict[str, Any]:
    values = history.snapshot(initiative, HISTORY_FIELDS)
    values["behaviour_ids"] = sorted(b.id for b in initiative.behaviours)
    return values


def create_initiative(*, actor: User, data: InitiativeInput, now: datetime, today: date,
                      status: str = "proposed", metric_link: MetricLinkInput | None = None) -> Initiative:
    """Log an initiative at `now` (the organisation's date `today`), as `status`
    (one of START_STATUSES; an active one starts its check-ins from `today`),
    linking `metric_link`'s metric if given. Raises InitiativeError; nothing is
    stored then."""
    values = _validate(data, actor)
    if status not in START_STATUSES:
        raise InitiativeError("A new initiative starts as proposed, announced or in progress.", "status")
    initiative = Initiative(status=status, created_by_id=actor.id, created_at=now, updated_at=now,
                            **values)
    if status in ACTIVE_STATUSES:
        initiative.active_since = today
    db.session.add(initiative)
    db.session.flush()
    history.record("initiative", initiative.id, "created", "Logged the initiative", actor=actor, now=now,
                   changes={**_snapshot(initiative), "status": status})
    if metric_link is not None:
        link_metric(initiative, actor=actor, metric_id=metric_link.metric_id,
                    expected_direction=metric_link.expected_direction,
                    expected_amount=metric_link.expected_amount, expected_by=metric_link.expected_by,
                    now=now)
    return initiative


def update_initiative(initiative: Initiative, *, actor: User, data: InitiativeInput, now: datetime,
                      version: int | None = None) -> None:
    """Save the edit form. `version` is the one the form was opened at:
    concurrency.EditConflict when someone saved since (None: no form, no check)."""
    if not may(actor, "edit_initiative", initiative):
        raise InitiativeError("You can only edit initiatives you own.")
    concurrency.claim_version(initiative, version)
    before = _snapshot(initiative)
    # A member editing their own initiative may not hand it to someone else.
    values = _validate(data, actor)
    for key, value in values.items():
        setattr(initiative, key, value)
    # The owner and department are set as objects: their ids move at the flush.
    db.session.flush()
    changes = history.diff(before, _snapshot(initiative))
    if changes:
        initiative.updated_at = now
        history.record("initiative", initiative.id, "updated", "Edited", actor=actor, now=now,
                       changes=changes)
    db.session.flush()


def change_status(initiative: Initiative, *, actor: User, status: str, reason: str = "",
                  now: datetime, today: date) -> None:
    """Move to `status` at `now` if the transition makes sense; abandoning needs a
    reason. Becoming active (announced or in progress) starts the check-ins from `today`."""
    if not may(actor, "edit_initiative", initiative):
        raise InitiativeError("You can only change the status of initiatives you own.")
    if status not in STATUSES:
        raise InitiativeError("Unknown status.", "status")
    if status not in TRANSITIONS[initiative.status]:
        raise InitiativeError(
            f"An initiative that is {initiative.status_label.lower()} cannot become "
            f"{STATUSES[status].lower()}.")
    reason = (reason or "").strip()
    if status == "abandoned":
        if not reason:
            raise InitiativeError("Say why the initiative is abandoned.", "reason")
        if len(reason) > MAX_TEXT:
            raise InitiativeError(f"The reason is at most {MAX_TEXT:,} characters.", "reason")
        initiative.abandon_reason = reason
    old = initiative.status
    initiative.status = status
    if status in ACTIVE_STATUSES and old not in ACTIVE_STATUSES:
        initiative.active_since = today
    initiative.updated_at = now
    db.session.flush()
    history.record("initiative", initiative.id, "status",
                   f"Status {STATUSES[old]} → {STATUSES[status]}", actor=actor, now=now,
                   changes={"status": [old, status], **({"reason": reason} if reason else {})})


def link_metric(initiative: Initiative, *, actor: User, metric_id: int, expected_direction: str,
                expected_amount: float | str, expected_by: date | None, now: datetime) -> InitiativeMetric:
    """Say which way, by how much and by when the initiative should move a
    metric. The way is the metric's better one; an empty `expected_direction`
    means just that."""
    if not may(actor, "edit_initiative", initiative):
        raise InitiativeError("You can only link metrics to initiatives you own.")
    metric = db.session.get(Metric, int(metric_id)) if metric_id else None
    if metric is None:
        raise InitiativeError("Choose an existing metric.", "metric_id")
    if any(link.metric_id == metric.id for link in initiative.metric_links):
        raise InitiativeError(f"{metric.name!r} is already linked to this initiative.")
    good = better_change(metric.direction)
    expected_direction = expected_direction or good
    if expected_direction not in EXPECTED_DIRECTIONS:
        raise InitiativeError("Say whether the metric should increase or decrease.",
                              "expected_direction")
    if expected_direction != good:
        raise InitiativeError(
            f"{metric.name!r} is better when {metric.direction}; expecting it to "
            f"{expected_direction} would move it away from its target.", "expected_direction")
    try:
        amount = float(expected_amount)
    except (TypeError, ValueError):
        raise InitiativeError("The expected change must be a number.",
                              "expected_amount") from None
    if not amount > 0 or amount == float("inf"):
        raise InitiativeError("The expected change must be a positive number.", "expected_amount")
    if not isinstance(expected_by, date):
        raise InitiativeError("Say by when the change is expected.", "expected_by")
    link = InitiativeMetric(metric=metric, expected_direction=expected_direction,
                            expected_amount=amount, expected_by=expected_by)
    initiative.metric_links.append(link)
    db.session.flush()
    history.record("initiative", initiative.id, "metric linked",
                   f"Linked metric {metric.name}", actor=actor, now=now,
                   changes={"metric_id": metric.id, "expected_direction": expected_direction,
                            "expected_amount": amount, "expected_by": expected_by})
    return link


def unlink_metric(initiative: Initiative, *, actor: User, link_id: int, now: datetime) -> None:
    if not may(actor, "edit_initiative", initiative):
        raise InitiativeError("You can only change initiatives you own.")
    link = next((lk for lk in initiative.metric_links if lk.id == link_id), None)
    if link is None:
        raise InitiativeError("That metric is not linked to this initiative.")
    name = link.metric.name
    initiative.metric_links.remove(link)
    db.session.flush()
    history.record("initiative", initiative.id, "metric unlinked", f"Unlinked metric {name}",
                   actor=actor, now=now, changes={"metric_id": link.metric_id})


def unmeasured_clause() -> ColumnElement[bool]:
    """SQL true for initiatives with no linked metric."""
    return ~exists().where(InitiativeMetric.initiative_id == Initiative.id)


# Ties are broken by id in the same direction as the sort, so that one index
# on the sort column (its entries carry the id) gives the rows in order and a
# late page reads only the index entries before it.
SORTS = {
    "updated": (Initiative.updated_at.desc(), Initiative.id.desc()),
    "title": (func.lower(Initiative.title), Initiative.id),
    "due": (Initiative.due_date, Initiative.id),
    "start": (Initiative.start_date.desc(), Initiative.id.desc()),
    "status": (Initiative.status, Initiative.id),
}


@dataclass
class InitiativeFilters:
    status: str = ""
    kind: str = ""
    department_id: int | None = None
    owner_id: int | None = None
    # Part of the owner's name, in any case: "cohen" finds Morgan Cohen.
    owner: str = ""
    unmeasured: bool = False
    sort: str = "updated"


class InitiativeRow(NamedTuple):
    """An initiative as the list shows it: plain values, no ORM object to load."""

    id: int
    title: str
    kind: str
    status: str
    start_date: date
    due_date: date | None
    owner_name: str
    department_name: str | None
    unmeasured: bool

    @property
    def kind_label(self) -> str:
        return INITIATIVE_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


def _filtered(query: Select[Any], filters: InitiativeFilters) -> Select[Any]:
    if filters.status in STATUSES:
        query = query.where(Initiative.status == filters.status)
    if filters.kind in INITIATIVE_KINDS:
        query = query.where(Initiative.kind == filters.kind)
    if filters.department_id:
        query = query.where(Initiative.department_id == filters.department_id)
    if filters.owner_id:
        query = query.where(Initiative.owner_id == filters.owner_id)
    if filters.owner:
        query = query.where(Initiative.owner_id.in_(
            select(User.id).where(User.display_name.icontains(filters.owner, autoescape=True))))
    if filters.unmeasured:
        query = query.where(unmeasured_clause())
    return query


def list_page(filters: InitiativeFilters, page: int, per_page: int) -> Page[InitiativeRow]:
    """The initiatives matching `filters`, sorted, page `page` (from 1) of
    `per_page`: two queries whatever the size of the organisation, and a
    page past the end is empty rather than an error.

    Only the columns the list shows are read: the long texts stay on disk.
    The page's ids are chosen from the initiative table alone, so owners,
    departments and metric links are looked up for those rows only."""
    order = SORTS.get(filters.sort, SORTS["updated"])
    ids = (_filtered(select(Initiative.id), filters).order_by(*order)
           .limit(per_page).offset((page - 1) * per_page).subquery())
    rows = db.session.execute(
        select(Initiative.id, Initiative.title, Initiative.kind, Initiative.status,
               Initiative.start_date, Initiative.due_date,
               User.display_name.label("owner_name"), Department.name.label("department_name"),
               unmeasured_clause().label("unmeasured"))
        .join(ids, ids.c.id == Initiative.id)
        .join(User, User.id == Initiative.owner_id)
        .outerjoin(Department, Department.id == Initiative.department_id)
        .order_by(*order)
    )
    total = db.session.scalar(_filtered(select(func.count()).select_from(Initiative), filters))
    return Page(items=[InitiativeRow(*row) for row in rows], total=total or 0, page=page, per_page=per_page)


def metrics_to_link() -> Options:
    """Every metric by name, labelled with its better direction ("Refunds
    (lower is better)"), for the selects that link one: kept until the data
    changes (a metric added or edited records a history event). The link
    form leaves out those the initiative has already."""
    return kept_options("metrics_to_link", lambda: [
        (m.id, f"{m.name} ({DIRECTIONS.get(m.direction, m.direction).lower()})")
        for m in db.session.execute(select(Metric.id, Metric.name, Metric.direction)
                                    .order_by(Metric.name))])


def initiatives_for_behaviour(behaviour_id: int, *, page: int, per_page: int) -> Page[Initiative]:
    """Page `page` (from 1) of the initiatives that name a behaviour, newest
    start first, with their owners: two queries, whatever their number."""
    naming = (select(initiative_behaviour.c.initiative_id)
              .where(initiative_behaviour.c.behaviour_id == behaviour_id))
    total = db.session.scalar(select(func.count()).select_from(naming.subquery())) or 0
    items = list(db.session.scalars(
        select(Initiative).where(Initiative.id.in_(naming))
        .options(selectinload(Initiative.owner))
        .order_by(Initiative.start_date.desc(), Initiative.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def links_to_metric(metric_id: int) -> list[InitiativeMetric]:
    """The links of every initiative that watches the metric, oldest link first,
    with their initiatives."""
    return list(db.session.scalars(
        select(InitiativeMetric)
        .where(InitiativeMetric.metric_id == metric_id)
        .options(selectinload(InitiativeMetric.initiative))
        .order_by(InitiativeMetric.id)
    ))


def get_initiative_for_page(initiative_id: int) -> Initiative | None:
    return db.session.scalar(
        select(Initiative).where(Initiative.id == initiative_id).options(
            # One each, so joined into the same query rather than three more.
            joinedload(Initiative.owner), joinedload(Initiative.sponsor),
            joinedload(Initiative.department), selectinload(Initiative.behaviours),
            selectinload(Initiative.metric_links).selectinload(InitiativeMetric.metric),
        )
    )
