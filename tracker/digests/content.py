"""What goes into each person's weekly digest.

`gather_week` asks the database everything a week's digests need in a fixed
number of queries; `digest_for` then builds one person's digest from those
facts without asking again, so a run costs the same number of queries for
ten people or a thousand.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased, selectinload

from tracker.accounts.models import User
from tracker.auth.policy import may
from tracker.calendar import week_bounds
from tracker.checkins import saydo
from tracker.checkins.models import CheckIn, Entry
from tracker.extensions import db
from tracker.initiatives.models import Initiative
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


@dataclass
class Digest:
    user: User
    week: str
    start: date
    end: date
    org: dict[str, Any] | None = None
    own: dict[str, Any] | None = None
    people: dict[str, Any] | None = None
    empty_lines: list[str] = field(default_factory=list)
    future: bool = False  # a week not yet begun: nothing can have happened in it

    @property
    def is_empty(self) -> bool:
        return not (self.org or self.own or self.people)


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
        .order_by(CheckIn.due_on)
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
        people=people_summary(start, end, timezone=timezone),
        initiatives_by_owner=initiatives_by_owner, checkins_by_owner=checkins_by_owner,
        moves_by_owner=moves_by_owner,
    )
    facts.org = _org_section(facts)
    return facts


def _org_section(facts: WeekFacts) -> dict[str, Any] | None:
    week = saydo.totals(facts.counts_by_initiative.values())
    flagged = sorted(
        ((facts.initiatives[i], r) for i, r in facts.records.items()
         if r.flags and facts.initiatives[i].status in ("announced", "in_progress")),
        key=lambda pair: (-len(pair[1].flags), pair[0].title))
    per_owner: dict[int, saydo.SayDo] = defaultdict(saydo.SayDo)
    for initiative_id, record in facts.records.items():
        per_owner[facts.initiatives[initiative_id].owner_id].add(record)
    ranked = sorted(((facts.owners[o], r) for o, r in per_owner.items() if r.entries),
                    key=lambda pair: (-(pair[1].ratio or 0), pair[0].display_name))
    best = ranked[:LEADERS_SHOWN]
    worst = [pair for pair in reversed(ranked[-LEADERS_SHOWN:]) if pair not in best]
    section = {
        "counts": week, "flagged": Capped.of(flagged), "missed": Capped.of(facts.missed),
        "toward": Capped.of([m for m in facts.moves if m.toward]),
        "away": Capped.of([m for m in facts.moves if not m.toward]),
        "best": best, "worst": worst,
    }
    if not (week.actions or week.talk or facts.missed or facts.moves):
        return None
    return section


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
    """One person's digest: the organisation for executives and admins, their
    own initiatives and metrics for everyone who owns some, and the week's
    people decisions for HR, executives and admins (never for members)."""
    digest = Digest(user=user, week=facts.week, start=facts.start, end=facts.end)
    if may(user, "read_organisation_digest"):
        digest.org = facts.org
    digest.own = _own_section(user, facts)
    if may(user, "read_people") and facts.people["count"]:
        digest.people = {**facts.people, "not_aligned": Capped.of(facts.people["not_aligned"])}
    return digest
