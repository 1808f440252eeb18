"""What the landing page shows, gathered in a fixed number of queries.

The answer it gives in ten seconds: are we acting or only talking, is
behaviour changing, and who is carrying the change.
"""

import contextlib
import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from tracker import cache
from tracker.accounts.models import Department, User
from tracker.auth.policy import may
from tracker.behaviours.models import Behaviour
from tracker.calendar import Quarter
from tracker.checkins import saydo
from tracker.checkins.models import CheckIn
from tracker.db import database_unavailable
from tracker.extensions import db
from tracker.incentives import services as incentive_services
from tracker.initiatives.models import Initiative
from tracker.initiatives.services import ACTIVE_STATUSES
from tracker.metrics.models import Metric, metric_behaviour, progress_from
from tracker.metrics.services import readings_for
from tracker.people.report import quarter_alignment

PERIODS = {4: "Last 4 weeks", 13: "Last quarter", 26: "Last 6 months"}
ATTENTION_SHOWN = 12
MOVERS_SHOWN = 8
LEADERS_SHOWN = 8
GAPS_SHOWN = 6
GAP_METRICS_NAMED = 3
SPARK_POINTS = 12


@dataclass
class WeekBar:
    monday: date
    actions: int = 0
    talk: int = 0

    @property
    def label(self) -> str:
        return f"{self.monday:%d %b}"


@dataclass
class Attention:
    initiative: Initiative
    record: saydo.SayDo
    reasons: list[tuple[str, str]]  # (flag text, why)


@dataclass
class Ranked:
    name: str
    link: tuple[str, dict[str, Any]]
    record: saydo.SayDo
    initiatives: int

    @property
    def standing(self) -> str | None:
        """Acts, only talks or has gone quiet (saydo.standing)."""
        return saydo.standing(self.record)


@dataclass
class Mover:
    metric: Metric
    values: list[float]
    change: float  # progress toward target gained (negative: lost) over the window

    @property
    def toward(self) -> bool:
        return self.metric.is_better(self.values[-1], self.values[0])


@dataclass
class Gap:
    """For one target behaviour: how far along what we believe (self-assessed
    metrics) is, next to what customers perceive (customer-perceived metrics),
    each as the mean progress from baseline (0) to target (1). `believed` and
    `perceived` name the first few metrics of each side; the counts say how
    many each mean is over."""
    behaviour: Behaviour
    believed: list[Metric]
    believed_progress: float
    perceived: list[Metric]
    perceived_progress: float
    believed_count: int = 0
    perceived_count: int = 0

    @property
    def gap(self) -> float:
        return self.believed_progress - self.perceived_progress


@dataclass
class Dashboard:
    today: date
    weeks: int
    department: Department | None
    bars: list[WeekBar]
    attention: list[Attention]
    attention_total: int
    leaders: list[Ranked]
    departments: list[Ranked]
    movers: list[Mover]
    gaps: list[Gap]
    gaps_total: int = 0
    people: object | None = None
    # Incentives in effect judged to pull against the change (the map's count).
    incentives_pulling: int = 0
    mine: list[tuple[Initiative, saydo.SayDo]] = field(default_factory=list)
    open_checkins: list[CheckIn] = field(default_factory=list)

    @property
    def actions(self) -> int:
        return sum(b.actions for b in self.bars)

    @property
    def talk(self) -> int:
        return sum(b.talk for b in self.bars)


@dataclass(frozen=True)
class _Tallies:
    """Actions and talk of the submitted check-ins of the longest period, per
    department (None: no department) and period start, and every
    initiative's department: what the weekly bars are summed from."""
    by_department: dict[int | None, dict[date, tuple[int, int]]]
    department_of: dict[int, int | None]


