"""Server-rendered charts: inline SVG for pages, an HTML bar for email.

Every function returns ``markupsafe.Markup`` that a template can print as is.
All caller-supplied text goes through Markup's auto-escaping, so titles,
labels and series names can never inject markup. Colours are presentation
attributes (not ``style``) so charts look right without a stylesheet and are
not blocked by a ``style-src`` Content-Security-Policy; pages may restyle them
through the ``chart-*`` classes. Meaning never rests on colour alone:
reference lines are dashed and named in the legend, talk bars are hatched,
each kind of marker has its own shape.

No text is drawn over the data or over other text: reference lines and
markers are explained in a legend below the plot, laid out in rows from an
estimate of each label's width (the server has no font metrics, so the
estimate is generous), and tick labels keep clear of each other and of the
markers on the date axis. tests/browser/test_layout.py checks this with the
bounding boxes Chromium draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
_INK, _MUTED, _GRID, _FRAME = "#1f2937", "#4b5563", "#e5e7eb", "#d1d5db"
_LINE, _BASELINE, _TARGET, _MARKER = "#1d4ed8", "#6b7280", "#047857", "#b45309"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# A line chart gives each reading its own dot with a tooltip only up to this
# many readings: beyond it the dots merge into a smear, and hundreds of
# tooltips make the page heavy while helping nobody find one reading.
POINT_MARKER_LIMIT = 60
# When thinning a long series, each bucket this many pixels wide keeps at most
# four readings (first, lowest, highest, last): one per pixel across the plot.
_THIN_BUCKET_PX = 4
# The width of one character of 11px text, generously: labels are laid out with
# it, and an underestimate would let neighbours overlap.
_CHAR_PX = 7.0
_LEGEND_ROW_PX = 18
# Marker shapes, one per kind of marker in order of first appearance (a path
# of about 10 px, its bottom on the date axis).
_MARKER_SHAPES = (
    ("triangle", "l5 9 h-10 z", 0),
    ("diamond", "l5 5 l-5 5 l-5 -5 z", 1),
    ("square", "m-4 1 h8 v8 h-8 z", 0),
)
# Reference lines differ in dash pattern as well as colour.
_REFERENCE_STYLES = {
    "Baseline": ("chart-baseline", _BASELINE, "6 4"),
    "Target": ("chart-target", _TARGET, "2 3"),
}
# (css class, fill, pattern): the first series is action (solid), the second talk (hatched),
# so the say/do difference survives greyscale printing and colour blindness.
_BAR_STYLES = (
    ("chart-bar-action", _LINE, None),
    ("chart-bar-talk", None, "hatch"),
    ("chart-bar-other", None, "dots"),
)


def format_number(value: float) -> str:
    """Return ``value`` compactly for people: ``1,234.5``, ``0.25``, ``2.5M``, ``-12``.

    At most two decimals with trailing zeros trimmed; millions and up get
    M/B/T, 10^15 and up scientific notation. Never ``-0``; ``n/a`` if not finite.
    """
    value = float(value)
    if not math.isfinite(value):
        return "n/a"
    size = abs(value)
    if size >= 1e15:
        return f"{value:.3g}"
    if 0 < size < 0.01:
        return f"{value:.2g}"
    suffix = ""
    for divisor, letter in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if size >= divisor:
            value, suffix = value / divisor, letter
            break
    return _trim(f"{value:,.2f}") + suffix


def _trim(text: str) -> str:
    text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _px(value: float) -> str:
    return _trim(f"{value:.2f}")


@dataclass(frozen=True)
class _Scale:
    """Maps the domain [lo, hi] linearly onto the pixel range [start, end].

    A zero-span domain (one reading, all values equal) maps to the middle of
    the range instead of dividing by zero.
    """

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        # Halving first keeps hi - lo finite even for values near the float limit.
        span = self.hi / 2 - self.lo / 2
        if span == 0:
            return (self.start + self.end) / 2
        return self.start + (value / 2 - self.lo / 2) / span * (self.end - self.start)


def _nice_ticks(lo: float, hi: float, max_intervals: int = 4) -> list[float]:
    """Return at most ``max_intervals + 1`` round ticks; the first and last enclose [lo, hi]."""
    if lo == hi == 0:
        # Nothing but zeros: an axis from 0 up, never one inventing negatives.
        hi = 1.0
    elif lo == hi:
        pad = abs(lo) * 0.1
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max_intervals
    if not (math.isfinite(raw) and raw > 0):
        return [lo, hi]
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10, 20):
        step = multiple * magnitude
        first, last = math.floor(lo / step), math.ceil(hi / step)
        if last - first <= max_intervals:
            break
    # Twelve significant digits drop float drift such as 0.30000000000000004.
    return [float(f"{i * step:.12g}") for i in range(first, last + 1)]


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _date_ticks(first: date, last: date, max_ticks: int) -> list[tuple[date, str]]:
    """Return (date, label) ticks: month starts ("Feb 2026") when the span is a
    quarter or more, otherwise up to ``max_ticks`` evenly spaced ISO dates."""
    span = (last - first).days
    if span < 90:
        count = min(max_ticks, span + 1)
        offsets = sorted({round(i * span / max(count - 1, 1)) for i in range(count)})
        return [(d, d.isoformat()) for d in (first + timedelta(days=n) for n in offsets)]
    # Month labels are only honest on the first of the month, so ticks start there.
    year, month = (first.year, first.month)
    if first.day != 1:
        year, month = _next_month(year, month)
    starts = []
    while (start := date(year, month, 1)) <= last:
        starts.append(start)
        year, month = _next_month(year, month)
    step = math.ceil(len(starts) / max_ticks)
    return [(d, f"{_MONTHS[d.month - 1]} {d.year}") for d in starts[::step]]


def _el(tag: str, *children: str, **attrs: object) -> Markup:
    """One element. ``class_`` becomes ``class`` and ``_`` becomes ``-`` in
    attribute names; None attributes are left out; numbers are rounded to
    0.01 px. Attribute values and plain-str children are escaped; tag and
    attribute names are this module's own, never caller text."""
    # Joined as plain strings and wrapped once: a chart has hundreds of
    # elements, and Markup.format per attribute cost more than the drawing.
    parts = [f"<{tag}"]
    for name, value in attrs.items():
        if value is not None:
            shown = _px(value) if isinstance(value, int | float) else escape(value)
            parts.append(f' {name.rstrip("_").replace("_", "-")}="{shown}"')
    if not children:
        parts.append("/>")
    else:
        parts.append(">")
        parts.extend(c if isinstance(c, Markup) else escape(c) for c in children)
        parts.append(f"</{tag}>")
    return Markup("".join(parts))  # noqa: S704 - every value and child is escaped above


