"""What the landing page shows, gathered in a fixed number of queries.

The answer it gives in ten seconds: are we acting or only talking, is
behaviour changing, and who is carrying the change.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from tracker.accounts.models import Department, User
from tracker.behaviours.models import Behaviour
from tracker.checkins import saydo
from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.initiatives.services import ACTIVE_STATUSES
from tracker.metrics.models import Metric, Reading, metric_behaviour
from tracker.people.services import Quarter, build_report, can_read_people

PERIODS = {4: "Last 4 weeks", 13: "Last quarter", 26: "Last 6 months"}
ATTENTION_SHOWN = 12
MOVERS_SHOWN = 8
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
    link: tuple[str, dict]
    record: saydo.SayDo
    initiatives: int


@dataclass
class Mover:
    metric: Metric
    values: list[float]
    change: float  # progress toward target gained (negative: lost) over the window

    @property
    def toward(self) -> bool:
        return self.change > 0


@dataclass
class Gap:
    """For one target behaviour: how far along what we believe (self-assessed
    metrics) is, next to what customers perceive (customer-perceived metrics),
    each as the mean progress from baseline (0) to target (1)."""
    behaviour: Behaviour
    believed: list[Metric]
    believed_progress: float
    perceived: list[Metric]
    perceived_progress: float

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
    people: object | None = None
    mine: list[tuple[Initiative, saydo.SayDo]] = field(default_factory=list)
    open_checkins: list[CheckIn] = field(default_factory=list)

    @property
    def actions(self) -> int:
        return sum(b.actions for b in self.bars)

    @property
    def talk(self) -> int:
        return sum(b.talk for b in self.bars)


def _weekly_bars(since: date, today: date, initiative_ids: list[int] | None) -> list[WeekBar]:
    """Actions and talk per week, by the period each check-in reported on."""
    query = (
        select(CheckIn.period_start,
               func.sum(CheckIn.evidenced_count + CheckIn.unevidenced_count), func.sum(CheckIn.talk_count))
        .where(CheckIn.period_start >= since, CheckIn.state == "submitted")
        .group_by(CheckIn.period_start)
    )
    if initiative_ids is not None:
        query = query.where(CheckIn.initiative_id.in_(initiative_ids))
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


def _why(initiative: Initiative, record: saydo.SayDo, today: date) -> list[tuple[str, str]]:
    reasons = [(saydo.FLAG_TEXT[f], saydo.FLAG_WHY[f]) for f in record.flags]
    if initiative.due_date and initiative.due_date < today and initiative.status in ACTIVE_STATUSES:
        reasons.append(("Overdue", f"was due on {initiative.due_date:%d %b %Y} and is not done"))
    return reasons


def _ranked(groups: dict, names: dict, link) -> list[Ranked]:
    ranked = [Ranked(names[key], link(key), record, count) for key, (record, count) in groups.items()
              if record.entries or record.missed]
    return sorted(ranked, key=lambda r: (-(r.record.ratio or 0), -r.record.evidenced, r.name))


def _recent_readings(points: int = SPARK_POINTS) -> tuple[dict[int, Metric], dict[int, list[float]]]:
    """Every metric and its latest `points` readings, oldest first: two queries,
    each metric's cut-off date found through the (metric, date) index."""
    cutoff = (select(Reading.observed_on).where(Reading.metric_id == Metric.id)
              .order_by(Reading.observed_on.desc()).offset(points - 1).limit(1)
              .correlate(Metric).scalar_subquery())
    cutoffs = select(Metric.id.label("metric_id"), cutoff.label("since")).subquery()
    series: dict[int, list[float]] = defaultdict(list)
    for metric_id, value in db.session.execute(
        select(Reading.metric_id, Reading.value)
        .join(cutoffs, and_(Reading.metric_id == cutoffs.c.metric_id,
                            or_(cutoffs.c.since.is_(None), Reading.observed_on >= cutoffs.c.since)))
        .order_by(Reading.metric_id, Reading.observed_on)
    ):
        series[metric_id].append(value)
    metrics = {m.id: m for m in db.session.scalars(select(Metric))}
    return metrics, series


def _movers(metrics: dict[int, Metric], series: dict[int, list[float]],
            metric_ids: set[int] | None) -> list[Mover]:
    """Metrics whose recent readings moved, largest move toward or away first."""
    movers = []
    for metric_id, values in series.items():
        metric = metrics[metric_id]
        if (metric_ids is not None and metric_id not in metric_ids) or len(values) < 2:
            continue
        if metric.target == metric.baseline:
            continue
        change = metric.progress(values[-1]) - metric.progress(values[0])
        if change:
            movers.append(Mover(metric, values, change))
    return sorted(movers, key=lambda m: -abs(m.change))


