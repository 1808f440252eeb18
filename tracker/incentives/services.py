"""Rules for incentives. Functions add and flush; the caller commits.

Recording an incentive, judging it against a behaviour (the app suggests,
`suggestion.suggest`; a person confirms), naming the incentive an initiative
changes, applying that change when the initiative's check-in reports it as
an evidenced action (`apply_change`, called by the check-ins), and reading
the map, the conflicts (`conflicts.find_conflicts`) and the dashboard count.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from tracker import cache
from tracker.accounts.models import Department, User
from tracker.auth.policy import may
from tracker.behaviours.models import Behaviour
from tracker.extensions import db
from tracker.history import services as history
from tracker.ids import parse_id
from tracker.incentives.conflicts import Conflict, JudgedSide, Side, find_conflicts
from tracker.incentives.models import (
    REWARDED_DIRECTIONS,
    SOURCES,
    STATUSES,
    VERDICTS,
    Incentive,
    IncentiveChange,
    Judgement,
    incentive_label,
)
from tracker.incentives.suggestion import MetricFacts, Suggestion, suggest
from tracker.initiatives.models import Initiative
from tracker.metrics.models import Metric, metric_behaviour
from tracker.metrics.services import month_end_points
from tracker.options import Options, kept_options
from tracker.validation import FieldError
from tracker.validators import text_problem

MAX_REWARDS = 200
MAX_ROLE = 120
MAX_GROUP = 200
MAX_REASON = 200
CHANGE_KIND = "incentive_change"

HISTORY_FIELDS = ("department_id", "role_name", "named_group", "rewards", "metric_id",
                  "rewarded_direction", "weight_percent", "source", "status", "effective_from",
                  "ended_on", "replaced_by_id", "owner_id")
# Fields only hr, executives and admins may read, in history as on the page.
PRIVATE_FIELDS = frozenset({"named_group", "weight_percent"})
history.describe(
    "incentive",
    labels={"department_id": "Department", "role_name": "Role", "named_group": "Named group",
            "rewards": "Rewards", "metric_id": "Metric", "rewarded_direction": "Pays for",
            "weight_percent": "Weight (%)", "source": "Source", "status": "Status",
            "effective_from": "In effect from", "ended_on": "Ended on",
            "replaced_by_id": "Replaced by", "owner_id": "Owner", "verdict": "Judgement",
            "reason": "Reason", "behaviour": "Behaviour"},
    values={"rewarded_direction": REWARDED_DIRECTIONS, "source": SOURCES, "status": STATUSES,
            "verdict": VERDICTS},
    references={"department_id": Department.name, "metric_id": Metric.name,
                "replaced_by_id": Incentive.rewards, "owner_id": User.display_name},
)


class IncentiveError(FieldError):
    """An incentive rule was broken; the message is fit to show the user and
    `field` names the input at fault."""


@dataclass
class IncentiveInput:
    department_id: int | None
    rewards: str
    source: str
    owner_id: int | None
    status: str = "in_effect"
    effective_from: date | None = None
    role_name: str = ""
    named_group: str = ""
    metric_id: int | None = None
    rewarded_direction: str | None = None
    weight_percent: float | None = None


def _line(value: str | None, label: str, limit: int, field_name: str,
          problems: list[IncentiveError], *, required: str = "") -> str:
    text = (value or "").strip()
    if not text and required:
        problems.append(IncentiveError(required, field_name))
    elif problem := text_problem(text, label, single_line=True, max_length=limit):
        problems.append(IncentiveError(problem, field_name))
    return text


def _clean(data: IncentiveInput) -> dict[str, Any]:
    """The values to store. Raises one IncentiveError carrying every problem
    found, each naming its field."""
    problems: list[IncentiveError] = []
    rewards = _line(data.rewards, "What it rewards", MAX_REWARDS, "rewards", problems,
                    required="Say what it rewards, in words: 'new customers signed'.")
    role_name = _line(data.role_name, "The role", MAX_ROLE, "role_name", problems)
    named_group = _line(data.named_group, "The named group", MAX_GROUP, "named_group", problems)
    department_id = parse_id(data.department_id)
    if department_id is None or db.session.get(Department, department_id) is None:
        problems.append(IncentiveError("Choose the department measured or paid on it.",
                                       "department_id"))
    owner_id = parse_id(data.owner_id)
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner is None or not owner.active:
        problems.append(IncentiveError("Choose its owner: an active person.", "owner_id"))
    if data.source not in SOURCES:
        problems.append(IncentiveError("Say where it comes from: pay plan, scorecard or objective.",
                                       "source"))
    if data.status not in ("in_effect", "proposed"):
        problems.append(IncentiveError("An incentive is recorded as in effect or proposed.", "status"))
    elif data.status == "in_effect" and not isinstance(data.effective_from, date):
        problems.append(IncentiveError("Say when it took effect.", "effective_from"))
    metric_id = parse_id(data.metric_id) if data.metric_id else None
    if data.metric_id and (metric_id is None or db.session.get(Metric, metric_id) is None):
        problems.append(IncentiveError("That metric does not exist.", "metric_id"))
    direction = data.rewarded_direction or None
    if metric_id is not None and direction not in REWARDED_DIRECTIONS:
        problems.append(IncentiveError("Say whether it pays for the metric to go up or down.",
                                       "rewarded_direction"))
    weight = data.weight_percent
    if weight is not None and not (isinstance(weight, int | float) and 0 < weight <= 100):
        problems.append(IncentiveError("The weight is a share of bonus or commission: "
                                       "more than 0 and at most 100 (%).", "weight_percent"))
    if problems:
        raise IncentiveError.collect(problems)
    return {"department_id": department_id, "rewards": rewards, "role_name": role_name,
            "named_group": named_group, "owner_id": owner_id, "source": data.source,
            "status": data.status,
            "effective_from": data.effective_from if data.status == "in_effect" else None,
            "metric_id": metric_id, "rewarded_direction": direction if metric_id else None,
            "weight_percent": float(weight) if weight is not None else None}


def create_incentive(*, actor: User, data: IncentiveInput, now: datetime) -> Incentive:
    """Record an incentive (in effect or proposed). Raises IncentiveError; nothing is stored then."""
    if not may(actor, "manage_incentives"):
        raise IncentiveError("Only executives, HR and admins record incentives.")
    incentive = Incentive(created_by_id=actor.id, created_at=now, **_clean(data))
    db.session.add(incentive)
    db.session.flush()
    history.record("incentive", incentive.id, "created", "Recorded the incentive", actor=actor,
                   now=now, changes=history.snapshot(incentive, HISTORY_FIELDS))
    return incentive


def update_incentive(incentive: Incentive, *, actor: User, data: IncentiveInput,
                     now: datetime) -> None:
    """Correct what was recorded about an incentive. An ended incentive keeps
    its status and dates (an incentive-change initiative ended it); one in
    effect or proposed may move between the two. History keeps the before and
    after of every field changed. Raises IncentiveError; nothing is stored then."""
    if not may(actor, "manage_incentives"):
        raise IncentiveError("Only executives, HR and admins edit incentives.")
    ended = incentive.status == "ended"
    if ended:
        data.status, data.effective_from = "in_effect", incentive.effective_from
    values = _clean(data)
    if ended:
        del values["status"], values["effective_from"]
    before = history.snapshot(incentive, HISTORY_FIELDS)
    for key, value in values.items():
        setattr(incentive, key, value)
    changes = history.diff(before, history.snapshot(incentive, HISTORY_FIELDS))
    if changes:
        history.record("incentive", incentive.id, "updated", "Edited", actor=actor, now=now,
                       changes=changes)
    db.session.flush()


def get_incentive(incentive_id: int) -> Incentive | None:
    return db.session.scalar(select(Incentive).where(Incentive.id == incentive_id).options(
        joinedload(Incentive.department), joinedload(Incentive.metric),
        joinedload(Incentive.owner), joinedload(Incentive.replaced_by)))


def incentives_page(page: int, per_page: int = 50) -> Pagination:
    """One page of every incentive: in effect first, then proposed, then
    ended; by department. Ordered and cut by the database (two queries
    whatever the number)."""
    order = case({"in_effect": 0, "proposed": 1, "ended": 2}, value=Incentive.status, else_=3)
    return db.paginate(select(Incentive).join(Department, Department.id == Incentive.department_id)
                       .options(contains_eager(Incentive.department))
                       .order_by(order, Department.name, Incentive.rewards, Incentive.id),
                       page=page, per_page=per_page, error_out=False)


# Judgements

def _metric_facts(metric_ids: Iterable[int]) -> dict[int, MetricFacts]:
    """The metrics as the suggestion rule sees them, with the last reading of
    each month (all the rule reads of their readings)."""
    ids = sorted(set(metric_ids))
    if not ids:
        return {}
    points = _month_end_points()
    return {m.id: MetricFacts(m.id, m.name, m.direction, points.get(m.id, ()))
            for m in db.session.scalars(select(Metric).where(Metric.id.in_(ids)))}


def _month_end_points() -> dict[int, tuple[tuple[date, float], ...]]:
    """Every metric's month-end readings (`month_end_points`), kept until the
    data changes (`tracker.cache`); after readings are written only the
    metrics they touched are read again. An incentive's suggestions compare
    its metric with nearly every metric, and reading them all on each view
    of an incentive took a second at 2,000 people."""
    def update(kept: dict[int, tuple[tuple[date, float], ...]],
               changes: cache.Changes) -> dict[int, tuple[tuple[date, float], ...]]:
        fresh = dict(kept)
        for metric_id in changes.metrics:
            fresh.pop(metric_id, None)
        fresh.update(month_end_points(changes.metrics))
        return fresh

    return cache.per_data_version("incentive_month_ends", None, month_end_points, update=update)


def suggestions_for(incentive: Incentive, behaviours: list[Behaviour]) -> dict[int, Suggestion]:
    """The app's suggested judgement of `incentive` against each of `behaviours`,
    by behaviour id, in three queries whatever their number; kept until the
    data changes (`tracker.cache`) for incentives on the same metric paid the
    same way, since comparing it with every metric of twenty behaviours
    month by month is a tenth of a second at 8,000 people."""
    key = (incentive.metric_id, incentive.rewarded_direction, tuple((b.id, b.name) for b in behaviours))
    return cache.per_data_version("incentive_suggestions", key, lambda: _suggestions(*key))


def _suggestions(metric_id: int | None, rewarded_direction: str | None,
                 behaviours: tuple[tuple[int, str], ...]) -> dict[int, Suggestion]:
    wanted = {b_id for b_id, _ in behaviours}
    links: dict[int, list[int]] = {b_id: [] for b_id in wanted}
    if metric_id is not None and wanted:
        for linked_id, behaviour_id in db.session.execute(
                select(metric_behaviour.c.metric_id, metric_behaviour.c.behaviour_id)
                .where(metric_behaviour.c.behaviour_id.in_(wanted))):
            links[behaviour_id].append(linked_id)
    facts = _metric_facts([m for ids in links.values() for m in ids] + ([metric_id] if metric_id else []))
    paid = facts.get(metric_id) if metric_id else None
    return {b_id: suggest(paid=paid, rewarded_direction=rewarded_direction, behaviour=name,
                          observed_by=[facts[m] for m in sorted(links[b_id]) if m in facts])
            for b_id, name in behaviours}


def judgements_of(incentive_id: int) -> dict[int, Judgement]:
    """The incentive's judgements by behaviour id, with who made them."""
    return {j.behaviour_id: j for j in db.session.scalars(
        select(Judgement).where(Judgement.incentive_id == incentive_id)
        .options(joinedload(Judgement.judged_by)))}


