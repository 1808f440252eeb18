"""The say/do record: what was done against what was said.

`record_from` is the rule, a plain function over plain values; the loaders
below fetch those values for many initiatives in a fixed number of queries.
`ranked` is the one order in which owners and departments are compared, on
the say/do pages and the dashboard alike.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, func, select
from sqlalchemy.orm import selectinload

from tracker import cache
from tracker.accounts.models import Department, User
from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.initiatives.models import Initiative, InitiativeMetric
from tracker.initiatives.services import ACTIVE_STATUSES
from tracker.metrics.models import Metric, Reading, current_readings, is_better
from tracker.paging import Page

WINDOW = 8               # periods looked at, by default
TALK_ONLY_STREAK = 3     # submitted check-ins in a row without an action
GONE_QUIET_STREAK = 2    # missed check-ins in a row
UNEVIDENCED_WEIGHT = 0.5  # an action nobody can check counts half
# Initiatives with a say/do record: those that report, or have reported.
REPORTING_STATUSES = (*ACTIVE_STATUSES, "done")
NO_DEPARTMENT = "No department"

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


def ratio_of(evidenced: int, unevidenced: int, talk: int) -> float | None:
    """Share of what was reported that was done; None when nothing was reported."""
    entries = evidenced + unevidenced + talk
    return (evidenced + UNEVIDENCED_WEIGHT * unevidenced) / entries if entries else None


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
    def flag_counts(self) -> list[tuple[str, int]]:
        """Each flag once, in the order first carried, with how many times:
        a group's record carries the flags of all its initiatives."""
        return list(Counter(self.flags).items())

    @property
    def ratio(self) -> float | None:
        """Share of what was reported that was done; None when nothing was reported."""
        return ratio_of(self.evidenced, self.unevidenced, self.talk)

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


@dataclass
class GroupRecord:
    """One owner's or one department's initiatives, their records summed."""
    key: int | None  # the owner's or department's id; None for initiatives without a department
    name: str
    record: SayDo = field(default_factory=SayDo)
    initiatives: int = 0

    def add(self, record: SayDo) -> None:
        self.record.add(record)
        self.record.flags.extend(record.flags)
        self.initiatives += 1


# The order `ranked` keeps, in one sentence for the pages that show it.
RANKING_EXPLANATION = (
    "Ranked by the share of what was reported that was done; on a tie, more evidenced "
    "actions first, then fewer missed check-ins, then by name; those who reported "
    "nothing come last."
)


def rank_key(group: GroupRecord) -> tuple[bool, float, int, int, str, int]:
    """Best say/do record first: the higher ratio; on an equal ratio, more
    evidenced actions (the same share from more checkable work ranks higher),
    then fewer missed check-ins (the same work from someone who also stayed
    silent ranks lower); then by name ignoring case, then by id, so equal
    records always come in the same order. Groups with nothing reported (no
    ratio) come last. RANKING_EXPLANATION says this in words."""
    return rank_order(group.record.ratio, group.record.evidenced, group.record.missed, group.name, group.key)


def rank_order(ratio: float | None, evidenced: int, missed: int, name: str,
               key: int | None) -> tuple[bool, float, int, int, str, int]:
    """`rank_key` of a group with these figures, for callers that rank sums without building groups."""
    return (ratio is None, -(ratio or 0), -evidenced, missed, name.lower(), key or 0)


def ranked(groups: Iterable[GroupRecord]) -> list[GroupRecord]:
    """The groups in `rank_key`'s order."""
    return sorted(groups, key=rank_key)


# Where a record stands, in plain words: who acts, who only talks, who has gone quiet.
STANDING_TEXT = {"acts": "Acts", "talks": "Only talks", "quiet": "Gone quiet"}


def standing(record: SayDo) -> str | None:
    """"quiet" when one of the record's initiatives missed its last
    GONE_QUIET_STREAK check-ins (the gone-quiet flag) or nothing was reported
    but check-ins were missed; otherwise "talks" when it reported and did
    nothing, or carries the talk-only flag; otherwise "acts" when something
    was done. None when there is nothing to judge: nothing reported, nothing
    missed. Silence is named first: it hides everything else."""
    if "gone_quiet" in record.flags or (not record.entries and record.missed):
        return "quiet"
    if record.entries and (not record.actions or "talk_only" in record.flags):
        return "talks"
    if record.actions:
        return "acts"
    return None


def grouped(members: Iterable[tuple[int | None, str, int]], records: dict[int, SayDo]) -> list[GroupRecord]:
    """Sum the records of each group's initiatives and rank the groups.
    `members` are (group key, group name, initiative id); `records` maps
    initiative ids to their records."""
    # Summed in lists rather than through GroupRecord.add: the dashboard
    # groups every reporting initiative twice per data version.
    sums: dict[int | None, list[Any]] = {}
    for key, name, initiative_id in members:
        record = records[initiative_id]
        group = sums.get(key)
        if group is None:
            group = sums[key] = [name, 0, 0, 0, 0, 0, [], 0]
        group[1] += record.evidenced
        group[2] += record.unevidenced
        group[3] += record.talk
        group[4] += record.missed
        group[5] += record.submitted
        if record.flags:
            group[6].extend(record.flags)
        group[7] += 1
    return ranked(GroupRecord(key, name, SayDo(evidenced, unevidenced, talk, missed, submitted, flags), n)
                  for key, (name, evidenced, unevidenced, talk, missed, submitted, flags, n) in sums.items())


