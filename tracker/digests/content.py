"""What goes into each person's weekly digest.

`gather_week` asks the database everything a week's digests need in a fixed
number of queries; `digest_for` then builds one person's digest from those
facts without asking again, so a run costs the same number of queries for
ten people or a thousand.

`digest_of` builds one person's digest alone (the preview): their own
initiatives and metrics, and the organisation section from aggregates and
the few rows it names, never every initiative; its week totals, ranking of
flagged initiatives and owners, metrics moved and conflicts between
departments are kept per data version (`tracker.cache`). Both build the
same digest.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased, selectinload

from tracker import cache
from tracker.accounts.models import User
from tracker.auth.policy import may
from tracker.calendar import week_bounds
from tracker.checkins import saydo
from tracker.checkins.models import CheckIn, Entry
from tracker.extensions import db
from tracker.incentives import services as incentives
from tracker.initiatives.models import Initiative, InitiativeMetric
from tracker.metrics.models import Metric, Reading, current_readings
from tracker.people.services import people_summary

LEADERS_SHOWN = 3
ITEMS_SHOWN = 10  # each list names this many; the rest are counted ("and 214 more")

T = TypeVar("T")


@dataclass
class Capped(Generic[T]):
    """The first items of a list and how many it had: what a digest names,
    and the count behind "and N more", so its size does not grow with the
    organisation. Both parts of the mail render from the same one."""
    shown: list[T]
    total: int

    @classmethod
    def of(cls, items: Sequence[T], limit: int = ITEMS_SHOWN) -> "Capped[T]":
        return cls(list(items[:limit]), len(items))

    @property
    def more(self) -> int:
        return self.total - len(self.shown)

    def __iter__(self) -> Iterator[T]:
        return iter(self.shown)

    def __bool__(self) -> bool:
        return self.total > 0


@dataclass
class Move:
    metric: Metric
    previous: float
    latest: float
    observed_on: date

    @property
    def toward(self) -> bool:
        return self.metric.is_better(self.latest, self.previous)

    @property
    def progress(self) -> float | None:
        return self.metric.progress(self.latest)


@dataclass
class WeekFacts:
    """Everything the week's digests say, gathered once."""
    week: str
    start: date
    end: date
    initiatives: dict[int, Initiative]
    records: dict[int, saydo.SayDo]
    counts_by_initiative: dict[int, saydo.SayDo]  # this week's entries only
    missed: list[CheckIn]
    open_checkins: list[CheckIn]
    moves: list[Move]
    owners: dict[int, User]
    people: dict[str, Any]
    # The same facts grouped by owner once, so each person's digest is a lookup.
    initiatives_by_owner: dict[int, list[Initiative]] = field(default_factory=dict)
    checkins_by_owner: dict[int, list[CheckIn]] = field(default_factory=dict)
    moves_by_owner: dict[int, list[Move]] = field(default_factory=dict)
    org: dict[str, Any] | None = None  # the organisation section, the same for every reader
    incentives: dict[str, Any] | None = None  # conflicts between departments, for the same readers


@dataclass
class Digest:
    user: User
    week: str
    start: date
    end: date
    org: dict[str, Any] | None = None
    own: dict[str, Any] | None = None
    people: dict[str, Any] | None = None
    incentives: dict[str, Any] | None = None
    empty_lines: list[str] = field(default_factory=list)
    future: bool = False  # a week not yet begun: nothing can have happened in it

    @property
    def is_empty(self) -> bool:
        return not (self.org or self.own or self.people or self.incentives)