def judge(incentive: Incentive, *, actor: User, behaviour_id: Any, verdict: str, reason: str,
          now: datetime) -> Judgement:
    """Confirm or change the judgement of `incentive` against a behaviour:
    supports, neutral or pulls against, with a one-line reason. The app's
    suggestion at this moment is kept beside it. Raises IncentiveError."""
    if not may(actor, "manage_incentives"):
        raise IncentiveError("Only executives, HR and admins judge incentives.")
    problems: list[IncentiveError] = []
    behaviour = db.session.get(Behaviour, parse_id(behaviour_id) or 0)
    if behaviour is None:
        problems.append(IncentiveError("That behaviour does not exist.", "behaviour_id"))
    if verdict not in VERDICTS:
        problems.append(IncentiveError("Choose supports, neutral or pulls against.", "verdict"))
    reason = _line(reason, "The reason", MAX_REASON, "reason", problems,
                   required="Give the reason in one line.")
    if problems or behaviour is None:
        raise IncentiveError.collect(problems)
    suggested = suggestions_for(incentive, [behaviour])[behaviour.id]
    judgement = db.session.scalar(select(Judgement).where(
        Judgement.incentive_id == incentive.id, Judgement.behaviour_id == behaviour.id))
    before = {"verdict": judgement.verdict, "reason": judgement.reason} if judgement else {}
    if judgement is None:
        judgement = Judgement(incentive_id=incentive.id, behaviour_id=behaviour.id)
        db.session.add(judgement)
    judgement.verdict, judgement.reason = verdict, reason
    judgement.suggested_verdict = suggested.verdict
    judgement.judged_by_id, judgement.judged_at = actor.id, now
    changes = history.diff(before, {"verdict": verdict, "reason": reason})
    if changes:
        differs = ("" if verdict == suggested.verdict
                   else f" (the app suggested {VERDICTS[suggested.verdict].lower()})")
        history.record("incentive", incentive.id, "updated",
                       f"Judged against “{behaviour.name}”: {VERDICTS[verdict].lower()}{differs}",
                       actor=actor, now=now,
                       changes=changes)
    db.session.flush()
    return judgement