def _text(
    x: float, y: float, content: str, css: str, anchor: str | None = None, **attrs: object
) -> Markup:
    attrs.setdefault("fill", _INK)
    return _el("text", content, class_=css, x=x, y=y, text_anchor=anchor, **attrs)


def _line(
    css: str, x1: float, y1: float, x2: float, y2: float, stroke: str, dash: str | None = None
) -> Markup:
    return _el(
        "line", class_=css, x1=x1, y1=y1, x2=x2, y2=y2, stroke=stroke, stroke_width="1.5",
        stroke_dasharray=dash,
    )


def _polyline(coords: list[tuple[float, float]], stroke_width: str) -> Markup:
    # A tenth of a pixel is finer than any screen draws; at hundreds of
    # points, shorter numbers are a visibly smaller page.
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
    return _el(
        "polyline", class_="chart-line", points=points, fill="none", stroke=_LINE,
        stroke_width=stroke_width, stroke_linejoin="round",
    )


def _thinned(coords: list[tuple[float, float]], width: float) -> list[tuple[float, float]]:
    """The points worth drawing when there are more than pixels across ``width``.

    The plot is cut into buckets a few pixels wide; each keeps its first,
    lowest, highest and last point in their original order, so the line's
    shape, every spike and dip, and the first and last reading are kept
    while points that would land on the same pixels are dropped. ``coords``
    must be sorted by x.
    """
    if len(coords) <= width:
        return coords
    buckets: dict[int, list[int]] = {}
    start = coords[0][0]
    for i, (cx, _) in enumerate(coords):
        buckets.setdefault(int((cx - start) // _THIN_BUCKET_PX), []).append(i)
    keep: list[int] = []
    for members in buckets.values():
        # In SVG a smaller y is drawn higher: min y is the highest value.
        peak = min(members, key=lambda i: coords[i][1])
        trough = max(members, key=lambda i: coords[i][1])
        keep += sorted({members[0], peak, trough, members[-1]})
    return [coords[i] for i in keep]


def _svg(chart_id: str, kind: str, title: str, desc: str, size: tuple[int, int],
         body: Iterable[Markup]) -> Markup:
    if not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart_id must start with a letter, then [A-Za-z0-9_-]: {chart_id!r}")
    width, height = size
    return _el(
        "svg",
        _el("title", title, id=f"{chart_id}-title"),
        _el("desc", desc, id=f"{chart_id}-desc"),
        *body,
        xmlns=SVG_NS, class_=f"chart {kind}", role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc", width=width, height=height,
        viewBox=f"0 0 {width} {height}", font_family=_FONT, font_size="11", fill=_INK,
    )


def _empty(size: tuple[int, int], message: str, inset: float = 1.0) -> list[Markup]:
    width, height = size
    frame = _el(
        "rect", class_="chart-frame", x=inset, y=inset, width=width - 2 * inset,
        height=height - 2 * inset, fill="#ffffff", stroke=_FRAME,
    )
    return [frame, _text(width / 2, height / 2 + 4, message, "chart-empty", "middle")]


def _heading(title: str) -> Markup:
    # Visible too, so a chart pasted or mailed on its own still says what it shows.
    return _text(8, 18, title, "chart-heading", font_weight="bold", font_size="13")


def _text_width(text: str) -> float:
    return _CHAR_PX * len(text)


def _plot_left(ticks: list[float], axis_label: str) -> float:
    """Room left of the plot for the widest tick label and the rotated axis label."""
    widest = max(_text_width(format_number(t)) for t in ticks)
    return max(48.0, widest + (30 if axis_label else 12))


def _legend(items: list[tuple[Markup, str, str]], left: float, top: float,
            width: float) -> tuple[list[Markup], float]:
    """Legend items (swatch drawn in a 14x12 box at the origin, label, css
    class) in rows from `left`, wrapping before `width`; returns the elements
    and the height they take."""
    parts, x, y = [], left, top
    for swatch, label, css in items:
        item_width = 20 + _text_width(label)
        if x > left and x + item_width > width - 4:
            x, y = left, y + _LEGEND_ROW_PX
        parts.append(_el("g", _el("g", swatch, transform=f"translate({_px(x)} {_px(y)})"),
                         _text(x + 20, y + 10, label, "chart-legend"),
                         class_=f"chart-legend-item {css}"))
        x += item_width + 14
    return parts, (y - top + _LEGEND_ROW_PX) if items else 0.0

def _y_axis(ticks: list[float], y: _Scale, left: float, right: float, label: str) -> list[Markup]:
    parts = []
    for tick in ticks:
        parts.append(_line("chart-grid", left, y(tick), right, y(tick), _GRID))
        parts.append(_text(left - 6, y(tick) + 4, format_number(tick), "chart-y-tick", "end"))
    parts.append(_line("chart-axis", left, y(ticks[0]), left, y(ticks[-1]), _MUTED))
    if label:
        middle = (y(ticks[0]) + y(ticks[-1])) / 2
        parts.append(
            _text(-middle, 14, label, "chart-axis-label", "middle", transform="rotate(-90)")
        )
    return parts


def _day(value: date) -> date:
    # datetimes are dates too; drop the time so ticks and labels stay calendar days.
    return value if type(value) is date else date.fromordinal(value.toordinal())


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(float(value))


def _references(baseline: float | None, target: float | None) -> dict[str, float]:
    """{"Baseline": b, "Target": t} for the reference values that can be drawn."""
    pairs = (("Baseline", baseline), ("Target", target))
    return {name: float(v) for name, v in pairs if v is not None and _finite(v)}


Marker = tuple[date, str] | tuple[date, str, str]


def line_chart(
    chart_id: str,
    title: str,
    points: Sequence[tuple[date, float]],
    *,
    unit: str = "",
    baseline: float | None = None,
    target: float | None = None,
    target_date: date | None = None,
    markers: Sequence[Marker] = (),
    width: int = 640,
    height: int = 260,
    heading: bool = True,
) -> Markup:
    """Metric readings over time as an accessible inline SVG.

    The readings (NaN and infinity cannot be placed and are left out) are one
    ``polyline.chart-line``. Up to ``POINT_MARKER_LIMIT`` readings each also
    get a ``circle.chart-point`` whose ``<title>`` gives date and value;
    longer series get one ``circle.chart-latest`` for the newest reading
    instead, and when they have more readings than the plot has pixels the
    line is thinned to the first, lowest, highest and last reading of every
    few pixels, so spikes stay visible. The ``<desc>`` states how many
    readings there are, their dates, the latest, lowest and highest values.
    Baseline and target are dashed lines, named with their values in the
    legend below the plot ("Baseline 12", "Target 3 by 2026-06-30"); the date
    axis reaches ``target_date`` when given. Each marker is (date, label) or
    (date, label, kind): a shape on the date axis with a dotted line up,
    whose ``<title>`` is its date and label; each kind gets its own shape and
    a legend entry naming the kind ("Marked" without one). ``heading=False``
    leaves the title out of the drawing (the page's heading says it; the
    ``<title>`` still does). With no readings the frame says "No readings
    yet". ``height`` is the plot's; the legend adds its rows below. Raises
    ValueError for a bad chart_id.
    """
    readings = sorted((_day(d), float(v)) for d, v in points if _finite(v))
    refs = _references(baseline, target)
    notes = sorted(((_day(m[0]), str(m[1]), str(m[2]) if len(m) > 2 else "Marked")
                    for m in markers), key=lambda m: m[0])
    # "80%" but "12 days": a percent sign hugs its number.
    unit_suffix = unit if unit.startswith("%") or not unit else f" {unit}"
    if not readings:
        message = "No readings yet"
        return _svg(chart_id, "line-chart", title, message + ".", (width, height),
                    _empty((width, height), message))

    values = [v for _, v in readings] + list(refs.values())
    ticks = _nice_ticks(min(values), max(values))
    axis_label = unit or "Value"
    left, right = _plot_left(ticks, axis_label), width - 24
    top, bottom = (30 if heading else 10), height - 44
    y = _Scale(ticks[0], ticks[-1], bottom, top)
    days = [d for d, _ in readings] + [d for d, _, _ in notes]
    days += [_day(target_date)] if target_date is not None else []
    x = _Scale(min(days).toordinal(), max(days).toordinal(), left, right)

    body = [_heading(title)] if heading else []
    body += _y_axis(ticks, y, left, right, axis_label)
    body.append(_line("chart-axis", left, bottom, right, bottom, _MUTED))
    ticks_x = _date_ticks(min(days), max(days), max(2, min(6, int(right - left) // 90)))
    for day, label in ticks_x:
        body.append(_line("chart-axis", x(day.toordinal()), bottom, x(day.toordinal()),
                          bottom + 4, _MUTED))
        # Low enough to clear the lowest y tick label and the markers on the
        # axis; a label near the right edge moves in rather than being cut off.
        half = _text_width(label) / 2
        body.append(_text(min(x(day.toordinal()), width - 2 - half), bottom + 20, label,
                          "chart-x-tick", "middle"))
    body.append(_text((left + right) / 2, bottom + 38, "Date", "chart-axis-label", "middle"))

    legend: list[tuple[Markup, str, str]] = []
    for name, value in refs.items():
        css, colour, dash = _REFERENCE_STYLES[name]
        label = f"{name} {format_number(value)}{unit_suffix}"
        if name == "Target" and target_date is not None:
            label += f" by {_day(target_date).isoformat()}"
        body.append(_line(css, left, y(value), right, y(value), colour, dash))
        legend.append((_line(f"{css}-swatch", 0, 6, 14, 6, colour, dash), label, f"{css}-label"))

    shapes: dict[str, str] = {}
    for day, label, kind in notes:
        if kind not in shapes:
            shapes[kind] = _MARKER_SHAPES[len(shapes) % len(_MARKER_SHAPES)][0]
        shape = next(m for m in _MARKER_SHAPES if m[0] == shapes[kind])
        px = x(day.toordinal())
        body.append(_el(
            "g",
            _el("title", f"{day.isoformat()}: {label}"),
            _line("chart-marker-line", px, top, px, bottom, _MARKER, "1 3"),
            _el("path", d=f"M{_px(px)} {bottom - 9 - shape[2]} {shape[1]}", fill=_MARKER),
            class_=f"chart-marker chart-marker-{shapes[kind]}",
        ))
    for kind, shape_name in shapes.items():
        shape = next(m for m in _MARKER_SHAPES if m[0] == shape_name)
        count = sum(1 for note in notes if note[2] == kind)
        legend.append((_el("path", d=f"M7 {1 - shape[2]} {shape[1]}", fill=_MARKER),
                       f"{kind} ({count})" if count > 1 else kind,
                       f"chart-legend-marker chart-marker-{shape_name}"))

    coords = [(x(d.toordinal()), y(v)) for d, v in readings]
    if len(coords) > 1:
        body.append(_polyline(_thinned(coords, right - left), "2"))

    def tip(day: date, value: float) -> str:
        return f"{day.isoformat()}: {format_number(value)}{unit_suffix}"

    if len(readings) <= POINT_MARKER_LIMIT:
        for (day, value), (cx, cy) in zip(readings, coords, strict=True):
            body.append(_el("circle", _el("title", tip(day, value)), class_="chart-point",
                            cx=cx, cy=cy, r="3.5", fill=_LINE, stroke="#ffffff"))
    else:
        (cx, cy) = coords[-1]
        body.append(_el("circle", _el("title", "Latest " + tip(*readings[-1])),
                        class_="chart-latest", cx=cx, cy=cy, r="3.5", fill=_LINE,
                        stroke="#ffffff"))
    legend_parts, legend_height = _legend(legend, 8, height + 2, width)
    body += legend_parts

    count, (first_day, _), (last_day, last_value) = len(readings), readings[0], readings[-1]
    desc = f"{count} reading{'' if count == 1 else 's'} from {first_day} to {last_day}; "
    desc += f"latest {format_number(last_value)}{unit_suffix}."
    if count > 1:
        # Without a dot per reading the extremes are what a listener most needs.
        low = min(readings, key=lambda r: r[1])
        high = max(readings, key=lambda r: r[1])
        desc += f" Lowest {format_number(low[1])}{unit_suffix} on {low[0]}, "
        desc += f"highest {format_number(high[1])}{unit_suffix} on {high[0]}."
    desc += "".join(f" {name} {format_number(v)}{unit_suffix}." for name, v in refs.items())
    if notes:
        desc += " Marked: " + "; ".join(f"{d} {label}" for d, label, _ in notes) + "."
    return _svg(chart_id, "line-chart", title, desc, (width, int(height + legend_height + 4)), body)


def _patterns(chart_id: str, kinds: set[str]) -> Markup:
    # Pattern ids carry the chart_id: two charts on one page must not share ids.
    shapes = {
        "hatch": _el("path", d="M-1 1 l2-2 M0 8 l8-8 M7 9 l2-2", stroke=_MUTED, stroke_width="2"),
        "dots": _el("circle", cx="4", cy="4", r="1.6", fill=_MARKER),
    }
    return _el("defs", *(
        _el("pattern", _el("rect", width="8", height="8", fill="#ffffff"), shapes[kind],
            id=f"{chart_id}-{kind}", patternUnits="userSpaceOnUse", width="8", height="8")
        for kind in sorted(kinds)
    ))


def _bar_style(chart_id: str, index: int) -> tuple[str, str, str | None]:
    """(css class, fill, pattern) of the index-th series; later series share the third's."""
    css, fill, pattern = _BAR_STYLES[min(index, len(_BAR_STYLES) - 1)]
    return css, fill or f"url(#{chart_id}-{pattern})", pattern


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    y_label: str = "",
    width: int = 640,
    height: int = 260,
    heading: bool = True,
    empty: str | None = None,
) -> Markup:
    """Grouped bars (e.g. actions vs talk per week) as an accessible inline SVG.

    Draws exactly one ``rect.chart-bar`` per category and series, each with a
    ``<title>`` such as "Actions, 2026-W12: 4", and a legend naming every
    series. The first series is solid (``chart-bar-action``); the second is
    filled with a hatch ``<pattern>`` defined inside the svg
    (``chart-bar-talk``); later ones are dotted. Bars grow from zero, downward
    for negative values. With no categories or no series it says "No data";
    given ``empty``, it says that instead, and also when every value is zero
    (counts of nothing: no axis worth drawing). ``heading=False`` leaves the
    title out of the drawing, for a page whose heading says it. Raises
    ValueError when a series' length differs from the number of categories, a
    value is not finite, or the chart_id is bad.
    """
    rows = [(str(name), [float(v) for v in values]) for name, values in series]
    for name, values in rows:
        if len(values) != len(categories):
            raise ValueError(f"{name!r} has {len(values)} values for {len(categories)} categories")
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"{name!r} has a value that is not a finite number")
    every_value = [v for _, values in rows for v in values]
    if not categories or not rows or (empty and not any(every_value)):
        message = empty or "No data"
        return _svg(chart_id, "bar-chart", title, message + ".", (width, height),
                    _empty((width, height), message))

    ticks = _nice_ticks(min(0.0, *every_value), max(0.0, *every_value))
    left, right = _plot_left(ticks, y_label), width - 16
    top, bottom = (30 if heading else 10), height - 50
    y = _Scale(ticks[0], ticks[-1], bottom, top)
    group = (right - left) / len(categories)
    bar = group * 0.8 / len(rows)
    # Thin out category labels so they never overprint; every bar keeps its <title>.
    widest = max(_text_width(str(c)) for c in categories)
    label_every = math.ceil(len(categories) / max(1, (right - left) // (widest + 12)))
    styles = [_bar_style(chart_id, j) for j in range(len(rows))]

    body = [_heading(title)] if heading else []
    body.append(_patterns(chart_id, {p for _, _, p in styles if p}))
    body += _y_axis(ticks, y, left, right, y_label)
    for i, category in enumerate(categories):
        for j, ((name, values), (css, fill, _)) in enumerate(zip(rows, styles, strict=True)):
            zero, tip = y(0.0), y(values[i])
            body.append(_el(
                "rect", _el("title", f"{name}, {category}: {format_number(values[i])}"),
                class_=f"chart-bar {css}", x=left + (i + 0.1) * group + j * bar,
                y=min(zero, tip), width=max(bar - 1, 1.0), height=abs(zero - tip),
                fill=fill, stroke=_MUTED if fill.startswith("url") else fill,
            ))
        if i % label_every == 0:
            # Low enough to clear the y tick label at the zero line.
            body.append(_text(left + (i + 0.5) * group, bottom + 20, category, "chart-x-tick",
                              "middle"))
    body.append(_line("chart-axis", left, y(0.0), right, y(0.0), _MUTED))

    legend_x = float(left)
    for (name, _), (css, fill, _) in zip(rows, styles, strict=True):
        body.append(_el(
            "g",
            _el("rect", x=legend_x, y=height - 20, width="12", height="12", fill=fill,
                stroke=_MUTED),
            _text(legend_x + 16, height - 10, name, "chart-legend"),
            class_=f"chart-legend-item {css}",
        ))
        legend_x += 30 + _text_width(name)

    totals = "; ".join(f"{name} {format_number(sum(values))}" for name, values in rows)
    desc = f"{len(categories)} groups, {categories[0]} to {categories[-1]}. Totals: {totals}."
    return _svg(chart_id, "bar-chart", title, desc, (width, height), body)


def sparkline(
    chart_id: str,
    title: str,
    values: Sequence[float],
    *,
    baseline: float | None = None,
    target: float | None = None,
    width: int = 120,
    height: int = 32,
) -> Markup:
    """A word-sized trend line with dashed baseline and target lines.

    One ``circle.chart-point`` per finite value (the latest drawn larger),
    each with a ``<title>``; the svg's ``<title>`` is ``title`` and its
    ``<desc>`` states the latest value and the reference values. With no
    values it says "No data". Raises ValueError for a bad chart_id.
    """
    readings = [float(v) for v in values if _finite(v)]
    refs = _references(baseline, target)
    if not readings:
        return _svg(chart_id, "sparkline", title, "No data.", (width, height),
                    _empty((width, height), "No data", 0.5))

    pad = 3.0
    everything = readings + list(refs.values())
    x = _Scale(0, len(readings) - 1, pad, width - pad)
    y = _Scale(min(everything), max(everything), height - pad, pad)
    body = [_line(css, 0, y(v), width, y(v), colour, dash)
            for (css, colour, dash), v in ((_REFERENCE_STYLES[n], v) for n, v in refs.items())]
    coords = [(x(i), y(v)) for i, v in enumerate(readings)]
    if len(coords) > 1:
        body.append(_polyline(coords, "1.5"))
    for i, ((cx, cy), value) in enumerate(zip(coords, readings, strict=True)):
        tip = f"{i + 1} of {len(readings)}: {format_number(value)}"
        radius = "2.5" if i == len(readings) - 1 else "1.2"
        body.append(_el("circle", _el("title", tip), class_="chart-point", cx=cx, cy=cy,
                        r=radius, fill=_LINE))
    desc = f"{len(readings)} values, latest {format_number(readings[-1])}."
    desc += "".join(f" {name} {format_number(v)}." for name, v in refs.items())
    return _svg(chart_id, "sparkline", title, desc, (width, height), body)


def percent(share: float) -> int:
    """A share (0.57) as the whole percentage every page, digest and download
    shows (57): the nearest whole percent, halves up, except that anything
    short of all reads at most 99 and anything above nothing at least 1, so
    100% means done and 0% means none. Clamped to 0..100; NaN reads 0."""
    share = float(share)
    if math.isnan(share) or share <= 0:
        return 0
    if share >= 1:
        return 100
    # The epsilon stops float noise (0.145 * 100 == 14.499...) from moving a half down.
    return min(max(math.floor(share * 100 + 0.5 + 1e-9), 1), 99)


def progress_bar_html(fraction: float, label: str) -> Markup:
    """An email-safe progress bar: nested tables with inline CSS, no SVG.

    ``fraction`` is clamped to [0, 1] (NaN counts as 0) and shown as `percent`
    shows it everywhere, so the bar reads 100% only when the work is done.
    ``label`` is escaped. The output is well-formed XML as well as HTML.
    """
    return _progress_bar(fraction, label, inline_style=True)


def progress_bar(fraction: float, label: str) -> Markup:
    """The same bar for pages: classes only, styled by the site's stylesheet,
    because the pages' Content-Security-Policy refuses inline style."""
    return _progress_bar(fraction, label, inline_style=False)


def _progress_bar(fraction: float, label: str, *, inline_style: bool) -> Markup:
    whole = percent(fraction)

    def style(css: str) -> str | None:
        return css if inline_style else None

    cell = "height:10px;font-size:0;line-height:0;background:"
    nbsp = Markup("&#160;")  # a numeric reference: XML parsers do not know &nbsp;
    filled = _el("td", nbsp, class_="progress-done", width=f"{whole}%", style=style(cell + _LINE))
    rest = _el("td", nbsp, class_="progress-rest", style=style(cell + _GRID))
    # Some mail clients still paint a 0% cell, so an empty or full bar gets a single cell.
    cells = [c for c, keep in ((filled, whole > 0), (rest, whole < 100)) if keep]
    layout = {"role": "presentation", "cellpadding": "0", "cellspacing": "0", "border": "0"}
    caption = _el(
        "td", _el("span", label, class_="progress-label"), " ",
        _el("strong", f"{whole}%", class_="progress-percent"),
        class_="progress-caption",
        style=style(f"font:13px/1.4 Arial,sans-serif;color:{_INK};padding:0 0 4px 0"),
    )
    track = _el("table", _el("tr", *cells), class_="progress-track", width="100%",
                style=style("border-collapse:collapse"), **layout)
    return _el(
        "table", _el("tr", caption), _el("tr", _el("td", track, style=style("padding:0"))),
        class_="progress", width="100%", style=style("border-collapse:collapse;max-width:320px"),
        **layout,
    )