def _gaps(progress: dict[int, float]) -> list[Gap]:
    """Target behaviours watched by both a self-assessed and a customer-perceived
    metric with readings, largest gap between belief and perception first."""
    rows = db.session.execute(
        select(metric_behaviour.c.behaviour_id, Metric)
        .join(Metric, Metric.id == metric_behaviour.c.metric_id)
        .where(Metric.source.in_(("self", "customer")))
        .order_by(Metric.name)
    ).all()
    by_behaviour: dict[int, dict[str, list[Metric]]] = defaultdict(lambda: defaultdict(list))
    for behaviour_id, metric in rows:
        if metric.id in progress:
            by_behaviour[behaviour_id][metric.source].append(metric)
    wanted = [b for b, sources in by_behaviour.items() if sources["self"] and sources["customer"]]
    if not wanted:
        return []
    behaviours = db.session.scalars(
        select(Behaviour).where(Behaviour.id.in_(wanted), Behaviour.kind == "target"))

    def mean(metrics: list[Metric]) -> float:
        return sum(progress[m.id] for m in metrics) / len(metrics)

    gaps = []
    for behaviour in behaviours:
        sources = by_behaviour[behaviour.id]
        gaps.append(Gap(behaviour, sources["self"], mean(sources["self"]),
                        sources["customer"], mean(sources["customer"])))
    return sorted(gaps, key=lambda g: -g.gap)


def _latest_progress(metrics: dict[int, Metric], series: dict[int, list[float]]) -> dict[int, float]:
    """Each metric's latest reading as progress from baseline (0) to target (1)."""
    return {metric_id: metrics[metric_id].progress(values[-1])
            for metric_id, values in series.items()
            if values and metrics[metric_id].target != metrics[metric_id].baseline}


def build(user: User, *, today: date, weeks: int = 13, department_id: int | None = None) -> Dashboard:
    """The dashboard for `user` as of `today`, optionally for one department."""
    weeks = weeks if weeks in PERIODS else 13
    department = db.session.get(Department, department_id) if department_id else None
    since = today - timedelta(weeks=weeks)
    query = select(Initiative).options(selectinload(Initiative.owner),
                                       selectinload(Initiative.department))
    if department is not None:
        query = query.where(Initiative.department_id == department.id)
    initiatives = db.session.scalars(query).all()
    reporting = [i for i in initiatives if i.status in (*ACTIVE_STATUSES, "done")]
    records = saydo.reporting_records(today=today)

    attention = [Attention(i, records[i.id], _why(i, records[i.id], today))
                 for i in reporting if i.status in ACTIVE_STATUSES]
    attention = [a for a in attention if a.reasons]
    attention.sort(key=lambda a: (-len(a.reasons), a.record.ratio or 0, a.initiative.title))

    by_owner: dict[int, tuple[saydo.SayDo, int]] = {}
    by_department: dict[int, tuple[saydo.SayDo, int]] = {}
    owners, departments = {}, {}
    for initiative in reporting:
        for groups, key in ((by_owner, initiative.owner_id), (by_department, initiative.department_id)):
            if key is None:
                continue
            record, count = groups.get(key, (saydo.SayDo(), 0))
            record.add(records[initiative.id])
            groups[key] = (record, count + 1)
        owners[initiative.owner_id] = initiative.owner.display_name
        if initiative.department:
            departments[initiative.department_id] = initiative.department.name

    scope = None if department is None else [i.id for i in initiatives]
    bars = _weekly_bars(since, today, scope)
    metric_scope = None
    if department is not None:
        metric_scope = set(db.session.scalars(
            select(Metric.id).where(Metric.department_id == department.id)))
    metrics, series = _recent_readings()
    movers = _movers(metrics, series, metric_scope)
    dashboard = Dashboard(
        today=today, weeks=weeks, department=department, bars=bars,
        attention=attention[:ATTENTION_SHOWN], attention_total=len(attention),
        leaders=_ranked(by_owner, owners, lambda k: ("checkins.saydo_owner", {"user_id": k})),
        departments=_ranked(by_department, departments,
                            lambda k: ("checkins.saydo_department", {"department_id": k})),
        movers=movers[:MOVERS_SHOWN], gaps=_gaps(_latest_progress(metrics, series)),
    )
    if can_read_people(user):
        dashboard.people = build_report(Quarter.containing(today), department.id if department else None)
    mine = [i for i in reporting if i.owner_id == user.id and i.status in ACTIVE_STATUSES]
    dashboard.mine = [(i, records[i.id]) for i in mine]
    dashboard.open_checkins = list(db.session.scalars(
        select(CheckIn).join(Initiative).where(Initiative.owner_id == user.id, CheckIn.state == "open")
        .options(selectinload(CheckIn.initiative)).order_by(CheckIn.due_on)))
    return dashboard