# Changing an incentive through an initiative

def change_of(initiative_id: int) -> IncentiveChange | None:
    return db.session.scalar(select(IncentiveChange).where(
        IncentiveChange.initiative_id == initiative_id).options(
        joinedload(IncentiveChange.incentive).joinedload(Incentive.department),
        joinedload(IncentiveChange.replacement).joinedload(Incentive.department)))


def changes_of(incentive_id: int) -> list[IncentiveChange]:
    """The initiatives that change or bring in `incentive_id`, with their titles."""
    return list(db.session.scalars(select(IncentiveChange).where(
        (IncentiveChange.incentive_id == incentive_id)
        | (IncentiveChange.replacement_id == incentive_id))
        .options(joinedload(IncentiveChange.initiative)).order_by(IncentiveChange.id)))


def changeable_incentives() -> tuple[Options, Options]:
    """(incentives in effect, proposed ones) to offer on the change form, by
    department as on the map, kept until the data changes (every incentive
    written records a history event)."""
    return (kept_options("incentives_in_effect", lambda: _labelled_incentives("in_effect")),
            kept_options("incentives_proposed", lambda: _labelled_incentives("proposed")))


def _labelled_incentives(status: str) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Incentive.id, Department.name, Incentive.role_name, Incentive.rewards)
        .join(Department, Incentive.department_id == Department.id)
        .where(Incentive.status == status)
        .order_by(Department.name, Incentive.rewards, Incentive.id))
    return [(i, incentive_label(department, role, rewards)) for i, department, role, rewards in rows]