def _department_tallies(since: date, departments: set[int | None] | None = None
                        ) -> dict[int | None, dict[date, tuple[int, int]]]:
    """One aggregate over check-ins since `since` (of some departments' initiatives only)."""
    query = (
        select(Initiative.department_id, CheckIn.period_start,
               func.sum(CheckIn.evidenced_count + CheckIn.unevidenced_count), func.sum(CheckIn.talk_count))
        .join(Initiative, Initiative.id == CheckIn.initiative_id)
        .where(CheckIn.period_start >= since, CheckIn.state == "submitted")
        .group_by(Initiative.department_id, CheckIn.period_start)
    )
    if departments is not None:
        # Their check-ins found by initiative (the unique (initiative, period)
        # index), not by scanning every check-in of the period.
        named = sorted(d for d in departments if d is not None)
        in_them: ColumnElement[bool] = Initiative.department_id.in_(named)
        if None in departments:
            in_them = or_(in_them, Initiative.department_id.is_(None))
        query = query.where(CheckIn.initiative_id.in_(select(Initiative.id).where(in_them)))
    out: dict[int | None, dict[date, tuple[int, int]]] = defaultdict(dict)
    for department_id, start, actions, talk in db.session.execute(query):
        out[department_id][start] = (actions or 0, talk or 0)
    return out


def _tallies(today: date) -> _Tallies:
    """The tallies as of `today`, kept (`tracker.cache`); after a write only
    the departments of the initiatives written to are summed again."""
    since = today - timedelta(weeks=max(PERIODS))

    def compute() -> _Tallies:
        return _Tallies(dict(_department_tallies(since)),
                        dict(db.session.execute(select(Initiative.id, Initiative.department_id)).all()))

    def update(kept: _Tallies, changes: cache.Changes) -> _Tallies:
        if not changes.initiatives:
            return kept
        now_in = dict(db.session.execute(select(Initiative.id, Initiative.department_id)
                                         .where(Initiative.id.in_(sorted(changes.initiatives)))).all())
        departments = {kept.department_of[i] for i in changes.initiatives if i in kept.department_of}
        departments |= set(now_in.values())
        by_department = {d: weeks for d, weeks in kept.by_department.items() if d not in departments}
        by_department.update(_department_tallies(since, departments))
        return _Tallies(by_department, {**kept.department_of, **now_in})

    return cache.per_data_version("dashboard_tallies", today, compute, update=update)


def _weekly_bars(tallies: _Tallies, since: date, today: date, department_id: int | None) -> list[WeekBar]:
    """Actions and talk per week since `since`, by the period each check-in reported on."""
    monday = since - timedelta(days=since.weekday())
    bars: dict[date, WeekBar] = {}
    while monday <= today:
        bars[monday] = WeekBar(monday)
        monday += timedelta(days=7)
    departments = [department_id] if department_id is not None else list(tallies.by_department)
    for department in departments:
        for start, (actions, talk) in tallies.by_department.get(department, {}).items():
            bar = bars.get(start - timedelta(days=start.weekday())) if start >= since else None
            if bar is not None:
                bar.actions += actions
                bar.talk += talk
    return list(bars.values())


@dataclass(frozen=True)
class _MetricFacts:
    id: int
    baseline: float
    target: float
    source: str
    department_id: int | None

    def progress(self, value: float) -> float | None:
        return progress_from(self.baseline, self.target, value)


@dataclass
class Summary:
    """The organisation-wide figures for one day, period and department, as
    plain values (ids, counts, records): kept by `tracker.cache` until the
    data changes, and turned into a `Dashboard` with fresh names per request."""
    bars: list[WeekBar]
    attention: list[tuple[int, saydo.SayDo, list[tuple[str, str]]]]
    attention_total: int
    leaders: list[saydo.GroupRecord]
    departments: list[saydo.GroupRecord]
    movers: list[tuple[int, list[float], float]]
    gaps: list[tuple[int, list[int], float, list[int], float]]
    gaps_total: int
    records: dict[int, saydo.SayDo]
    incentives_pulling: int = 0


@dataclass(frozen=True)
class _Metrics:
    """Every metric's facts and name, and its latest SPARK_POINTS readings' values, oldest first."""
    facts: dict[int, _MetricFacts]
    names: dict[int, str]
    series: dict[int, list[float]]