def gather_week(week: str, timezone: str) -> WeekFacts:
    """Load what happened in `week` (the organisation's local week)."""
    start, end = week_bounds(week)
    zone = ZoneInfo(timezone)
    since = datetime.combine(start, time.min, tzinfo=zone).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)

    initiatives = {i.id: i for i in db.session.scalars(
        select(Initiative).options(selectinload(Initiative.owner), selectinload(Initiative.metric_links))
    )}
    reporting = [i for i in initiatives.values() if i.status in saydo.REPORTING_STATUSES]
    records = saydo.records_for(reporting, today=end)

    kind = func.coalesce(Entry.reviewed_kind, Entry.kind)
    superseding = aliased(Entry)
    current = ~select(superseding.id).where(superseding.amends_id == Entry.id).exists()
    counts: dict[int, saydo.SayDo] = defaultdict(saydo.SayDo)
    for initiative_id, entry_kind, with_evidence, without in db.session.execute(
        select(CheckIn.initiative_id, kind,
               func.count(case((Entry.evidence != "", 1))), func.count(case((Entry.evidence == "", 1))))
        .join(Entry, Entry.checkin_id == CheckIn.id)
        .where(Entry.created_at >= since, Entry.created_at < until, current)
        .group_by(CheckIn.initiative_id, kind)
    ):
        c = counts[initiative_id]
        if entry_kind == "talk":
            c.talk += with_evidence + without
        else:
            c.evidenced += with_evidence
            c.unevidenced += without

    checkins = db.session.scalars(
        select(CheckIn).where(
            (CheckIn.state == "open") | and_(CheckIn.state == "missed", CheckIn.due_on >= start,
                                             CheckIn.due_on <= end))
        .order_by(CheckIn.due_on, CheckIn.id)
        .options(selectinload(CheckIn.initiative))
    ).all()

    ranked = (
        select(Reading.metric_id, Reading.observed_on, Reading.value,
               func.row_number().over(partition_by=Reading.metric_id,
                                      order_by=Reading.observed_on.desc()).label("rank"))
        .where(Reading.observed_on <= end, current_readings())
        .subquery()
    )
    latest_two: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for metric_id, observed_on, value, _ in db.session.execute(
        select(ranked).where(ranked.c.rank <= 2).order_by(ranked.c.metric_id, ranked.c.rank)
    ):
        latest_two[metric_id].append((observed_on, value))
    metrics = {m.id: m for m in db.session.scalars(
        select(Metric).where(Metric.id.in_(list(latest_two))))} if latest_two else {}
    moves = []
    for metric_id, rows in latest_two.items():
        if len(rows) == 2 and rows[0][0] >= start and rows[0][1] != rows[1][1]:
            moves.append(Move(metrics[metric_id], previous=rows[1][1], latest=rows[0][1],
                              observed_on=rows[0][0]))
    owner_of = {i.id: i.owner_id for i in initiatives.values()}
    initiatives_by_owner: dict[int, list[Initiative]] = defaultdict(list)
    for initiative in sorted(initiatives.values(), key=lambda i: i.title):
        initiatives_by_owner[initiative.owner_id].append(initiative)
    checkins_by_owner: dict[int, list[CheckIn]] = defaultdict(list)
    for checkin in checkins:
        checkins_by_owner[owner_of[checkin.initiative_id]].append(checkin)
    # A move concerns the metric's owner and the owners of initiatives expected to move it.
    concerned: dict[int, set[int]] = defaultdict(set)
    for initiative in initiatives.values():
        for link in initiative.metric_links:
            concerned[link.metric_id].add(initiative.owner_id)
    moves_by_owner: dict[int, list[Move]] = defaultdict(list)
    for move in moves:
        for owner_id in concerned[move.metric.id] | {move.metric.owner_id}:
            moves_by_owner[owner_id].append(move)
    facts = WeekFacts(
        week=week, start=start, end=end, initiatives=initiatives, records=records,
        counts_by_initiative=counts, missed=[c for c in checkins if c.state == "missed"],
        open_checkins=[c for c in checkins if c.state == "open"], moves=moves,
        owners={i.owner_id: i.owner for i in initiatives.values()},
        people=people_summary(start, end, timezone=timezone, named=ITEMS_SHOWN),
        initiatives_by_owner=initiatives_by_owner, checkins_by_owner=checkins_by_owner,
        moves_by_owner=moves_by_owner,
    )
    facts.org = _org_section(facts)
    facts.incentives = _incentive_section(start, end)
    return facts


def _incentive_section(start: date, end: date) -> dict[str, Any] | None:
    """The conflicts between departments still open, and those resolved from
    a day of the week (`incentives.conflicts`), kept per data version as
    `incentives.all_conflicts` is (plain values: callers must not change
    it). Names departments and what their incentives reward, never a weight
    or a named group."""
    return cache.per_data_version("digest_incentives", (start, end),
                                  lambda: _incentive_section_of(start, end))


def _incentive_section_of(start: date, end: date) -> dict[str, Any] | None:
    conflicts = incentives.all_conflicts()
    opened = [c for c in conflicts if c.is_open]
    resolved = [c for c in conflicts if c.resolved_on is not None and start <= c.resolved_on <= end]
    if not (opened or resolved):
        return None
    return {"open": Capped.of(opened), "resolved": Capped.of(resolved)}


@dataclass(frozen=True)
class _OrgRanking:
    """The organisation section's rankings as plain values (kept per data version by `digest_of`)."""
    flagged: list[tuple[int, saydo.SayDo]]  # the first ITEMS_SHOWN, by initiative id
    flagged_total: int
    best: list[tuple[int, saydo.SayDo]]      # by owner id
    worst: list[tuple[int, saydo.SayDo]]