def name_change(initiative: Initiative, *, actor: User, incentive_id: Any, replacement_id: Any,
                now: datetime) -> IncentiveChange:
    """Say which incentive `initiative` changes and, optionally, which proposed
    incentive replaces it. Only for initiatives of kind "incentive change",
    until the change has happened. Raises IncentiveError."""
    if not may(actor, "manage_incentives"):
        raise IncentiveError("Only executives, HR and admins name the incentive an initiative changes.")
    if initiative.kind != CHANGE_KIND:
        raise IncentiveError("Only an initiative of kind “Incentive change” changes an incentive.")
    existing = change_of(initiative.id)
    if existing is not None and existing.applied_on is not None:
        raise IncentiveError("This change already happened; it is part of the incentive's history.")
    problems: list[IncentiveError] = []
    incentive = db.session.get(Incentive, parse_id(incentive_id) or 0)
    if incentive is None or incentive.status != "in_effect":
        problems.append(IncentiveError("Choose an incentive in effect.", "incentive_id"))
    replacement = None
    if replacement_id:
        replacement = db.session.get(Incentive, parse_id(replacement_id) or 0)
        if replacement is None or replacement.status != "proposed":
            problems.append(IncentiveError("The replacement is a proposed incentive: record it "
                                           "first, as proposed.", "replacement_id"))
    if problems or incentive is None:
        raise IncentiveError.collect(problems)
    change = existing or IncentiveChange(initiative_id=initiative.id, created_by_id=actor.id,
                                         created_at=now)
    change.incentive_id = incentive.id
    change.replacement_id = replacement.id if replacement else None
    db.session.add(change)
    db.session.flush()
    instead = f", replaced by “{replacement.label}”" if replacement else ""
    history.record("initiative", initiative.id, "incentive",
                   f"Changes the incentive “{incentive.label}”{instead}", actor=actor, now=now,
                   changes={"incentive_id": incentive.id,
                            "replacement_id": replacement.id if replacement else None})
    history.record("incentive", incentive.id, "change-planned",
                   f"The initiative “{initiative.title}” will change it{instead}", actor=actor,
                   now=now, changes={"initiative_id": initiative.id})
    return change