def _load_metrics(*conditions: Any) -> _Metrics:
    rows = db.session.execute(select(Metric.id, Metric.baseline, Metric.target, Metric.source,
                                     Metric.department_id, Metric.name).where(*conditions)).all()
    series = {metric_id: [r.value for r in readings] for metric_id, readings
              in readings_for([r.id for r in rows], limit_per_metric=SPARK_POINTS).items() if readings}
    return _Metrics({r.id: _MetricFacts(r.id, r.baseline, r.target, r.source, r.department_id) for r in rows},
                    {r.id: r.name for r in rows}, series)


def _metrics() -> _Metrics:
    """Kept (`tracker.cache`); after a write only the changed metrics are read again."""
    def update(kept: _Metrics, changes: cache.Changes) -> _Metrics:
        if not changes.metrics:
            return kept
        fresh = _load_metrics(Metric.id.in_(sorted(changes.metrics)))

        def merged(old: dict[int, Any], new: dict[int, Any]) -> dict[int, Any]:
            return {**{m: v for m, v in old.items() if m not in changes.metrics}, **new}

        return _Metrics(merged(kept.facts, fresh.facts), merged(kept.names, fresh.names),
                        merged(kept.series, fresh.series))

    return cache.per_data_version("dashboard_metrics", None, _load_metrics, update=update)


class ReportingRow(NamedTuple):
    id: int
    title: str
    status: str
    due_date: date | None
    owner_id: int
    department_id: int | None


def _reporting_rows() -> dict[int, ReportingRow]:
    """Every initiative with a say/do record as light rows (id, title, status,
    due date, owner, department), kept (`tracker.cache`); after a write only
    the initiatives written to are read again."""
    def rows_where(*conditions: Any) -> dict[int, ReportingRow]:
        # Plain named tuples: summarise reads every one of them after each write.
        return {r[0]: ReportingRow(*r) for r in db.session.execute(
            select(Initiative.id, Initiative.title, Initiative.status, Initiative.due_date,
                   Initiative.owner_id, Initiative.department_id)
            .where(Initiative.status.in_(saydo.REPORTING_STATUSES), *conditions))}

    def update(kept: dict[int, ReportingRow], changes: cache.Changes) -> dict[int, ReportingRow]:
        if not changes.initiatives:
            return kept
        rows = {i: row for i, row in kept.items() if i not in changes.initiatives}
        rows.update(rows_where(Initiative.id.in_(sorted(changes.initiatives))))
        return rows

    return cache.per_data_version("dashboard_rows", None, rows_where, update=update)


def _why(status: str, due_date: date | None, record: saydo.SayDo, today: date) -> list[tuple[str, str]]:
    reasons = [(saydo.FLAG_TEXT[f], saydo.FLAG_WHY[f]) for f in record.flags]
    if due_date and due_date < today and status in ACTIVE_STATUSES:
        reasons.append(("Overdue", f"was due on {due_date:%d %b %Y} and is not done"))
    return reasons


def _movers(metrics: dict[int, _MetricFacts], series: dict[int, list[float]],
            department_id: int | None) -> list[tuple[int, list[float], float]]:
    """Metrics whose recent readings moved, largest move toward or away first."""
    movers = []
    for metric_id, values in series.items():
        metric = metrics[metric_id]
        if department_id is not None and metric.department_id != department_id:
            continue
        if len(values) < 2:
            continue
        first, last = metric.progress(values[0]), metric.progress(values[-1])
        if first is not None and last is not None and last != first:
            movers.append((metric_id, values, last - first))
    return sorted(movers, key=lambda m: -abs(m[2]))