def _ranking(rows: Iterable[tuple[int, str, str, int, str]], records: dict[int, saydo.SayDo]) -> _OrgRanking:
    """The flagged active initiatives, most flags first, and the owners acting
    and talking most, from (id, title, status, owner id, owner's name) of every
    initiative with a record."""
    rows = list(rows)
    flagged = sorted(((i, title, records[i]) for i, title, status, _, _ in rows
                      if records[i].flags and status in ("announced", "in_progress")),
                     key=lambda f: (-len(f[2].flags), f[1], f[0]))
    per_owner: dict[int, saydo.SayDo] = defaultdict(saydo.SayDo)
    names: dict[int, str] = {}
    for i, _, _, owner_id, owner_name in rows:
        per_owner[owner_id].add(records[i])
        names[owner_id] = owner_name
    ranked = sorted(((o, r) for o, r in per_owner.items() if r.entries),
                    key=lambda pair: (-(pair[1].ratio or 0), names[pair[0]], pair[0]))
    best = ranked[:LEADERS_SHOWN]
    worst = [pair for pair in reversed(ranked[-LEADERS_SHOWN:]) if pair not in best]
    return _OrgRanking(flagged=[(i, r) for i, _, r in flagged[:ITEMS_SHOWN]], flagged_total=len(flagged),
                       best=best, worst=worst)


def _org_section(facts: WeekFacts) -> dict[str, Any] | None:
    week = saydo.totals(facts.counts_by_initiative.values())
    if not (week.actions or week.talk or facts.missed or facts.moves):
        return None
    ranking = _ranking(((i, facts.initiatives[i].title, facts.initiatives[i].status,
                         facts.initiatives[i].owner_id, facts.initiatives[i].owner.display_name)
                        for i in facts.records), facts.records)
    return {
        "counts": week,
        "flagged": Capped([(facts.initiatives[i], r) for i, r in ranking.flagged], ranking.flagged_total),
        "missed": Capped.of(facts.missed),
        "toward": Capped.of([m for m in facts.moves if m.toward]),
        "away": Capped.of([m for m in facts.moves if not m.toward]),
        "best": [(facts.owners[o], r) for o, r in ranking.best],
        "worst": [(facts.owners[o], r) for o, r in ranking.worst],
    }


def _own_section(user: User, facts: WeekFacts) -> dict[str, Any] | None:
    mine = facts.initiatives_by_owner.get(user.id, [])
    counts = saydo.totals(facts.counts_by_initiative[i.id] for i in mine
                          if i.id in facts.counts_by_initiative)
    checkins = facts.checkins_by_owner.get(user.id, [])
    moves = facts.moves_by_owner.get(user.id, [])
    section = {
        "counts": counts,
        "open": Capped.of([c for c in checkins if c.state == "open"]),
        "missed": Capped.of([c for c in checkins if c.state == "missed"]),
        "initiatives": Capped.of([(i, facts.records[i.id]) for i in mine
                                  if i.id in facts.records and i.status in ("announced", "in_progress")]),
        "moves": Capped.of(moves),
    }
    if not (counts.actions or counts.talk or section["open"] or section["missed"] or moves):
        return None
    return section


def digest_for(user: User, facts: WeekFacts) -> Digest:
    """One person's digest: the organisation (and its conflicts between
    departments' incentives) for executives and admins, their
    own initiatives and metrics for everyone who owns some, and the week's
    people decisions for HR, executives and admins (never for members)."""
    digest = Digest(user=user, week=facts.week, start=facts.start, end=facts.end)
    if may(user, "read_organisation_digest"):
        digest.org = facts.org
        digest.incentives = facts.incentives
    digest.own = _own_section(user, facts)
    digest.people = _people_section(user, facts.people)
    return digest


def _people_section(user: User, people: dict[str, Any]) -> dict[str, Any] | None:
    if may(user, "read_people") and people["count"]:
        return {**people, "not_aligned": Capped(people["not_aligned"], people["not_aligned_count"])}
    return None


# --- one person's digest alone (the preview) ----------------------------------

def _moments(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    return (datetime.combine(start, time.min, tzinfo=zone).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC))


