"""Conflicts between departments: a plain rule over plain values, no database.

A *touchpoint* here is a behaviour, a target or a no-no: the one place where
customers meet what every department does. Two departments are in conflict
on a touchpoint when one is paid on an incentive judged to *support* that
behaviour and another on an incentive judged to *pull against* it, and both
incentives were in effect at the same time. A conflict is open while both
are in effect; it is resolved from the day the first of them ended (an
initiative changed it, see `services.apply_change`). Only a person's
judgements count, never the app's suggestion.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Side:
    """One incentive as the rule sees it."""

    incentive_id: int
    department_id: int
    department: str
    label: str  # what it rewards, fit for every reader (no named group, no weight)
    effective_from: date | None  # None: proposed, never in effect
    ended_on: date | None


@dataclass(frozen=True)
class JudgedSide:
    behaviour_id: int
    behaviour: str
    verdict: str
    side: Side


@dataclass(frozen=True)
class Conflict:
    """Two departments on one touchpoint: the incentives of `pulling`'s
    department that pull against the behaviour and those of `supporting`'s
    that support it, each pair of them in effect together at some time."""

    behaviour_id: int
    behaviour: str
    supporting: tuple[Side, ...]
    pulling: tuple[Side, ...]
    resolved_on: date | None  # None while some pair is still in effect together

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None

    @property
    def name(self) -> str:
        return (f"{self.pulling[0].department} against {self.supporting[0].department} "
                f"on “{self.behaviour}”")


def _overlap(a: Side, b: Side) -> bool:
    if a.effective_from is None or b.effective_from is None:
        return False
    a_end, b_end = a.ended_on or date.max, b.ended_on or date.max
    return a.effective_from < b_end and b.effective_from < a_end


def _pair_resolved_on(a: Side, b: Side) -> date | None:
    ends = [d for d in (a.ended_on, b.ended_on) if d is not None]
    return min(ends) if ends else None


def find_conflicts(judged: Iterable[JudgedSide]) -> list[Conflict]:
    """Every conflict among the judgements `judged`, one per behaviour and
    pair of departments: open ones first, then the most recently resolved;
    by behaviour and departments within each. A conflict is open while any
    of its pairs is; otherwise it was resolved the day its last pair was."""
    by_behaviour: dict[int, list[JudgedSide]] = {}
    for j in judged:
        by_behaviour.setdefault(j.behaviour_id, []).append(j)
    groups: dict[tuple[int, int, int], list[tuple[JudgedSide, JudgedSide]]] = {}
    for sides in by_behaviour.values():
        supporting = [j for j in sides if j.verdict == "supports"]
        pulling = [j for j in sides if j.verdict == "pulls_against"]
        for s in supporting:
            for p in pulling:
                if s.side.department_id != p.side.department_id and _overlap(s.side, p.side):
                    key = (s.behaviour_id, p.side.department_id, s.side.department_id)
                    groups.setdefault(key, []).append((s, p))
    found = []
    for pairs in groups.values():
        ends = [_pair_resolved_on(s.side, p.side) for s, p in pairs]
        resolved = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
        first = pairs[0][0]
        found.append(Conflict(
            first.behaviour_id, first.behaviour,
            supporting=tuple(sorted({s.side for s, _ in pairs}, key=lambda x: x.incentive_id)),
            pulling=tuple(sorted({p.side for _, p in pairs}, key=lambda x: x.incentive_id)),
            resolved_on=resolved))
    return sorted(found, key=lambda c: (not c.is_open, -(c.resolved_on or date.min).toordinal(),
                                        c.behaviour, c.pulling[0].department,
                                        c.supporting[0].department))