def _gaps(metrics: dict[int, _MetricFacts], series: dict[int, list[float]],
          names: dict[int, str],
          department_id: int | None) -> list[tuple[int, list[int], float, list[int], float]]:
    """Target behaviours watched by both a self-assessed and a customer-perceived
    metric with readings (of one department's metrics, when filtered, as the
    movers are), largest gap between belief and perception first. Each side is
    the mean of its metrics' latest reading as progress from baseline (0) to
    target (1)."""
    latest = {m: metrics[m].progress(values[-1]) for m, values in series.items() if values}
    progress = {m: p for m, p in latest.items() if p is not None}
    rows = db.session.execute(
        select(metric_behaviour.c.behaviour_id, metric_behaviour.c.metric_id)
        .join(Behaviour, Behaviour.id == metric_behaviour.c.behaviour_id)
        .where(Behaviour.kind == "target")
    ).all()
    by_behaviour: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for behaviour_id, metric_id in rows:
        if department_id is not None and metrics[metric_id].department_id != department_id:
            continue
        if metric_id in progress and metrics[metric_id].source in ("self", "customer"):
            by_behaviour[behaviour_id][metrics[metric_id].source].append(metric_id)

    def mean(ids: list[int]) -> float:
        return sum(progress[m] for m in ids) / len(ids)

    gaps = []
    for behaviour_id, sources in by_behaviour.items():
        if sources["self"] and sources["customer"]:
            believed = sorted(sources["self"], key=lambda m: names[m])
            perceived = sorted(sources["customer"], key=lambda m: names[m])
            gaps.append((behaviour_id, believed, mean(believed), perceived, mean(perceived)))
    return sorted(gaps, key=lambda g: -(g[2] - g[4]))


class _Sum:
    """Running sums of some initiatives' say/do records: an owner's or a
    department's, brought up to date by taking a record out and adding its
    successor."""
    __slots__ = ("evidenced", "unevidenced", "talk", "missed", "submitted", "flags", "initiatives")

    def __init__(self) -> None:
        self.evidenced = self.unevidenced = self.talk = self.missed = self.submitted = self.initiatives = 0
        self.flags: Counter[str] = Counter()

    def copy(self) -> "_Sum":
        other = _Sum()
        for name in self.__slots__:
            setattr(other, name, getattr(self, name))
        other.flags = Counter(self.flags)
        return other

    def add(self, record: saydo.SayDo, sign: int = 1) -> None:
        self.evidenced += sign * record.evidenced
        self.unevidenced += sign * record.unevidenced
        self.talk += sign * record.talk
        self.missed += sign * record.missed
        self.submitted += sign * record.submitted
        self.initiatives += sign
        for flag in record.flags:
            self.flags[flag] += sign

    def group(self, key: int | None, name: str) -> saydo.GroupRecord:
        flags = [flag for flag in saydo.FLAG_TEXT for _ in range(self.flags[flag])]
        record = saydo.SayDo(self.evidenced, self.unevidenced, self.talk, self.missed, self.submitted, flags)
        return saydo.GroupRecord(key, name, record, self.initiatives)


@dataclass(frozen=True)
class _Aggregates:
    """For one day and department (or all): why each live initiative needs
    attention, and the sums of each owner's and each department's records,
    with the records and rows they were summed from (kept intact: updates
    build new dictionaries), so that a write is taken out and added back
    rather than everything summed again."""
    records: dict[int, saydo.SayDo]
    rows: dict[int, ReportingRow]
    reasons: dict[int, list[tuple[str, str]]]
    owners: dict[int, _Sum]
    departments: dict[int | None, _Sum]