def apply_change(initiative: Initiative, *, on: date, evidence: str, actor: User | None,
                 now: datetime) -> bool:
    """The initiative's check-in reported the change as an evidenced action on
    `on`: the incentive it names ends that day, its replacement (if any) takes
    effect that day, and the incentive's history shows what it rewarded before
    and after. Every conflict the old incentive was part of is resolved from
    `on`. Nothing happens without a named change, or when it already
    happened (True only when it happens now)."""
    change = db.session.scalar(select(IncentiveChange).where(
        IncentiveChange.initiative_id == initiative.id).with_for_update())
    if change is None or change.applied_on is not None:
        return False
    old = db.session.get(Incentive, change.incentive_id)
    if old is None or old.status != "in_effect":
        return False
    new = db.session.get(Incentive, change.replacement_id) if change.replacement_id else None
    before = history.snapshot(old, HISTORY_FIELDS)
    old.status, old.ended_on = "ended", on
    if new is not None and new.status == "proposed":
        new_before = history.snapshot(new, HISTORY_FIELDS)
        new.status, new.effective_from = "in_effect", on
        old.replaced_by_id = new.id
        history.record("incentive", new.id, "updated",
                       f"Took effect through the initiative “{initiative.title}”", actor=actor,
                       now=now, changes=history.diff(new_before, history.snapshot(new, HISTORY_FIELDS)))
    change.applied_on, change.applied_evidence = on, evidence[:500]
    after = history.snapshot(old, HISTORY_FIELDS)
    changes = history.diff(before, after)
    if new is not None:
        # Before and after in one event: what it paid for, and what pays instead.
        changes |= {"rewards": [old.rewards, new.rewards],
                    "metric_id": [old.metric_id, new.metric_id],
                    "rewarded_direction": [old.rewarded_direction, new.rewarded_direction]}
    history.record("incentive", old.id, "updated",
                   f"Changed by the initiative “{initiative.title}” (evidence: {evidence})",
                   actor=actor, now=now, changes=changes)
    history.record("initiative", initiative.id, "incentive",
                   f"The incentive “{old.label}” changed on {on:%d %b %Y}", actor=actor, now=now,
                   changes={"incentive_id": old.id})
    db.session.flush()
    return True


