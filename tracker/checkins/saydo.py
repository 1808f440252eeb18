"""The say/do record: what was done against what was said.

`record_from` is the rule, a plain function over plain values; the loaders
below fetch those values for many initiatives in a fixed number of queries.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, select

from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.initiatives.models import Initiative, InitiativeMetric
from tracker.metrics.models import Metric, Reading

WINDOW = 8               # periods looked at, by default
TALK_ONLY_STREAK = 3     # submitted check-ins in a row without an action
GONE_QUIET_STREAK = 2    # missed check-ins in a row
UNEVIDENCED_WEIGHT = 0.5  # an action nobody can check counts half

FLAG_TEXT = {
    "talk_only": "Talk only",
    "gone_quiet": "Gone quiet",
    "unmeasured": "Unmeasured",
    "off_track": "Off track",
}
FLAG_WHY = {
    "talk_only": f"{TALK_ONLY_STREAK} or more submitted check-ins in a row without an action",
    "gone_quiet": f"{GONE_QUIET_STREAK} or more missed check-ins in a row",
    "unmeasured": "no metric is linked, so nothing shows whether behaviour changes",
    "off_track": "a linked metric has moved away from its target since the initiative started",
}
EXPLANATION = (
    f"Counts the last {WINDOW} periods. Each submitted check-in's entries are talk or action "
    "(a reviewer's verdict replaces the owner's choice; an amendment replaces what it corrects). "
    f"The say/do ratio is what was done over everything reported: evidenced actions count 1, "
    f"actions without evidence {UNEVIDENCED_WEIGHT:g}, talk 0. Missed check-ins are listed, "
    "not counted as talk."
)


@dataclass(frozen=True)
class PeriodCounts:
    """One check-in, summarised."""
    period_start: date
    state: str            # open, submitted, missed
    evidenced: int = 0
    unevidenced: int = 0
    talk: int = 0

    @property
    def actions(self) -> int:
        return self.evidenced + self.unevidenced


@dataclass
class SayDo:
    evidenced: int = 0
    unevidenced: int = 0
    talk: int = 0
    missed: int = 0
    submitted: int = 0
    flags: list[str] = field(default_factory=list)

    @property
    def actions(self) -> int:
        return self.evidenced + self.unevidenced

    @property
    def entries(self) -> int:
        return self.actions + self.talk

    @property
    def ratio(self) -> float | None:
        """Share of what was reported that was done; None when nothing was reported."""
        if not self.entries:
            return None
        return (self.evidenced + UNEVIDENCED_WEIGHT * self.unevidenced) / self.entries

    def add(self, other: "SayDo") -> None:
        self.evidenced += other.evidenced
        self.unevidenced += other.unevidenced
        self.talk += other.talk
        self.missed += other.missed
        self.submitted += other.submitted


def record_from(periods: Iterable[PeriodCounts], *, measured: bool, off_track: bool,
                window: int = WINDOW) -> SayDo:
    """The say/do record over the latest `window` closed or open periods."""
    recent = sorted(periods, key=lambda p: p.period_start)[-window:]
    record = SayDo()
    for p in recent:
        if p.state == "missed":
            record.missed += 1
        elif p.state == "submitted":
            record.submitted += 1
            record.evidenced += p.evidenced
            record.unevidenced += p.unevidenced
            record.talk += p.talk
    closed = [p for p in recent if p.state != "open"]
    quiet = 0
    for p in reversed(closed):
        if p.state != "missed":
            break
        quiet += 1
    submitted = [p for p in closed if p.state == "submitted"]
    talk_streak = 0
    for p in reversed(submitted):
        if p.actions:
            break
        talk_streak += 1
    if talk_streak >= TALK_ONLY_STREAK:
        record.flags.append("talk_only")
    if quiet >= GONE_QUIET_STREAK:
        record.flags.append("gone_quiet")
    if not measured:
        record.flags.append("unmeasured")
    if off_track:
        record.flags.append("off_track")
    return record


def moved_away(start_value: float | None, latest_value: float | None, metric_direction: str) -> bool:
    """True when the latest value is worse than the value when the initiative started."""
    if start_value is None or latest_value is None:
        return False
    if metric_direction == "higher":
        return latest_value < start_value
    return latest_value > start_value


# --- loaders -----------------------------------------------------------------

def _period_counts(initiative_ids: list[int] | Select, since: date,
                   window: int) -> dict[int, list[PeriodCounts]]:
    """Per initiative, its latest `window` check-ins since `since` with their
    tallies: one query over check-ins alone (the tallies are kept by the
    check-in services), the window cut by the database, not in Python."""
    latest = (
        select(CheckIn.initiative_id, CheckIn.period_start, CheckIn.state, CheckIn.evidenced_count,
               CheckIn.unevidenced_count, CheckIn.talk_count,
               func.row_number().over(partition_by=CheckIn.initiative_id,
                                      order_by=CheckIn.period_start.desc()).label("recency"))
        .where(CheckIn.initiative_id.in_(initiative_ids), CheckIn.period_start >= since)
        .subquery()
    )
    rows = db.session.execute(
        select(latest.c.initiative_id, latest.c.period_start, latest.c.state, latest.c.evidenced_count,
               latest.c.unevidenced_count, latest.c.talk_count)
        .where(latest.c.recency <= window)
    ).all()
    out: dict[int, list[PeriodCounts]] = defaultdict(list)
    for initiative_id, start, state, evidenced, unevidenced, talk in rows:
        out[initiative_id].append(PeriodCounts(start, state, evidenced, unevidenced, talk))
    return out


def _off_track(ids: list[int] | Select) -> set[int]:
    """Initiatives with a linked metric now worse than when they started: one
    query, each value found through the (metric, date) index."""
    def one_value(*conditions, newest: bool = True):
        order = Reading.observed_on.desc() if newest else Reading.observed_on
        return (select(Reading.value).where(Reading.metric_id == InitiativeMetric.metric_id, *conditions)
                .order_by(order).limit(1).scalar_subquery())

    rows = db.session.execute(
        select(InitiativeMetric.initiative_id, Metric.direction,
               func.coalesce(one_value(Reading.observed_on <= Initiative.start_date),
                             one_value(newest=False)),
               one_value())
        .join(Metric, Metric.id == InitiativeMetric.metric_id)
        .join(Initiative, Initiative.id == InitiativeMetric.initiative_id)
        .where(InitiativeMetric.initiative_id.in_(ids))
    ).all()
    return {initiative_id for initiative_id, direction, start_value, latest in rows
            if moved_away(start_value, latest, direction)}


def _records(ids: list[int] | Select, every_id: list[int], today: date, window: int) -> dict[int, SayDo]:
    # Monthly cadence is the longest: that many months back covers every window.
    since = date.fromordinal(today.toordinal() - 31 * window - 31)
    counts = _period_counts(ids, since, window)
    measured = set(db.session.scalars(
        select(InitiativeMetric.initiative_id).where(InitiativeMetric.initiative_id.in_(ids))))
    off = _off_track(ids)
    return {i: record_from(counts.get(i, []), measured=i in measured, off_track=i in off, window=window)
            for i in every_id}


def records_for(initiatives: list[Initiative], *, today: date, window: int = WINDOW) -> dict[int, SayDo]:
    """Say/do records for many initiatives in a fixed number of queries."""
    if not initiatives:
        return {}
    ids = [i.id for i in initiatives]
    return _records(ids, ids, today, window)


def records_where(condition, *, today: date, window: int = WINDOW) -> dict[int, SayDo]:
    """Say/do records of every initiative matching `condition` (a WHERE clause
    on Initiative). For thousands of initiatives: the queries select them by
    the condition instead of sending thousands of ids back to the database."""
    ids = select(Initiative.id).where(condition)
    return _records(ids, list(db.session.scalars(ids)), today, window)


def record_of(initiative: Initiative, checkins: Iterable[CheckIn],
              points: dict[int, list[tuple[date, float]]], *, today: date, window: int = WINDOW) -> SayDo:
    """One initiative's record from what its page has already loaded: its
    latest check-ins (at least `window` of them, in any order) and every
    reading of its linked metrics as (day, value), oldest first. The same
    rule and the same result as `records_for`, without its queries."""
    since = date.fromordinal(today.toordinal() - 31 * window - 31)
    periods = [PeriodCounts(c.period_start, c.state, c.evidenced_count, c.unevidenced_count, c.talk_count)
               for c in checkins if c.period_start >= since]

    def off(link: InitiativeMetric) -> bool:
        series = points.get(link.metric_id) or []
        if not series:
            return False
        before = [value for day, value in series if day <= initiative.start_date]
        start = before[-1] if before else series[0][1]
        return moved_away(start, series[-1][1], link.metric.direction)

    links = list(initiative.metric_links)
    return record_from(periods, measured=bool(links), off_track=any(off(link) for link in links),
                       window=window)


def totals(records: Iterable[SayDo]) -> SayDo:
    """Sum several records; `flags` then lists every flag of every record."""
    total = SayDo()
    for record in records:
        total.add(record)
        total.flags.extend(record.flags)
    return total