def _aggregates(today: date, department_id: int | None) -> _Aggregates:
    def included(row: ReportingRow | None) -> bool:
        return row is not None and (department_id is None or row.department_id == department_id)

    def reasons_for(row: ReportingRow, record: saydo.SayDo) -> list[tuple[str, str]]:
        return _why(row.status, row.due_date, record, today) if row.status in ACTIVE_STATUSES else []

    def compute() -> _Aggregates:
        records, rows = saydo.reporting_records(today=today), _reporting_rows()
        reasons: dict[int, list[tuple[str, str]]] = {}
        owners: dict[int, _Sum] = defaultdict(_Sum)
        departments: dict[int | None, _Sum] = defaultdict(_Sum)
        for row in rows.values():
            if included(row):
                record = records[row.id]
                if why := reasons_for(row, record):
                    reasons[row.id] = why
                owners[row.owner_id].add(record)
                departments[row.department_id].add(record)
        return _Aggregates(records, rows, reasons, dict(owners), dict(departments))

    def update(kept: _Aggregates, changes: cache.Changes) -> _Aggregates:
        touched = changes.initiatives | changes.through_metrics
        records, rows = saydo.reporting_records(today=today), _reporting_rows()
        reasons, owners, departments = dict(kept.reasons), dict(kept.owners), dict(kept.departments)

        def sum_of(sums: dict[Any, _Sum], key: Any, fresh: set[Any]) -> _Sum:
            if key not in fresh:
                sums[key] = sums[key].copy() if key in sums else _Sum()
                fresh.add(key)
            total: _Sum = sums[key]
            return total

        fresh_owners: set[int] = set()
        fresh_departments: set[int | None] = set()
        for i in touched:
            old, new = kept.rows.get(i), rows.get(i)
            if old is not None and included(old):
                sum_of(owners, old.owner_id, fresh_owners).add(kept.records[i], -1)
                sum_of(departments, old.department_id, fresh_departments).add(kept.records[i], -1)
            reasons.pop(i, None)
            if new is not None and included(new):
                record = records[i]
                if why := reasons_for(new, record):
                    reasons[i] = why
                sum_of(owners, new.owner_id, fresh_owners).add(record)
                sum_of(departments, new.department_id, fresh_departments).add(record)
        return _Aggregates(records, rows, reasons,
                           {k: v for k, v in owners.items() if v.initiatives},
                           {k: v for k, v in departments.items() if v.initiatives})

    return cache.per_data_version("dashboard_aggregates", (today, department_id), compute, update=update)


def _ranked(sums: dict[Any, _Sum], names: dict[Any, str],
            shown: int | None = None) -> list[saydo.GroupRecord]:
    """Those who reported or missed, in the say/do pages' order, with the counts
    behind it. Ranked on their sums alone; only those shown get their flags
    (every owner is ranked, and a few are shown)."""
    def rank(item: tuple[Any, _Sum]) -> tuple[bool, float, int, int, str, int]:
        key, total = item
        return saydo.rank_order(saydo.ratio_of(total.evidenced, total.unevidenced, total.talk),
                                total.evidenced, total.missed, names.get(key, ""), key)

    reported = [(key, total) for key, total in sums.items()
                if key is not None and (total.evidenced + total.unevidenced + total.talk or total.missed)]
    chosen = sorted(reported, key=rank) if shown is None else heapq.nsmallest(shown, reported, key=rank)
    return [total.group(key, names.get(key, "")) for key, total in chosen]


def summarise(*, today: date, weeks: int, department_id: int | None) -> Summary:
    """The organisation-wide figures (or one department's) as of `today`,
    from kept sums that a write updates (`_aggregates`) rather than
    recomputes: a few small queries and a pass over the flagged initiatives."""
    aggregates = _aggregates(today, department_id)
    records, rows = aggregates.records, aggregates.rows
    attention = heapq.nsmallest(
        ATTENTION_SHOWN, aggregates.reasons.items(),
        key=lambda a: (-len(a[1]), records[a[0]].ratio or 0, rows[a[0]].title, a[0]))
    owner_names = dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(select(Initiative.owner_id)))).all())
    department_names = dict(db.session.execute(select(Department.id, Department.name)).all())

    metrics = _metrics()
    gaps = _gaps(metrics.facts, metrics.series, metrics.names, department_id)
    return Summary(
        bars=_weekly_bars(_tallies(today), today - timedelta(weeks=weeks), today, department_id),
        attention=[(i, records[i], reasons) for i, reasons in attention],
        attention_total=len(aggregates.reasons),
        leaders=_ranked(aggregates.owners, owner_names, LEADERS_SHOWN),
        departments=_ranked(aggregates.departments, department_names),
        movers=_movers(metrics.facts, metrics.series, department_id)[:MOVERS_SHOWN],
        gaps=gaps[:GAPS_SHOWN], gaps_total=len(gaps),
        records=records, incentives_pulling=incentive_services.pulling_count(),
    )