# The map, the conflicts and the count

def all_conflicts() -> list[Conflict]:
    """Every conflict, open and resolved (see `conflicts`), from one query,
    kept until the data changes (`tracker.cache`: every write to an
    incentive or a judgement records a history event). Callers must not
    change the list."""
    return cache.per_data_version("incentive_conflicts", None, _all_conflicts)


def _all_conflicts() -> list[Conflict]:
    rows = db.session.execute(
        select(Judgement.behaviour_id, Behaviour.name, Judgement.verdict, Incentive, Department.name)
        .join(Behaviour, Behaviour.id == Judgement.behaviour_id)
        .join(Incentive, Incentive.id == Judgement.incentive_id)
        .join(Department, Department.id == Incentive.department_id)
        .where(Judgement.verdict.in_(("supports", "pulls_against")),
               Incentive.status != "proposed")
    ).all()
    return find_conflicts(
        JudgedSide(behaviour_id, behaviour, verdict,
                   Side(i.id, i.department_id, department,
                        f"{department}: {i.rewards}" + (f" ({i.role_name})" if i.role_name else ""),
                        i.effective_from, i.ended_on))
        for behaviour_id, behaviour, verdict, i, department in rows)


def open_conflicts() -> list[Conflict]:
    return [c for c in all_conflicts() if c.is_open]


def conflicts_resolved_between(first: date, last: date) -> list[Conflict]:
    """Conflicts resolved on a day from `first` to `last`, both included."""
    return [c for c in all_conflicts()
            if c.resolved_on is not None and first <= c.resolved_on <= last]


def pulling_count() -> int:
    """How many incentives in effect a person judged to pull against the change: one query."""
    return db.session.scalar(
        select(func.count(func.distinct(Judgement.incentive_id)))
        .join(Incentive, Incentive.id == Judgement.incentive_id)
        .where(Incentive.status == "in_effect", Judgement.verdict == "pulls_against")) or 0


# What a cell of the map shows, worst first: one word beside the colour.
CELL_STATES = {"pulls_against": "Pulls against", "mixed": "Mixed", "supports": "Supports",
               "neutral": "Neutral", "unjudged": "Not judged"}
# Incentives a cell of the map names; the rest are counted ("and 12 more").
CELL_SHOWN = 3


@dataclass(frozen=True)
class MapIncentive:
    """An incentive in effect as the map names it (plain values, so the map can be kept)."""

    id: int
    rewards: str
    role_name: str


@dataclass(frozen=True)
class MapJudgement:
    verdict: str

    @property
    def verdict_label(self) -> str:
        return VERDICTS.get(self.verdict, self.verdict)


@dataclass(frozen=True)
class MapRow:
    """A department (a column) or a behaviour (a row) of the map."""

    id: int
    name: str
    is_no_no: bool = False


@dataclass
class Cell:
    entries: list[tuple[MapIncentive, MapJudgement | None]] = field(default_factory=list)

    @cached_property
    def state(self) -> str:
        """pulls_against, mixed (some support, some pull), supports, neutral,
        unjudged (paid on something nobody judged yet), or "" (paid on nothing)."""
        verdicts = {j.verdict for _, j in self.entries if j is not None}
        if "pulls_against" in verdicts:
            return "mixed" if "supports" in verdicts else "pulls_against"
        if "supports" in verdicts:
            return "supports"
        if verdicts:
            return "neutral"
        return "unjudged" if self.entries else ""

    @property
    def state_label(self) -> str:
        return CELL_STATES.get(self.state, "")

    @cached_property
    def shown(self) -> list[tuple[MapIncentive, MapJudgement | None]]:
        """The entries the map lists, worst first (pulls against, supports,
        neutral, not judged): at most CELL_SHOWN, so that a department paid
        on dozens of things keeps the map readable (and its page small)."""
        order = {"pulls_against": 0, "supports": 1, "neutral": 2}
        ranked = sorted(self.entries, key=lambda e: (order.get(e[1].verdict, 3) if e[1] else 3, e[0].id))
        return ranked[:CELL_SHOWN]

    @property
    def hidden(self) -> int:
        """How many entries the map does not list."""
        return max(len(self.entries) - CELL_SHOWN, 0)


