"""What the initiative page builds from what it loaded: the timeline that
puts acts next to metric moves, and each linked metric with its chart.

Plain functions over loaded objects and rows; they run no query. The page's
loading stays in the services of the domains that own the data (history,
metrics, check-ins, people), which sit partly above this one.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from tracker import charts
from tracker.checkins.models import Entry
from tracker.db import AnyRow
from tracker.history.models import HistoryEvent
from tracker.initiatives.models import Initiative, InitiativeMetric
from tracker.metrics.models import Metric, change_wording

# The timeline shows this many entries a page.
TIMELINE_PER_PAGE = 20
# The kinds of marker on a linked metric's chart, as its legend names them.
MARKER_STATUS = "Started or changed status"
MARKER_ACTION = "Action reported"
MARKER_EXPECTED = "Effect expected by"

# A plain word per kind of event. Never "done": a check-in full of talk is not progress.
EVENT_LABELS = {"created": "Logged", "updated": "Edited", "status": "Status",
                "metric linked": "Metric", "metric unlinked": "Metric", "check-in": "Check-in",
                "amendment": "Check-in", "review": "Review"}


def _unit_suffix(unit: str) -> str:
    return unit if unit.startswith("%") or not unit else f" {unit}"


def quantity(value: float, unit: str) -> str:
    """"80%", "12 days": a number for people, with its unit."""
    return charts.format_number(value) + _unit_suffix(unit)


def signed(value: float, unit: str) -> str:
    """A change in the metric's own unit: "+3 points" (of a percentage), "-2 days"."""
    return change_wording(value, unit, signed=True)


def shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class TimelineEntry:
    """One line of the timeline: something done (an event) or something seen (a reading)."""

    day: date
    kind: str  # "event" or "reading"
    label: str
    text: str
    detail: str = ""
    movement: str = ""  # for readings: "toward" or "away" from the target, or ""
    order: float = 0.0


def _event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action.replace("_", " ").capitalize())


def build_timeline(events: Sequence[HistoryEvent], links: Iterable[InitiativeMetric],
                   readings: dict[int, list[AnyRow]], day_of: Callable[[datetime], date],
                   limit: int = TIMELINE_PER_PAGE, actions: Iterable[Entry] = (),
                   reading_totals: dict[int, int] | None = None) -> tuple[list[TimelineEntry], int]:
    """History events and metric readings in one list, newest first, so the
    acts that came before a metric moved are read next to the move. Returns
    the newest `limit` entries and how many there are in all. `day_of` turns
    an event's UTC time into the organisation's calendar day.

    `readings` holds each metric's readings oldest first; it may be only the
    newest `limit + 1` of them (no older one can make the newest `limit`),
    with `reading_totals` saying how many each metric has. The oldest of a
    cut-off list is then shown only as the base of the next one's change.
    """
    reading_totals = reading_totals or {}
    entries = [TimelineEntry(day=day_of(e.at), kind="event", label=_event_label(e.action),
                             text=e.summary,
                             detail=e.actor.display_name if e.actor else "System",
                             order=e.at.timestamp())
               for e in events]
    entries += [TimelineEntry(day=a.happened_on, kind="event", label="Action",
                              text=a.text, detail=(a.done_by + (" · " + a.evidence if a.evidence
                                                                else " · no evidence")),
                              order=a.created_at.timestamp())
                for a in actions if a.happened_on]
    total = len(entries)
    # On one day, what was done is listed above what was observed.
    keyed: list[tuple[tuple[date, bool, float], Any]] = [((e.day, True, e.order), e) for e in entries]
    for link in links:
        previous, series = None, readings.get(link.metric_id, [])
        total += max(reading_totals.get(link.metric_id, 0), len(series))
        if series and reading_totals.get(link.metric_id, 0) > len(series):
            previous, series = series[0].value, series[1:]
        for reading in series:
            keyed.append(((reading.observed_on, False, 0.0), (link.metric, reading, previous)))
            previous = reading.value
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    # Readings are put into words only once they make the cut: most do not.
    return [item if isinstance(item, TimelineEntry) else _reading_entry(*item)
            for _, item in keyed[:limit]], total


def _reading_entry(metric: Metric, reading: AnyRow, previous: float | None) -> TimelineEntry:
    text = f"{metric.name}: {quantity(reading.value, metric.unit)}"
    if previous is not None:
        text += f" ({signed(reading.value - previous, metric.unit)})"
    return TimelineEntry(day=reading.observed_on, kind="reading", label="Reading", text=text,
                         detail=reading.note, movement=metric.movement(previous, reading.value))


@dataclass
class LinkedMetric:
    """A linked metric as the page shows it."""

    link: InitiativeMetric
    readings: list[AnyRow]  # the newest `shown` readings, newest first
    total: int  # how many readings the metric has in all
    charts: dict[str, str]  # "wide" for screens, "narrow" for phones
    markers: list[tuple[date, str, str]]  # (day, label, kind)
    moved: float | None  # change from the last reading at or before the start to the latest
    movement: str  # "toward" or "away" from the target over that change, or ""

    @property
    def latest(self) -> AnyRow | None:
        return self.readings[0] if self.readings else None


def linked_metrics(initiative: Initiative, points: dict[int, list[tuple[date, float]]],
                   recent: dict[int, list[AnyRow]], events: Sequence[HistoryEvent],
                   day_of: Callable[[datetime], date], actions: Iterable[Entry],
                   shown: int) -> list[LinkedMetric]:
    """Each link with its chart (every reading, from `points`) and its table
    (the newest `shown` of `recent`, which holds each metric's newest readings)."""
    # Each kind of marker gets its own shape and a line in the chart's legend.
    markers = [(initiative.start_date, f"start of {initiative.title}", MARKER_STATUS)]
    markers += [(day_of(e.at), e.summary, MARKER_STATUS) for e in events if e.action == "status"]
    # The acts, on the metric charts: did the numbers move after them?
    markers += [(a.happened_on, "action: " + shorten(a.text), MARKER_ACTION)
                for a in actions if a.happened_on]
    out = []
    for link in initiative.metric_links:
        metric, series = link.metric, points.get(link.metric_id, [])
        sign = 1 if link.expected_direction == "increase" else -1
        expected = f"expected {signed(sign * link.expected_amount, metric.unit)}"
        marked = sorted([*markers, (link.expected_by, expected, MARKER_EXPECTED)], key=lambda m: m[0])

        # The metric's name is the card's heading: the drawings do not repeat it.
        draw = partial(charts.line_chart, unit=metric.unit, baseline=metric.baseline,
                       target=metric.target, target_date=metric.target_date, markers=marked,
                       heading=False)
        before = [value for day, value in series if day <= initiative.start_date]
        reference = before[-1] if before else metric.baseline
        latest = series[-1][1] if series else None
        out.append(LinkedMetric(
            link=link, readings=recent.get(link.metric_id, [])[-shown:][::-1], total=len(series),
            # An SVG scales its text with its width: a wide drawing for
            # screens, a narrow one for phones, so both stay readable.
            charts={"wide": draw(f"metric-chart-{link.id}", metric.name, series, width=640, height=260),
                    "narrow": draw(f"metric-chart-{link.id}-narrow", metric.name, series,
                                   width=330, height=240)},
            markers=marked, moved=latest - reference if latest is not None else None,
            movement=metric.movement(reference, latest)))
    return out
