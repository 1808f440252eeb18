"""Rules for metrics and readings. Functions add and flush; the caller commits."""

import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, extract, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker import concurrency, signals
from tracker.accounts.models import Department, User
from tracker.auth.policy import may
from tracker.behaviours.models import Behaviour
from tracker.behaviours.services import BehaviourError, behaviours_by_ids, register_link_table
from tracker.db import AnyRow
from tracker.extensions import db
from tracker.history import services as history
from tracker.ids import parse_id
from tracker.metrics.models import (
    CADENCES,
    DIRECTIONS,
    SOURCES,
    Metric,
    Reading,
    current_readings,
    metric_behaviour,
)
from tracker.metrics.readings_csv import ParseResult, RowError, check_reading_rows, parse_readings_csv
from tracker.metrics.standards import VagueStandard, check_standard
from tracker.validation import FieldError
from tracker.validators import text_problem

MAX_NOTE = 2000
MAX_NAME = 200
MAX_STANDARD = 1000
HISTORY_FIELDS = ("name", "unit", "direction", "baseline", "target", "target_date", "cadence",
                  "source", "standard", "owner_id", "department_id", "behaviour_ids",
                  "min_value", "max_value")
history.describe(
    "metric",
    labels={"name": "Name", "unit": "Unit", "direction": "Direction", "baseline": "Baseline",
            "target": "Target", "target_date": "Target date", "cadence": "Cadence",
            "source": "Source", "standard": "Standard", "owner_id": "Owner",
            "department_id": "Department", "behaviour_ids": "Behaviours",
            "min_value": "Lowest plausible reading", "max_value": "Highest plausible reading"},
    values={"direction": DIRECTIONS, "cadence": CADENCES, "source": SOURCES},
    references={"owner_id": User.display_name, "department_id": Department.name,
                "behaviour_ids": Behaviour.name},
)

register_link_table("metrics", metric_behaviour)


class MetricError(FieldError):
    """A metric or reading rule was broken; the message is fit to show the user and
    `field` names the input at fault."""


def standard_findings(metric: Metric) -> list[VagueStandard]:
    return check_standard(metric.standard)


@dataclass
class MetricInput:
    name: str
    unit: str
    direction: str
    baseline: float | None
    target: float | None
    target_date: date
    cadence: str
    source: str
    standard: str
    owner_id: int
    department_id: int | None = None
    behaviour_ids: tuple[int, ...] = ()
    min_value: float | None = None
    max_value: float | None = None