@dataclass
class IncentiveMap:
    departments: list[MapRow]
    behaviours: list[MapRow]
    cells: dict[tuple[int, int], Cell]  # (behaviour id, department id)
    conflicts: list[Conflict]
    pulling: int

    def cell(self, behaviour_id: int, department_id: int) -> Cell:
        return self.cells.get((behaviour_id, department_id), Cell())


def incentive_map() -> IncentiveMap:
    """Departments paid on an incentive in effect, against every behaviour
    (targets, then no-nos), in a fixed number of queries; kept until the
    data changes (`tracker.cache`). Callers must not change it."""
    return cache.per_data_version("incentive_map", None, _incentive_map)


def _incentive_map() -> IncentiveMap:
    in_effect = Incentive.status == "in_effect"
    incentives = db.session.execute(
        select(Incentive.id, Incentive.rewards, Incentive.role_name, Department.id, Department.name)
        .join(Department, Department.id == Incentive.department_id)
        .where(in_effect).order_by(Incentive.id)).all()
    departments = sorted({d_id: MapRow(d_id, d_name) for *_, d_id, d_name in incentives}.values(),
                         key=lambda d: d.name)
    behaviours = [MapRow(b_id, name, kind == "no_no") for b_id, name, kind in db.session.execute(
        select(Behaviour.id, Behaviour.name, Behaviour.kind)
        .order_by(Behaviour.kind.desc(), func.lower(Behaviour.name), Behaviour.id))]
    judgements = {(i_id, b_id): MapJudgement(verdict) for i_id, b_id, verdict in db.session.execute(
        select(Judgement.incentive_id, Judgement.behaviour_id, Judgement.verdict)
        .join(Incentive, Incentive.id == Judgement.incentive_id).where(in_effect))}
    cells: dict[tuple[int, int], Cell] = {}
    for b in behaviours:
        for i_id, rewards, role_name, d_id, _ in incentives:
            cells.setdefault((b.id, d_id), Cell()).entries.append(
                (MapIncentive(i_id, rewards, role_name), judgements.get((i_id, b.id))))
    pulling = len({i for (i, _), j in judgements.items() if j.verdict == "pulls_against"})
    return IncentiveMap(departments, behaviours, cells, all_conflicts(), pulling)


def incentive_options(incentive: Incentive) -> dict[str, Any]:
    """What the incentive page shows beside it: judgements, suggestions and changes."""
    behaviours = list(db.session.scalars(
        select(Behaviour).order_by(Behaviour.kind.desc(), func.lower(Behaviour.name), Behaviour.id)))
    return {"behaviours": behaviours, "judgements": judgements_of(incentive.id),
            "suggestions": suggestions_for(incentive, behaviours),
            "changes": changes_of(incentive.id)}


def visible_changes(changes: dict[str, Any], reader: User) -> dict[str, Any]:
    """`changes` without the fields `reader` may not see (named group, weight)."""
    if may(reader, "read_incentive_details"):
        return changes
    return {k: v for k, v in changes.items() if k not in PRIVATE_FIELDS}




def metric_choices() -> Options:
    """Every metric by name, for the incentive form's select, kept until the
    data changes (a metric added or renamed records a history event)."""
    return kept_options("incentive_metrics", lambda: db.session.execute(
        select(Metric.id, Metric.name).order_by(func.lower(Metric.name))).tuples())