def shown_flags(records: Iterable[SayDo]) -> list[str]:
    """The flags any of `records` carries, in FLAG_TEXT's order: the legend a page needs."""
    present = {flag for record in records for flag in record.flags}
    return [flag for flag in FLAG_TEXT if flag in present]


# --- the off-track rule ------------------------------------------------------
# An initiative is off track when one of its linked metrics now reads worse
# (by the metric's direction) than it did at the start: its last reading on
# or before the initiative's start date or, for a metric first read later,
# its first reading. `value_at_start` and `moved_away` state the rule over a
# loaded series (the initiative page); `_value_at_start_sql` makes the same
# choice in the database for many initiatives at once (the say/do pages, the
# dashboard, the digest), and test_saydo keeps the two equal.

def value_at_start(series: list[tuple[date, float]], start_date: date) -> float | None:
    """The metric's value when the initiative started, from its readings as
    (day, value) oldest first; None without readings."""
    if not series:
        return None
    before = [value for day, value in series if day <= start_date]
    return before[-1] if before else series[0][1]


def moved_away(start_value: float | None, latest_value: float | None, metric_direction: str) -> bool:
    """True when the latest value is worse than the value when the initiative started."""
    if start_value is None or latest_value is None:
        return False
    return is_better(metric_direction, start_value, latest_value)


# --- loaders -----------------------------------------------------------------

