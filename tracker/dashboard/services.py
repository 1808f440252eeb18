"""What the landing page shows, gathered in a fixed number of queries.

The answer it gives in ten seconds: are we acting or only talking, is
behaviour changing, and who is carrying the change.
"""

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
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


def _weekly_bars(since: date, today: date, department_id: int | None) -> list[WeekBar]:
    """Actions and talk per week, by the period each check-in reported on: one
    aggregate read from the covering (state, period_start, tallies) index."""
    query = (
        select(CheckIn.period_start,
               func.sum(CheckIn.evidenced_count + CheckIn.unevidenced_count), func.sum(CheckIn.talk_count))
        .where(CheckIn.period_start >= since, CheckIn.state == "submitted")
        .group_by(CheckIn.period_start)
    )
    if department_id is not None:
        query = query.join(Initiative, Initiative.id == CheckIn.initiative_id).where(
            Initiative.department_id == department_id)
    monday = since - timedelta(days=since.weekday())
    bars: dict[date, WeekBar] = {}
    while monday <= today:
        bars[monday] = WeekBar(monday)
        monday += timedelta(days=7)
    for start, actions, talk in db.session.execute(query):
        bar = bars.get(start - timedelta(days=start.weekday()))
        if bar is not None:
            bar.actions += actions or 0
            bar.talk += talk or 0
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


def _why(status: str, due_date: date | None, record: saydo.SayDo, today: date) -> list[tuple[str, str]]:
    reasons = [(saydo.FLAG_TEXT[f], saydo.FLAG_WHY[f]) for f in record.flags]
    if due_date and due_date < today and status in ACTIVE_STATUSES:
        reasons.append(("Overdue", f"was due on {due_date:%d %b %Y} and is not done"))
    return reasons


def _ranked(members: list[tuple[int | None, str, int]],
            records: dict[int, saydo.SayDo]) -> list[saydo.GroupRecord]:
    """Those who reported or missed, in the say/do pages' order, with the counts behind it."""
    return [group for group in saydo.grouped(members, records)
            if group.key is not None and (group.record.entries or group.record.missed)]


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


def summarise(*, today: date, weeks: int, department_id: int | None) -> Summary:
    """The organisation-wide figures (or one department's) as of `today`."""
    records = saydo.reporting_records(today=today)
    query = (select(Initiative.id, Initiative.title, Initiative.status, Initiative.due_date,
                    Initiative.owner_id, Initiative.department_id)
             .where(Initiative.status.in_(saydo.REPORTING_STATUSES)))
    if department_id is not None:
        query = query.where(Initiative.department_id == department_id)
    reporting = db.session.execute(query).all()

    attention = []
    for i in reporting:
        if i.status in ACTIVE_STATUSES:
            reasons = _why(i.status, i.due_date, records[i.id], today)
            if reasons:
                attention.append((i, reasons))
    attention.sort(key=lambda a: (-len(a[1]), records[a[0].id].ratio or 0, a[0].title))

    owner_names = dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(select(Initiative.owner_id)))).all())
    department_names = dict(db.session.execute(select(Department.id, Department.name)).all())
    leaders = _ranked([(i.owner_id, owner_names.get(i.owner_id, ""), i.id) for i in reporting], records)
    departments = _ranked([(i.department_id, department_names.get(i.department_id, ""), i.id)
                           for i in reporting], records)

    metric_rows = db.session.execute(select(Metric.id, Metric.baseline, Metric.target, Metric.source,
                                            Metric.department_id, Metric.name)).all()
    metrics = {r.id: _MetricFacts(r.id, r.baseline, r.target, r.source, r.department_id) for r in metric_rows}
    # Each metric's latest SPARK_POINTS values, oldest first.
    series = {metric_id: [r.value for r in rows] for metric_id, rows
              in readings_for(list(metrics), limit_per_metric=SPARK_POINTS).items() if rows}
    gaps = _gaps(metrics, series, {r.id: r.name for r in metric_rows}, department_id)
    return Summary(
        bars=_weekly_bars(today - timedelta(weeks=weeks), today, department_id),
        attention=[(i.id, records[i.id], reasons) for i, reasons in attention[:ATTENTION_SHOWN]],
        attention_total=len(attention),
        leaders=leaders[:LEADERS_SHOWN],
        departments=departments,
        movers=_movers(metrics, series, department_id)[:MOVERS_SHOWN],
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