def _entry_counts(since: datetime, until: datetime, initiatives: Any = None) -> saydo.SayDo:
    """The week's current entries summed (of `initiatives`, a select of ids, when given): one query."""
    kind = func.coalesce(Entry.reviewed_kind, Entry.kind)
    superseding = aliased(Entry)
    current = ~select(superseding.id).where(superseding.amends_id == Entry.id).exists()
    query = (select(kind, func.count(case((Entry.evidence != "", 1))),
                    func.count(case((Entry.evidence == "", 1))))
             .join(CheckIn, Entry.checkin_id == CheckIn.id)
             .where(Entry.created_at >= since, Entry.created_at < until, current)
             .group_by(kind))
    if initiatives is not None:
        query = query.where(CheckIn.initiative_id.in_(initiatives))
    total = saydo.SayDo()
    for entry_kind, with_evidence, without in db.session.execute(query):
        if entry_kind == "talk":
            total.talk += with_evidence + without
        else:
            total.evidenced += with_evidence
            total.unevidenced += without
    return total


def _moves_of(start: date, end: date, metrics: Any = None) -> list[Move]:
    """The metrics (of `metrics`, a select of ids, when given) whose latest
    current reading up to `end` falls in the week and differs from the one
    before: one query, two index look-ups per metric, by metric id."""
    def reading(column: Any, skip: int) -> Any:
        return (select(column).where(Reading.metric_id == Metric.id, Reading.observed_on <= end,
                                     current_readings())
                .order_by(Reading.observed_on.desc()).offset(skip).limit(1).scalar_subquery())

    latest_on = reading(Reading.observed_on, 0)
    query = (select(Metric, latest_on, reading(Reading.value, 0), reading(Reading.value, 1))
             .where(latest_on >= start).order_by(Metric.id))
    if metrics is not None:
        query = query.where(Metric.id.in_(metrics))
    return [Move(metric, previous=previous, latest=latest, observed_on=observed_on)
            for metric, observed_on, latest, previous in db.session.execute(query)
            if previous is not None and previous != latest]


@dataclass(frozen=True)
class _Moved:
    """A metric's move as plain values (`Move` without the metric object)."""
    metric_id: int
    previous: float
    latest: float
    observed_on: date
    toward: bool


@dataclass(frozen=True)
class _OrgMoves:
    """Every metric that moved in the week, by metric id, toward its target or
    away (kept per data version by `digest_of`)."""
    toward: tuple[_Moved, ...]
    away: tuple[_Moved, ...]


def _org_moves(start: date, end: date, metrics: Any = None, kept: _OrgMoves | None = None) -> _OrgMoves:
    """`_moves_of` the whole organisation as plain values; with `kept` and
    `metrics` (ids), `kept` with only those metrics' moves worked out again."""
    moved = {m.metric_id: m for m in (kept.toward + kept.away)} if kept is not None else {}
    for metric_id in metrics or ():
        moved.pop(metric_id, None)
    if metrics is None or metrics:
        moved.update((m.metric.id, _Moved(m.metric.id, m.previous, m.latest, m.observed_on, m.toward))
                     for m in _moves_of(start, end, sorted(metrics) if metrics is not None else None))
    ordered = [moved[i] for i in sorted(moved)]
    return _OrgMoves(tuple(m for m in ordered if m.toward), tuple(m for m in ordered if not m.toward))


def _org_moves_capped(week: str, start: date, end: date) -> tuple[Capped[Move], Capped[Move]]:
    """The week's moves toward and away from target, each cut to the first
    ITEMS_SHOWN by metric id (as `Capped.of(moves)` would): the whole
    organisation's are kept per data version and brought up to date for the
    metrics written to; only the named metrics are loaded (one query)."""
    moves = cache.per_data_version(
        "digest_org_moves", week, lambda: _org_moves(start, end),
        update=lambda kept, changes: _org_moves(start, end, changes.metrics, kept))
    shown = moves.toward[:ITEMS_SHOWN] + moves.away[:ITEMS_SHOWN]
    metrics = {m.id: m for m in db.session.scalars(
        select(Metric).where(Metric.id.in_([m.metric_id for m in shown])))} if shown else {}

    def capped(moved: tuple[_Moved, ...]) -> Capped[Move]:
        return Capped([Move(metrics[m.metric_id], previous=m.previous, latest=m.latest,
                            observed_on=m.observed_on)
                       for m in moved[:ITEMS_SHOWN]], len(moved))

    return capped(moves.toward), capped(moves.away)


def _org_ranking(end: date) -> _OrgRanking:
    """`_ranking` from the say/do records the dashboard and the say/do overview
    share (`saydo.reporting_records`) and one light row per reporting
    initiative (no objects loaded)."""
    reporting = Initiative.status.in_(saydo.REPORTING_STATUSES)
    records = saydo.reporting_records(today=end)
    rows = db.session.execute(
        select(Initiative.id, Initiative.title, Initiative.status, Initiative.owner_id, User.display_name)
        .join(User, User.id == Initiative.owner_id).where(reporting)).all()
    return _ranking(rows, records)


