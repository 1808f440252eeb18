"""The judgement the app suggests for an incentive against a behaviour: a
plain rule over plain values, no database. A person confirms or changes it.

The rule, in order:

1. No linked metric: *neutral*, nothing to compare.
2. The incentive's metric observes the behaviour itself: it *supports* the
   change when it pays for the metric to move the way the metric says is
   better (its `direction`; for a no-no's metric that is the way the no-no
   shrinks), and *pulls against* it when it pays for the other way.
3. Otherwise its metric is compared, month by month, with each metric that
   observes the behaviour. A month counts *with* the change when the
   incentive's metric moved the way it pays for and the behaviour's metric
   moved toward better (or both moved the other way), and *against* when one
   went the paid way while the other got worse (or the behaviour improved
   while the incentive's metric went the unpaid way). At least
   `MIN_MONTHS` counted months and two in three of them one way: that way's
   verdict. An incentive on call length (paid to go down) pulls against
   "calls answered by our own staff" when, month after month, the share
   answered by our own staff rose while calls got longer.
4. Anything less: *neutral*.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

MIN_MONTHS = 3
REASON_LENGTH = 200


@dataclass(frozen=True)
class MetricFacts:
    """A metric as the rule sees it: which way is better, and its readings."""

    id: int
    name: str
    direction: str  # "higher" or "lower" is better
    readings: Sequence[tuple[date, float]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Suggestion:
    verdict: str  # "supports", "neutral" or "pulls_against"
    reason: str


def _monthly(readings: Iterable[tuple[date, float]]) -> dict[tuple[int, int], float]:
    """The last reading of each month."""
    months: dict[tuple[int, int], tuple[date, float]] = {}
    for day, value in readings:
        key = (day.year, day.month)
        if key not in months or day >= months[key][0]:
            months[key] = (day, value)
    return {key: value for key, (_, value) in months.items()}


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def _co_movement(paid: MetricFacts, paid_up: bool, observed: MetricFacts) -> tuple[int, int]:
    """(months with the change, months against it) over the months both have readings."""
    a, b = _monthly(paid.readings), _monthly(observed.readings)
    months = sorted(set(a) & set(b))
    better_up = observed.direction == "higher"
    with_, against = 0, 0
    for before, after in zip(months, months[1:], strict=False):
        paid_way = _sign(a[after] - a[before]) * (1 if paid_up else -1)
        toward = _sign(b[after] - b[before]) * (1 if better_up else -1)
        if paid_way == 0 or toward == 0:
            continue
        if paid_way == toward:
            with_ += 1
        else:
            against += 1
    return with_, against


def _short(text: str) -> str:
    return text if len(text) <= REASON_LENGTH else text[:REASON_LENGTH - 1] + "…"


def suggest(*, paid: MetricFacts | None, rewarded_direction: str | None, behaviour: str,
            observed_by: Sequence[MetricFacts]) -> Suggestion:
    """The suggested judgement of an incentive paying for `paid` to move
    `rewarded_direction` ("increase" or "decrease") against the behaviour
    named `behaviour`, observed by the metrics `observed_by` (see the module
    docstring for the rule). The reason is one line of at most 200 characters."""
    if paid is None or rewarded_direction not in ("increase", "decrease"):
        return Suggestion("neutral", "No metric is linked to this incentive: judge it by hand.")
    paid_up = rewarded_direction == "increase"
    way = "up" if paid_up else "down"
    for metric in observed_by:
        if metric.id == paid.id:
            if paid_up == (metric.direction == "higher"):
                return Suggestion("supports", _short(
                    f"Pays for {metric.name} to go {way}, the way that shows {behaviour}."))
            return Suggestion("pulls_against", _short(
                f"Pays for {metric.name} to go {way}, but it observes {behaviour} the other way."))
    best: tuple[int, str, MetricFacts, int, int] | None = None
    for metric in observed_by:
        with_, against = _co_movement(paid, paid_up, metric)
        counted = with_ + against
        if counted < MIN_MONTHS:
            continue
        for verdict, agreeing in (("supports", with_), ("pulls_against", against)):
            if 3 * agreeing >= 2 * counted and (best is None or agreeing > best[0]):
                best = (agreeing, verdict, metric, counted, agreeing)
    if best is None:
        return Suggestion("neutral", _short(
            f"{paid.name} does not observe {behaviour}, and no metric of it moves with {paid.name}."))
    _, verdict, metric, counted, agreeing = best
    if verdict == "supports":
        return Suggestion(verdict, _short(
            f"In {agreeing} of {counted} months {metric.name} improved as {paid.name} went the way "
            f"this pays for."))
    return Suggestion(verdict, _short(
        f"In {agreeing} of {counted} months {metric.name} improved as {paid.name} went the other "
        f"way from what this pays for ({way})."))