def _period_counts(initiative_ids: list[int] | Select[Any], since: date,
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


def _one_value(*conditions: ColumnElement[bool], newest: bool = True) -> ScalarSelect[float]:
    """The newest (or oldest) reading of the linked metric meeting `conditions`,
    found through the (metric, date) index of current readings."""
    order = Reading.observed_on.desc() if newest else Reading.observed_on
    return (select(Reading.value)
            .where(Reading.metric_id == InitiativeMetric.metric_id, current_readings(), *conditions)
            .order_by(order).limit(1).scalar_subquery())


def _value_at_start_sql() -> ColumnElement[float]:
    """`value_at_start` for the database: the last reading on or before the
    initiative's start date, else the first reading."""
    return func.coalesce(_one_value(Reading.observed_on <= Initiative.start_date), _one_value(newest=False))


def _off_track(ids: Select[Any]) -> set[int]:
    """Initiatives with a linked metric now worse than when they started: one
    query, the initiatives chosen by a subquery. Given thousands of ids as a
    bound list, SQLite probes once per id (3.9 s for 15,000)."""
    rows = db.session.execute(
        select(InitiativeMetric.initiative_id, Metric.direction, _value_at_start_sql(), _one_value())
        .join(Metric, Metric.id == InitiativeMetric.metric_id)
        .join(Initiative, Initiative.id == InitiativeMetric.initiative_id)
        .where(InitiativeMetric.initiative_id.in_(ids))
    ).all()
    return {initiative_id for initiative_id, direction, start_value, latest in rows
            if moved_away(start_value, latest, direction)}


def _records(ids: list[int] | Select[Any], every_id: list[int], today: date, window: int) -> dict[int, SayDo]:
    # Monthly cadence is the longest: that many months back covers every window.
    since = date.fromordinal(today.toordinal() - 31 * window - 31)
    counts = _period_counts(ids, since, window)
    measured = set(db.session.scalars(
        select(InitiativeMetric.initiative_id).where(InitiativeMetric.initiative_id.in_(ids))))
    off = _off_track(ids if isinstance(ids, Select) else select(Initiative.id).where(Initiative.id.in_(ids)))
    return {i: record_from(counts.get(i, []), measured=i in measured, off_track=i in off, window=window)
            for i in every_id}


def records_for(initiatives: list[Initiative], *, today: date, window: int = WINDOW) -> dict[int, SayDo]:
    """Say/do records for many initiatives in a fixed number of queries."""
    if not initiatives:
        return {}
    ids = [i.id for i in initiatives]
    return _records(ids, ids, today, window)


def records_where(condition: ColumnElement[bool], *, today: date, window: int = WINDOW) -> dict[int, SayDo]:
    """Say/do records of every initiative matching `condition` (a WHERE clause
    on Initiative). For thousands of initiatives: the queries select them by
    the condition instead of sending thousands of ids back to the database."""
    ids = select(Initiative.id).where(condition)
    return _records(ids, list(db.session.scalars(ids)), today, window)


def reporting_records(*, today: date) -> dict[int, SayDo]:
    """Say/do records of every announced, in-progress or done initiative as of
    `today`, shared by the dashboard and the say/do overview and kept until the
    data changes (`tracker.cache`), then brought up to date by recomputing
    the records of the initiatives written to: callers must not change them."""
    reporting = Initiative.status.in_(REPORTING_STATUSES)

    def update(kept: dict[int, SayDo], changes: cache.Changes) -> dict[int, SayDo]:
        touched = changes.initiatives | changes.through_metrics
        records = {i: record for i, record in kept.items() if i not in touched}
        if touched:
            records.update(records_where(reporting & Initiative.id.in_(sorted(touched)), today=today))
        return records

    return cache.per_data_version("saydo_records", today, lambda: records_where(reporting, today=today),
                                  update=update)


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
        latest = series[-1][1] if series else None
        return moved_away(value_at_start(series, initiative.start_date), latest, link.metric.direction)

    links = list(initiative.metric_links)
    return record_from(periods, measured=bool(links), off_track=any(off(link) for link in links),
                       window=window)


@dataclass
class Overview:
    """The say/do overview: every owner and every department, ranked."""
    owners: list[GroupRecord]
    departments: list[GroupRecord]
    shown_flags: list[str]


@dataclass
class OverviewPage:
    """One page of the ranked owners, with every department (there are few)."""
    owners: Page[GroupRecord]
    departments: list[GroupRecord]
    shown_flags: list[str]


def _overview(today: date) -> Overview:
    reporting = Initiative.status.in_(REPORTING_STATUSES)
    records = reporting_records(today=today)
    members = db.session.execute(
        select(Initiative.id, Initiative.owner_id, User.display_name,
               Initiative.department_id, Department.name)
        .join(User, User.id == Initiative.owner_id)
        .outerjoin(Department, Department.id == Initiative.department_id)
        .where(reporting)
    ).all()
    return Overview(
        owners=grouped(((owner_id, owner_name, i) for i, owner_id, owner_name, _, _ in members), records),
        departments=grouped(((department_id, department_name or NO_DEPARTMENT, i)
                             for i, _, _, department_id, department_name in members), records),
        shown_flags=shown_flags(records.values()),
    )


def overview(*, today: date) -> Overview:
    """Owners and departments ranked by the records of their initiatives as of
    `today`: a fixed number of queries, kept until the data changes
    (`tracker.cache`), so callers must not change what they get."""
    return cache.per_data_version("saydo_overview", today, lambda: _overview(today))


def overview_page(*, today: date, page: int, per_page: int) -> OverviewPage:
    """Page `page` (from 1) of the ranked owners, every department, and the
    flags the whole overview carries."""
    whole = overview(today=today)
    return OverviewPage(owners=Page.of(whole.owners, page, per_page), departments=whole.departments,
                        shown_flags=whole.shown_flags)


@dataclass
class Group:
    """One owner's or one department's initiatives with a say/do record, by
    title, each with its record, and the sum of them all."""
    rows: list[tuple[int, SayDo]]
    total: SayDo
    shown_flags: list[str]


@dataclass
class GroupPage:
    """One page of a group's initiatives (loaded, with owner and department),
    with the whole group's total."""
    rows: Page[tuple[Initiative, SayDo]]
    total: SayDo
    shown_flags: list[str]


def _group(today: date, owner_id: int | None, department_id: int | None) -> Group:
    records = reporting_records(today=today)
    query = (select(Initiative.id).where(Initiative.status.in_(REPORTING_STATUSES))
             .order_by(Initiative.title, Initiative.id))
    if owner_id is not None:
        query = query.where(Initiative.owner_id == owner_id)
    if department_id is not None:
        query = query.where(Initiative.department_id == department_id)
    rows = [(i, records[i]) for i in db.session.scalars(query)]
    return Group(rows=rows, total=totals(r for _, r in rows), shown_flags=shown_flags(r for _, r in rows))


def group_page(*, today: date, page: int, per_page: int, owner_id: int | None = None,
               department_id: int | None = None) -> GroupPage:
    """Page `page` (from 1) of the initiatives with a say/do record, by title,
    of one owner or one department, each with its record as of `today`, and
    the whole group's total. The group's records are kept until the data
    changes (`tracker.cache`); only the page's initiatives are loaded."""
    group = cache.per_data_version("saydo_group", (today, owner_id, department_id),
                                   lambda: _group(today, owner_id, department_id))
    shown = Page.of(group.rows, page, per_page)
    loaded = {i.id: i for i in db.session.scalars(
        select(Initiative).where(Initiative.id.in_([i for i, _ in shown.items]))
        .options(selectinload(Initiative.owner), selectinload(Initiative.department)))}
    rows = [(loaded[i], record) for i, record in shown.items if i in loaded]
    return GroupPage(rows=Page(rows, shown.total, shown.page, shown.per_page), total=group.total,
                     shown_flags=group.shown_flags)


def totals(records: Iterable[SayDo]) -> SayDo:
    """Sum several records; `flags` then lists every flag of every record."""
    total = SayDo()
    for record in records:
        total.add(record)
        total.flags.extend(record.flags)
    return total