def _org_section_of(week: str, start: date, end: date, since: datetime,
                    until: datetime) -> dict[str, Any] | None:
    """`_org_section` for one reader, in a fixed number of queries; the
    organisation's week totals, moves and rankings are kept per data version."""
    counts = cache.per_data_version("digest_week_counts", (since, until), lambda: _entry_counts(since, until))
    missed_this_week = (CheckIn.state == "missed", CheckIn.due_on >= start, CheckIn.due_on <= end)
    missed_total = db.session.scalar(select(func.count()).select_from(CheckIn).where(*missed_this_week)) or 0
    missed = list(db.session.scalars(
        select(CheckIn).where(*missed_this_week).order_by(CheckIn.due_on, CheckIn.id).limit(ITEMS_SHOWN)
        .options(selectinload(CheckIn.initiative))))
    toward, away = _org_moves_capped(week, start, end)
    if not (counts.actions or counts.talk or missed_total or toward or away):
        return None
    ranking = cache.per_data_version("digest_org_ranking", week, lambda: _org_ranking(end))
    initiatives = {i.id: i for i in db.session.scalars(
        select(Initiative).where(Initiative.id.in_([i for i, _ in ranking.flagged]))
        .options(selectinload(Initiative.owner)))} if ranking.flagged else {}
    leader_ids = [o for o, _ in ranking.best + ranking.worst]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(leader_ids)))} \
        if leader_ids else {}
    return {
        "counts": counts,
        "flagged": Capped([(initiatives[i], r) for i, r in ranking.flagged], ranking.flagged_total),
        "missed": Capped(missed, missed_total),
        "toward": toward, "away": away,
        "best": [(users[o], r) for o, r in ranking.best], "worst": [(users[o], r) for o, r in ranking.worst],
    }


def _own_section_of(user: User, start: date, end: date, since: datetime,
                    until: datetime) -> dict[str, Any] | None:
    """`_own_section` for `user` alone: only their initiatives and metrics are read."""
    theirs = select(Initiative.id).where(Initiative.owner_id == user.id)
    counts = _entry_counts(since, until, theirs)
    missed_this_week = and_(CheckIn.state == "missed", CheckIn.due_on >= start, CheckIn.due_on <= end)
    checkins = list(db.session.scalars(
        select(CheckIn).where(CheckIn.initiative_id.in_(theirs), (CheckIn.state == "open") | missed_this_week)
        .order_by(CheckIn.due_on, CheckIn.id).options(selectinload(CheckIn.initiative))))
    # A move concerns the metric's owner and the owners of initiatives expected to move it.
    linked = (select(InitiativeMetric.metric_id)
              .join(Initiative, Initiative.id == InitiativeMetric.initiative_id)
              .where(Initiative.owner_id == user.id))
    moves = _moves_of(start, end,
                      select(Metric.id).where((Metric.owner_id == user.id) | Metric.id.in_(linked)))
    active = (Initiative.owner_id == user.id) & Initiative.status.in_(("announced", "in_progress"))
    records = saydo.records_where(active, today=end)
    mine = list(db.session.scalars(
        select(Initiative).where(active).order_by(Initiative.title, Initiative.id)))
    section = {
        "counts": counts,
        "open": Capped.of([c for c in checkins if c.state == "open"]),
        "missed": Capped.of([c for c in checkins if c.state == "missed"]),
        "initiatives": Capped.of([(i, records[i.id]) for i in mine]),
        "moves": Capped.of(moves),
    }
    if not (counts.actions or counts.talk or section["open"] or section["missed"] or moves):
        return None
    return section


def digest_of(user: User, week: str, timezone: str) -> Digest:
    """`digest_for(user, gather_week(week, timezone))`, gathering only what
    `user`'s digest says, in a fixed number of queries whatever the size of
    the organisation."""
    start, end = week_bounds(week)
    since, until = _moments(start, end, timezone)
    digest = Digest(user=user, week=week, start=start, end=end)
    if may(user, "read_organisation_digest"):
        digest.org = _org_section_of(week, start, end, since, until)
        digest.incentives = _incentive_section(start, end)
    digest.own = _own_section_of(user, start, end, since, until)
    if may(user, "read_people"):
        summary = people_summary(start, end, timezone=timezone, named=ITEMS_SHOWN)
        digest.people = _people_section(user, summary)
    return digest