def _finite(value: Any, label: str, field_name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MetricError(f"{label} must be a number.", field_name) from None
    if not math.isfinite(number):
        raise MetricError(f"{label} must be a finite number.", field_name)
    return number


def _validate(data: MetricInput, actor: User, exclude_id: int | None = None) -> dict[str, Any]:
    """The values to store. Raises one MetricError carrying every problem
    found, each naming its field."""
    problems: list[MetricError] = []

    def refuse(message: str, field_name: str) -> None:
        problems.append(MetricError(message, field_name))

    name = (data.name or "").strip()
    if not name:
        refuse("A metric needs a name.", "name")
    elif problem := text_problem(name, "The name", single_line=True, max_length=MAX_NAME):
        refuse(problem, "name")
    else:
        # The exact match as well: SQL lower() and Python's disagree outside ASCII
        # ('İ'), and the unique constraint must never be what catches a duplicate.
        query = select(Metric.id).where(
            or_(Metric.name == name, func.lower(Metric.name) == name.lower()))
        if exclude_id is not None:
            query = query.where(Metric.id != exclude_id)
        if db.session.scalar(query) is not None:
            refuse(f"A metric called {name!r} already exists.", "name")
    if data.direction not in DIRECTIONS:
        refuse("Say whether higher or lower is better.", "direction")
    if data.cadence not in CADENCES:
        refuse("Choose how often the metric is read.", "cadence")
    if data.source not in SOURCES:
        refuse("Say where the numbers come from: customers, internal systems or self-assessment.",
               "source")
    baseline = target = None
    for label, value, field_name in (("The baseline", data.baseline, "baseline"),
                                     ("The target", data.target, "target")):
        try:
            number = _finite(value, label, field_name)
        except MetricError as e:
            problems.append(e)
        else:
            if field_name == "baseline":
                baseline = number
            else:
                target = number
    if baseline is not None and target is not None:
        if baseline == target:
            refuse("The target equals the baseline: there is nothing to move.", "target")
        elif data.direction == "higher" and target < baseline:
            refuse("Higher is better, so the target must be above the baseline.", "target")
        elif data.direction == "lower" and target > baseline:
            refuse("Lower is better, so the target must be below the baseline.", "target")
    bounds: dict[str, float | None] = {"min_value": None, "max_value": None}
    for label, value, field_name in (("The lowest plausible reading", data.min_value, "min_value"),
                                     ("The highest plausible reading", data.max_value, "max_value")):
        if value is not None:
            try:
                bounds[field_name] = _finite(value, label, field_name)
            except MetricError as e:
                problems.append(e)
    low, high = bounds["min_value"], bounds["max_value"]
    if low is not None and high is not None and low >= high:
        refuse("The highest plausible reading must be above the lowest.", "max_value")
    if not isinstance(data.target_date, date):
        refuse("A metric needs a target date.", "target_date")
    standard = (data.standard or "").strip()
    if len(standard) > MAX_STANDARD:
        refuse(f"The performance standard is one sentence: at most {MAX_STANDARD} characters.",
               "standard")
    elif problem := text_problem(standard, "The performance standard"):
        refuse(problem, "standard")
    if problem := text_problem(data.unit, "The unit", single_line=True):
        refuse(problem, "unit")
    owner = db.session.get(User, int(data.owner_id)) if data.owner_id else None
    if owner is None or not owner.active:
        refuse("Choose an active owner.", "owner_id")
    elif not may(actor, "assign_owners") and owner.id != actor.id:
        refuse("You can only create metrics that you own.", "owner_id")
    department = None
    if data.department_id:
        department = db.session.get(Department, int(data.department_id))
        if department is None:
            refuse("Unknown department.", "department_id")
    behaviours = []
    try:
        behaviours = behaviours_by_ids(data.behaviour_ids)
    except BehaviourError as e:
        refuse(e.message, "behaviour_ids")
    if problems:
        raise MetricError.collect(problems)
    return {"name": name, "unit": (data.unit or "").strip()[:40], "direction": data.direction,
            "baseline": baseline, "target": target, "target_date": data.target_date,
            "cadence": data.cadence, "source": data.source, "standard": standard,
            "owner": owner, "department": department, "behaviours": behaviours,
            "min_value": low, "max_value": high}


def _snapshot(metric: Metric) -> dict[str, Any]:
    values = history.snapshot(metric, [f for f in HISTORY_FIELDS if f != "behaviour_ids"])
    values["behaviour_ids"] = sorted(b.id for b in metric.behaviours)
    return values


def create_metric(*, actor: User, data: MetricInput, now: datetime) -> Metric:
    """Add a metric at `now`. Raises MetricError when a rule is broken; nothing is stored then."""
    values = _validate(data, actor)
    metric = Metric(created_at=now, **values)
    db.session.add(metric)
    db.session.flush()
    history.record("metric", metric.id, "created", "Created metric", actor=actor, now=now,
                   changes=_snapshot(metric))
    return metric


def update_metric(metric: Metric, *, actor: User, data: MetricInput, now: datetime,
                  version: int | None = None) -> None:
    """Save the edit form. `version` is the one the form was opened at:
    concurrency.EditConflict when someone saved since (None: no form, no check)."""
    if not may(actor, "edit_metric", metric):
        raise MetricError("You can only edit metrics you own.")
    concurrency.claim_version(metric, version)
    before = _snapshot(metric)
    values = _validate(data, actor if may(actor, "assign_owners") else metric.owner, exclude_id=metric.id)
    for key, value in values.items():
        setattr(metric, key, value)
    db.session.flush()
    changes = history.diff(before, _snapshot(metric))
    if changes:
        history.record("metric", metric.id, "updated", "Edited metric", actor=actor, now=now,
                       changes=changes)


def record_reading(metric: Metric, *, actor: User, observed_on: date | None, value: Any, note: str = "",
                   now: datetime, today: date) -> Reading:
    """Store one reading. Raises MetricError for a future date, a value that is
    not a number, a note that is too long, or a second reading on one date
    (also one stored concurrently; the caller must then roll back)."""
    if not may(actor, "record_reading", metric):
        raise MetricError("Only the metric's owner, executives and admins record readings.")
    number = _finite(value, "The value", "value")
    if problem := metric.implausible(number):
        raise MetricError(problem, "value")
    if not isinstance(observed_on, date):
        raise MetricError("A reading needs the date it was observed.", "observed_on")
    if observed_on > today:
        raise MetricError("A reading cannot be observed in the future.", "observed_on")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise MetricError(f"Notes are at most {MAX_NOTE} characters.", "note")
    if problem := text_problem(note, "The note"):
        raise MetricError(problem, "note")
    duplicate = db.session.scalar(
        select(Reading.id).where(Reading.metric_id == metric.id, Reading.observed_on == observed_on,
                                 current_readings())
    )
    already = MetricError(f"There is already a reading for {observed_on.isoformat()}: "
                          "correct it on the metric's readings page instead.", "observed_on")
    if duplicate is not None:
        raise already
    reading = Reading(metric=metric, observed_on=observed_on, value=number, note=note,
                      recorded_by_id=actor.id, recorded_at=now)
    db.session.add(reading)
    try:
        db.session.flush()
    except IntegrityError:
        raise already from None  # stored a moment ago by someone else; the caller rolls back
    history.record("metric", metric.id, "reading",
                   f"Recorded {number:g} for {observed_on.isoformat()}", actor=actor, now=now,
                   changes={"observed_on": observed_on, "value": number, "note": note})
    signals.readings_recorded.send(None, reading_ids=[reading.id], actor=actor, now=now)
    return reading


STORED_MEANWHILE = ("While this file was being imported, readings for some of the same metrics and "
                    "dates were stored by someone else (another upload at the same moment?). "
                    "Upload the file again: the rows already stored will be listed.")


def import_readings(data: bytes, *, actor: User, now: datetime, today: date) -> ParseResult:
    """Parse a CSV upload and, only if every row is good, store every reading.

    Returns the parse result; when it has errors nothing was added (the caller
    rolls back, which it must also do when a concurrent upload stored one of
    the same readings first: the result then says so). Rows for metrics the
    actor may not record are errors too. A fixed number of queries whatever
    the number of rows: the metrics named, the readings already stored for
    them, then the insert. READINGS_IMPORT_MAX_ROWS and READINGS_IMPORT_MAX_ERRORS
    bound the rows read and the errors listed.
    """
    config = current_app.config
    return _store_all_or_nothing(
        lambda **checks: parse_readings_csv(data, max_rows=config["READINGS_IMPORT_MAX_ROWS"], **checks),
        actor=actor, now=now, today=today, source="from CSV")


@dataclass(frozen=True)
class ReadingRow:
    """One reading of a bulk request, as sent: the metric's id or exact name,
    the day observed (YYYY-MM-DD), the value and an optional note."""

    metric: str
    observed_on: str
    value: str
    note: str = ""


def store_reading_rows(rows: list[ReadingRow], *, actor: User, now: datetime, today: date) -> ParseResult:
    """Store every row, or none: the rules of `import_readings`, row for row
    (row n is line n of the result's errors, counted from 1). The caller
    bounds the number of rows and rolls back when the result has errors."""
    records = [(number, [row.metric, row.observed_on, row.value, row.note])
               for number, row in enumerate(rows, start=1)]
    columns = {"metric": 0, "observed_on": 1, "value": 2, "note": 3}
    return _store_all_or_nothing(
        lambda **checks: check_reading_rows(records, columns, **checks),
        actor=actor, now=now, today=today, source="through the API")


def _store_all_or_nothing(check: Callable[..., ParseResult], *, actor: User, now: datetime, today: date,
                          source: str) -> ParseResult:
    """Run `check` with the database look-ups and the actor's permission and
    plausibility rules, and store its readings if it found no error."""
    metrics: dict[int, Metric] = {}

    def find_metrics(cells: Collection[str]) -> dict[str, int]:
        """Each cell's metric: by id if it is one, else by exact name, in one query."""
        ids = {cell: parse_id(cell) for cell in cells}
        for metric in db.session.scalars(select(Metric).where(or_(
                Metric.id.in_({ident for ident in ids.values() if ident}), Metric.name.in_(cells)))):
            metrics[metric.id] = metric
        by_name = {metric.name: metric.id for metric in metrics.values()}
        found = {cell: ident for cell, ident in ids.items() if ident is not None and ident in metrics}
        return {cell: by_name[cell] for cell in cells if cell not in found and cell in by_name} | found

    def existing(pairs: Collection[tuple[int, date]]) -> set[tuple[int, date]]:
        """The pairs already stored, in one query over the metrics and dates named."""
        dates = [observed_on for _, observed_on in pairs]
        rows = db.session.execute(
            select(Reading.metric_id, Reading.observed_on).where(
                Reading.metric_id.in_({metric_id for metric_id, _ in pairs}),
                Reading.observed_on.between(min(dates), max(dates)),
                current_readings()))
        return {(metric_id, observed_on) for metric_id, observed_on in rows} & set(pairs)

    def refuse(metric_id: int) -> str | None:
        if may(actor, "record_reading", metrics[metric_id]):
            return None
        return f"you may not record readings for {metrics[metric_id].name!r}"

    # Refused rows are errors like any other, so every bad line is listed at once.
    result = check(find_metrics=find_metrics, existing=existing, today=today, refuse=refuse,
                   implausible=lambda metric_id, value: metrics[metric_id].implausible(value),
                   max_errors=current_app.config["READINGS_IMPORT_MAX_ERRORS"])
    if not result.ok:
        return result
    try:
        # One batched INSERT, not one per row; the new ids come back with it.
        reading_ids = list(db.session.scalars(insert(Reading).returning(Reading.id), [
            {"metric_id": row.metric_id, "observed_on": row.observed_on, "value": row.value,
             "note": row.note, "recorded_by_id": actor.id, "recorded_at": now}
            for row in result.readings]))
    except IntegrityError:
        # Another upload (or a reading typed in) stored one of these metric and
        # date pairs after the check above: the unique reading refuses ours.
        # The caller rolls back, so none of this file is stored.
        return ParseResult(errors=[RowError(0, STORED_MEANWHILE)])
    # Each reading as a dict: history sorts plain lists, and a [date, value]
    # pair cannot be sorted.
    per_metric: dict[int, list[dict[str, Any]]] = {}
    for row in result.readings:
        per_metric.setdefault(row.metric_id, []).append(
            {"observed_on": row.observed_on.isoformat(), "value": row.value})
    for metric_id, rows in per_metric.items():
        history.record("metric", metric_id, "reading",
                       f"Imported {len(rows)} reading{'s' if len(rows) != 1 else ''} {source}",
                       actor=actor, now=now, changes={"readings": rows})
    signals.readings_recorded.send(None, reading_ids=reading_ids, actor=actor, now=now)
    return result


def readings_for(metric_ids: Iterable[int], limit_per_metric: int | None = None) -> dict[int, list[AnyRow]]:
    """Readings of several metrics in one query, oldest first, keyed by metric id.

    Each is a row with the reading's id, metric_id, observed_on, value and
    note, not a Reading object: pages show hundreds of them, and building
    ORM objects would cost more than the query. With `limit_per_metric`,
    only the newest that many of each metric: the limit is applied in SQL, so
    a metric read daily for years costs no more than one read weekly.
    """
    ids = list(metric_ids)
    out: dict[int, list[AnyRow]] = {i: [] for i in ids}
    if not ids:
        return out
    columns = (Reading.id, Reading.metric_id, Reading.observed_on, Reading.value, Reading.note)
    if limit_per_metric:
        # The date of each metric's Nth newest reading, found in the index; a
        # metric has one reading a day, so the readings since then are its
        # newest N. Far cheaper than numbering every reading with row_number().
        # Materialised, so the database finds each cut-off once per metric
        # rather than once per reading (PostgreSQL would otherwise).
        newer = aliased(Reading)
        cutoff = (
            select(newer.observed_on)
            .where(newer.metric_id == Metric.id, current_readings(newer))
            .order_by(newer.observed_on.desc())
            .offset(limit_per_metric - 1)
            .limit(1)
            .correlate(Metric)
            .scalar_subquery()
        )
        cutoffs = (select(Metric.id.label("metric_id"), cutoff.label("since"))
                   .where(Metric.id.in_(ids)).cte("cutoffs").prefix_with("MATERIALIZED"))
        query = select(*columns).where(current_readings()).join(cutoffs, and_(
            Reading.metric_id == cutoffs.c.metric_id,
            or_(cutoffs.c.since.is_(None), Reading.observed_on >= cutoffs.c.since)))
    else:
        query = select(*columns).where(Reading.metric_id.in_(ids), current_readings())
    query = query.order_by(Reading.metric_id, Reading.observed_on)
    for reading in db.session.execute(query):
        out[reading.metric_id].append(reading)
    return out


def reading_points(metric_ids: Iterable[int]) -> dict[int, list[tuple[date, float]]]:
    """Every reading of each metric as (observed_on, value), oldest first, in one query.

    Plain rows rather than Reading objects: a chart needs only these two
    columns, and building hundreds of ORM objects per metric would cost more
    than the query itself.
    """
    ids = list(metric_ids)
    out: dict[int, list[tuple[date, float]]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(Reading.metric_id, Reading.observed_on, Reading.value)
        .where(Reading.metric_id.in_(ids), current_readings())
        .order_by(Reading.metric_id, Reading.observed_on)
    )
    for metric_id, observed_on, value in rows:
        out[metric_id].append((observed_on, value))
    return out


def month_end_points(metric_ids: Iterable[int] | None = None) -> dict[int, tuple[tuple[date, float], ...]]:
    """The last current reading of each month of each metric (every metric
    when `metric_ids` is None) as (observed_on, value), oldest first, in one
    query: a dozen rows a year per metric instead of every reading, for rules
    that compare metrics month by month. Of two current readings on a
    month's last day, the one stored later comes last."""
    month = extract("year", Reading.observed_on) * 100 + extract("month", Reading.observed_on)
    last_days = (select(Reading.metric_id, func.max(Reading.observed_on).label("day"))
                 .where(current_readings()).group_by(Reading.metric_id, month))
    ids = None if metric_ids is None else sorted(set(metric_ids))
    if ids is not None:
        if not ids:
            return {}
        last_days = last_days.where(Reading.metric_id.in_(ids))
    last = last_days.subquery()
    found: dict[int, list[tuple[date, float]]] = {i: [] for i in ids or ()}
    for metric_id, observed_on, value in db.session.execute(
            select(Reading.metric_id, Reading.observed_on, Reading.value)
            .join(last, and_(Reading.metric_id == last.c.metric_id, Reading.observed_on == last.c.day))
            .where(current_readings())
            .order_by(Reading.metric_id, Reading.observed_on, Reading.id)):
        found.setdefault(metric_id, []).append((observed_on, value))
    return {metric_id: tuple(points) for metric_id, points in found.items()}


def readings_after(metric: Metric, *, after: int, limit: int) -> list[Reading]:
    """Up to `limit` readings of `metric` stored after the reading `after` (an
    id; 0 for the first), in the order they were stored, corrected and voided
    ones and corrections included: the API's cursor-paged history."""
    return list(db.session.scalars(select(Reading).where(Reading.metric_id == metric.id, Reading.id > after)
                                   .order_by(Reading.id).limit(limit)))


def latest_readings(metric: Metric, limit: int) -> list[Reading]:
    """The metric's newest `limit` current readings with who recorded them, newest first."""
    query = all_readings_query(metric).where(current_readings())
    return list(db.session.scalars(query.limit(limit)))


def all_readings_query(metric: Metric) -> Select[Reading]:
    """The select() of every reading of `metric`, corrected, voided and
    corrections included, with its author, newest first (a correction just
    above the reading it corrects)."""
    return (
        select(Reading)
        .where(Reading.metric_id == metric.id)
        # Joined, not a second query: each reading has at most one author.
        .options(joinedload(Reading.recorded_by))
        .order_by(Reading.observed_on.desc(), Reading.id.desc())
    )


def readings_page(metric: Metric, page: int, per_page: int) -> Pagination:
    """One page of the metric's readings, history included (corrected and
    voided ones struck through by the page), newest first (an empty page past the end)."""
    return db.paginate(all_readings_query(metric), page=page, per_page=per_page, error_out=False)


def readings_with_ids(reading_ids: Iterable[int]) -> list[Reading]:
    """The readings named (just recorded, say), with their metric and
    recorder, oldest id first; whether current or not, as asked."""
    return list(db.session.scalars(
        select(Reading).where(Reading.id.in_(list(reading_ids))).order_by(Reading.id)
        .options(selectinload(Reading.metric), selectinload(Reading.recorded_by))))


def get_reading(reading_id: int) -> Reading | None:
    """One reading with its metric and author, for the correction form."""
    return db.session.scalar(select(Reading).where(Reading.id == reading_id).options(
        joinedload(Reading.metric), joinedload(Reading.recorded_by)))


def correct_reading(reading: Reading, *, actor: User, value: Any, reason: str,
                    now: datetime) -> Reading:
    """Supersede a current reading by a new one of `value`, stored with who,
    when and `reason`; the original is kept, no longer current. Raises
    MetricError when `actor` may not, the reading is not current (corrected
    or voided already, also concurrently: the caller rolls back), the value
    is not a plausible number for the metric, or no reason is given."""
    metric = reading.metric
    reason = _reason(reading, actor, reason)
    number = _finite(value, "The value", "value")
    if problem := metric.implausible(number):
        raise MetricError(problem, "value")
    if number == reading.value:
        raise MetricError("That is the value already recorded: nothing to correct.", "value")
    correction = _supersede(reading, actor=actor, value=number, voided=False, reason=reason, now=now)
    history.record("metric", metric.id, "correction",
                   f"Corrected the reading of {reading.observed_on.isoformat()} from "
                   f"{reading.value:g} to {number:g}", actor=actor, now=now,
                   changes={"observed_on": reading.observed_on, "value": [reading.value, number],
                            "reason": reason})
    return correction


def void_reading(reading: Reading, *, actor: User, reason: str, now: datetime) -> Reading:
    """Take a current reading out of every figure, recording who, when and
    `reason`; the reading is kept, struck through. Raises MetricError as
    `correct_reading` does."""
    metric = reading.metric
    reason = _reason(reading, actor, reason)
    void = _supersede(reading, actor=actor, value=reading.value, voided=True, reason=reason, now=now)
    history.record("metric", metric.id, "void",
                   f"Voided the reading of {reading.observed_on.isoformat()} ({reading.value:g})",
                   actor=actor, now=now,
                   changes={"observed_on": reading.observed_on, "value": reading.value, "reason": reason})
    return void


NOT_CURRENT = "This reading has been corrected or voided already: correct the current one."


def _reason(reading: Reading, actor: User, reason: str) -> str:
    if not may(actor, "correct_reading", reading):
        raise MetricError("Only the metric's owner, the reading's recorder, executives and admins "
                          "correct readings.")
    if not reading.is_current:
        raise MetricError(NOT_CURRENT)
    reason = (reason or "").strip()
    if not reason:
        raise MetricError("Say why: the history keeps the reason.", "reason")
    if len(reason) > MAX_NOTE:
        raise MetricError(f"Reasons are at most {MAX_NOTE} characters.", "reason")
    if problem := text_problem(reason, "The reason"):
        raise MetricError(problem, "reason")
    return reason


def _supersede(reading: Reading, *, actor: User, value: float, voided: bool, reason: str,
               now: datetime) -> Reading:
    # The original stops being current before its successor is added, so the
    # one-current-reading-per-day index holds at every statement; the unique
    # supersedes_id refuses a second correction stored concurrently.
    reading.is_current = False
    try:
        db.session.flush()
        successor = Reading(metric_id=reading.metric_id, observed_on=reading.observed_on, value=value,
                            note=reading.note, recorded_by_id=actor.id, recorded_at=now,
                            supersedes_id=reading.id, voided=voided, is_current=not voided,
                            reason=reason)
        db.session.add(successor)
        db.session.flush()
    except IntegrityError:
        raise MetricError(NOT_CURRENT) from None
    return successor


def metrics_page(*, source: str = "", department_id: int | None = None, page: int,
                 per_page: int) -> Pagination:
    """Page `page` (from 1) of the metrics by name ignoring case, with owner
    and department, optionally only those of one source or one department:
    a fixed number of queries whatever the number of metrics, and an empty
    page past the end."""
    query = (
        select(Metric)
        .options(selectinload(Metric.owner), selectinload(Metric.department))
        .order_by(func.lower(Metric.name), Metric.id)
    )
    if source:
        query = query.where(Metric.source == source)
    if department_id:
        query = query.where(Metric.department_id == department_id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def recording_scope(actor: User) -> int | None:
    """Whose metrics `actor` may record readings for: None for every
    metric, else their own id (an owner records for the metrics they own)."""
    return None if may(actor, "record_reading") else actor.id


def recordable_metrics(owner_id: int | None) -> list[AnyRow]:
    """(id, name) of the metrics `owner_id` owns (every metric for None), by
    name ignoring case: `recording_scope` says which an actor may record for."""
    query = select(Metric.id, Metric.name).order_by(func.lower(Metric.name), Metric.id)
    if owner_id is not None:
        query = query.where(Metric.owner_id == owner_id)
    return list(db.session.execute(query))


def get_metric_for_page(metric_id: int) -> Metric | None:
    return db.session.scalar(
        select(Metric).where(Metric.id == metric_id).options(
            selectinload(Metric.owner), selectinload(Metric.department), selectinload(Metric.behaviours))
    )


def metrics_for_behaviour(behaviour_id: int) -> list[Metric]:
    """The metrics that observe a behaviour, by name, with owner and department."""
    return list(db.session.scalars(
        select(Metric)
        .join(metric_behaviour, metric_behaviour.c.metric_id == Metric.id)
        .where(metric_behaviour.c.behaviour_id == behaviour_id)
        .options(selectinload(Metric.owner), selectinload(Metric.department))
        .order_by(Metric.name)
    ))