def build(user: User, *, today: date, weeks: int = 13, department_id: int | None = None) -> Dashboard:
    """The dashboard for `user` as of `today`, optionally for one department:
    the cached organisation-wide summary, with the names, titles and the
    user's own initiatives read fresh."""
    weeks = weeks if weeks in PERIODS else 13
    department = db.session.get(Department, department_id) if department_id else None
    department_id = department.id if department else None
    summary = cache.per_data_version("dashboard", (today, weeks, department_id),
                                     lambda: summarise(today=today, weeks=weeks, department_id=department_id))

    initiative_ids = [initiative_id for initiative_id, _, _ in summary.attention]
    initiatives = {i.id: i for i in db.session.scalars(
        select(Initiative).where(Initiative.id.in_(initiative_ids)).options(joinedload(Initiative.owner)))}
    owner_names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_([group.key for group in summary.leaders]))).all())
    department_names = dict(db.session.execute(select(Department.id, Department.name)).all())
    metric_ids = {m for m, _, _ in summary.movers}
    for _, believed, _, perceived, _ in summary.gaps:
        metric_ids.update(believed[:GAP_METRICS_NAMED] + perceived[:GAP_METRICS_NAMED])
    metrics = {m.id: m for m in db.session.scalars(select(Metric).where(Metric.id.in_(metric_ids)))}
    behaviours = {b.id: b for b in db.session.scalars(
        select(Behaviour).where(Behaviour.id.in_([g[0] for g in summary.gaps])))}

    dashboard = Dashboard(
        today=today, weeks=weeks, department=department, bars=summary.bars,
        attention=[Attention(initiatives[i], record, reasons) for i, record, reasons in summary.attention
                   if i in initiatives],
        attention_total=summary.attention_total,
        leaders=[Ranked(owner_names.get(g.key, "") if g.key is not None else "",
                        ("checkins.saydo_owner", {"user_id": g.key}), g.record, g.initiatives)
                 for g in summary.leaders],
        departments=[Ranked(department_names.get(g.key, "") if g.key is not None else "",
                            ("checkins.saydo_department", {"department_id": g.key}), g.record, g.initiatives)
                     for g in summary.departments],
        movers=[Mover(metrics[m], values, change) for m, values, change in summary.movers if m in metrics],
        gaps=[Gap(behaviours[b], [metrics[m] for m in believed[:GAP_METRICS_NAMED] if m in metrics],
                  believed_progress, [metrics[m] for m in perceived[:GAP_METRICS_NAMED] if m in metrics],
                  perceived_progress, len(believed), len(perceived))
              for b, believed, believed_progress, perceived, perceived_progress in summary.gaps
              if b in behaviours],
        gaps_total=summary.gaps_total, incentives_pulling=summary.incentives_pulling,
    )
    if may(user, "read_people"):
        dashboard.people = quarter_alignment(Quarter.containing(today), department_id)
    owned = db.session.scalars(select(Initiative).where(Initiative.owner_id == user.id)
                               .order_by(Initiative.title)).all()
    dashboard.mine = [(i, summary.records.get(i.id, saydo.SayDo())) for i in owned
                      if i.status in ACTIVE_STATUSES]
    # Found through the user's initiatives (few), not the open state (many);
    # their initiatives are already in the session, so no query per row.
    owned_ids = [i.id for i in owned]
    dashboard.open_checkins = list(db.session.scalars(
        select(CheckIn).where(CheckIn.initiative_id.in_(owned_ids), CheckIn.state == "open")
        .order_by(CheckIn.due_on)))
    return dashboard


def database_answers() -> bool:
    """One indexed query: True when the database answers it, False when it is
    unavailable (down, refusing connections). Other errors propagate."""
    try:
        db.session.execute(select(User.id).order_by(User.id).limit(1))
    except SQLAlchemyError as e:
        if not database_unavailable(e):
            raise
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        return False
    return True
