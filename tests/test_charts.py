"""What a reader of a chart must be able to rely on, whatever data it is fed."""

import math
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from tracker.charts import (
    bar_chart,
    format_number,
    line_chart,
    percent,
    progress_bar,
    progress_bar_html,
    sparkline,
)

SVG = "{http://www.w3.org/2000/svg}"
NASTY = "<script>alert(1)</script> \"&'"
COORDINATES = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height"}


def parse(markup) -> ET.Element:
    """Parse chart output; raises if it is not well-formed XML."""
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, not untrusted input


def with_class(root: ET.Element, css: str) -> list[ET.Element]:
    return [el for el in root.iter() if css in el.get("class", "").split()]


def title_of(el: ET.Element) -> str:
    title = el.find(f"{SVG}title")
    assert title is not None, f"{el.tag} has no <title>"
    return title.text or ""


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def assert_finite_geometry(root: ET.Element) -> None:
    for el in root.iter():
        for name in COORDINATES.intersection(el.keys()):
            value = el.get(name).rstrip("%")
            assert math.isfinite(float(value)), f"{el.tag} {name}={value}"
        for pair in el.get("points", "").split():
            assert all(math.isfinite(float(n)) for n in pair.split(","))


READINGS = [(date(2026, 1, 5), 12.0), (date(2026, 2, 2), 10.0), (date(2026, 3, 30), 7.5)]


def test_line_chart_is_an_image_labelled_by_its_title_and_description():
    root = parse(line_chart("nps", "Customer effort", READINGS, unit="days"))

    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert [by_id[i].tag for i in ids] == [f"{SVG}title", f"{SVG}desc"]
    assert by_id[ids[0]].text == "Customer effort"
    assert "latest 7.5 days" in by_id[ids[1]].text


@pytest.mark.parametrize(
    "render",
    [
        lambda t: line_chart("c", t, READINGS, unit=t, baseline=1, markers=[(date(2026, 2, 9), t)]),
        lambda t: line_chart("c", t, []),
        lambda t: bar_chart("c", t, [t, "W2"], [(t, [1, 2]), ("Talk", [3, 4])], y_label=t),
        lambda t: sparkline("c", t, [1, 2, 3]),
        lambda t: progress_bar_html(0.5, t),
    ],
    ids=["line", "empty-line", "bar", "sparkline", "progress"],
)
def test_user_text_is_shown_as_text_and_never_becomes_markup(render):
    markup = str(render(NASTY))
    root = parse(markup)

    assert "<script>" not in markup
    assert not [el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "script"]
    everything = " ".join(el.text or "" for el in root.iter())
    assert NASTY in everything


def test_each_reading_is_one_point_whose_tooltip_gives_date_and_value():
    root = parse(line_chart("m", "Refund time", READINGS, unit="days"))

    points = with_class(root, "chart-point")
    assert [title_of(p) for p in points] == [
        "2026-01-05: 12 days",
        "2026-02-02: 10 days",
        "2026-03-30: 7.5 days",
    ]


def test_higher_values_are_drawn_higher_and_later_dates_further_right():
    shuffled = [(date(2026, 3, 1), 5.0), (date(2026, 1, 1), 1.0), (date(2026, 2, 1), 9.0)]
    root = parse(line_chart("m", "t", shuffled))

    points = {title_of(p): p for p in with_class(root, "chart-point")}
    jan, feb, mar = (points[f"2026-0{m}-01: {v}"] for m, v in ((1, 1), (2, 9), (3, 5)))
    xs = [float(p.get("cx")) for p in (jan, feb, mar)]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert float(feb.get("cy")) < float(mar.get("cy")) < float(jan.get("cy"))


def test_baseline_and_target_are_dashed_labelled_lines_at_their_values():
    root = parse(line_chart("m", "t", READINGS, unit="days", baseline=12, target=3,
                            target_date=date(2026, 6, 30)))

    [baseline], [target] = with_class(root, "chart-baseline"), with_class(root, "chart-target")
    assert baseline.get("stroke-dasharray") and target.get("stroke-dasharray")
    assert baseline.get("stroke-dasharray") != target.get("stroke-dasharray")
    assert "Baseline 12 days" in texts(root)
    assert "Target 3 days by 2026-06-30" in texts(root)
    twelve = next(p for p in with_class(root, "chart-point") if title_of(p).endswith(": 12 days"))
    assert float(baseline.get("y1")) == pytest.approx(float(twelve.get("cy")))
    assert float(target.get("y1")) > float(baseline.get("y1"))


def test_percent_units_hug_their_number():
    root = parse(line_chart("m", "t", READINGS, unit="%", target=80))

    assert "Target 80%" in texts(root)
    assert title_of(with_class(root, "chart-point")[0]) == "2026-01-05: 12%"


def test_target_date_stretches_the_date_axis_beyond_the_last_reading():
    without = parse(line_chart("m", "t", READINGS))
    with_date = parse(line_chart("m", "t", READINGS, target_date=date(2026, 12, 31)))

    def last_x(root):
        return float(with_class(root, "chart-point")[-1].get("cx"))

    assert last_x(with_date) < last_x(without)


def test_markers_sit_at_their_date_and_name_the_action_on_hover():
    in_sourced = (date(2026, 2, 2), "Call centre in-sourced")
    root = parse(line_chart("m", "t", READINGS, markers=[in_sourced]))

    [marker] = with_class(root, "chart-marker")
    assert title_of(marker) == "2026-02-02: Call centre in-sourced"
    same_day = with_class(root, "chart-point")[1]
    assert float(marker.find(f"{SVG}line").get("x1")) == pytest.approx(float(same_day.get("cx")))


def test_axes_are_labelled_with_date_and_unit_and_readable_ticks():
    readings = [(date(2026, 1, 10), 1234.5), (date(2026, 6, 20), 4000)]
    root = parse(line_chart("m", "t", readings, unit="orders"))

    labels = [el.text for el in with_class(root, "chart-axis-label")]
    assert labels == ["orders", "Date"]
    assert "Feb 2026" in [el.text for el in with_class(root, "chart-x-tick")]
    y_ticks = [el.text for el in with_class(root, "chart-y-tick")]
    assert 3 <= len(y_ticks) <= 5
    assert "2,000" in y_ticks


def test_a_chart_without_readings_says_so_instead_of_drawing_nothing():
    root = parse(line_chart("m", "Refund time", [], baseline=3))

    assert "No readings yet" in texts(root)
    assert with_class(root, "chart-frame")
    assert not with_class(root, "chart-point")


@pytest.mark.parametrize(
    "readings",
    [
        [(date(2026, 1, 1), 4.0)],
        [(date(2026, 1, 1), 4.0), (date(2026, 2, 1), 4.0), (date(2026, 3, 1), 4.0)],
        [(date(2026, 1, 1), 0.0), (date(2026, 1, 1), 0.0)],
        [(date(2026, 1, 1), -5.0), (date(2026, 2, 1), 3e14), (date(2026, 3, 1), 1e300)],
        [(date(2026, 1, 1), math.nan), (date(2026, 2, 1), 2.0), (date(2026, 3, 1), math.inf)],
    ],
    ids=["single", "all-equal", "same-day-zeros", "negative-and-huge", "not-finite"],
)
def test_awkward_readings_still_give_a_chart_with_finite_coordinates(readings):
    markup = str(line_chart("m", "t", readings, baseline=4.0))
    root = parse(markup)

    assert_finite_geometry(root)
    assert "nan" not in markup.lower() and "inf" not in markup.lower()
    finite = [r for r in readings if math.isfinite(r[1])]
    assert len(with_class(root, "chart-point")) == len(finite)


def test_negative_and_huge_values_are_told_apart_in_tooltips():
    readings = [(date(2026, 1, 1), -5.0), (date(2026, 2, 1), 2.5e12)]
    root = parse(line_chart("m", "t", readings))

    assert [title_of(p) for p in with_class(root, "chart-point")] == [
        "2026-01-01: -5",
        "2026-02-01: 2.5T",
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1234.5, "1,234.5"), (12.0, "12"), (0.25, "0.25"), (-0.0, "0"), (-1234.567, "-1,234.57"),
     (2_500_000, "2.5M"), (7e9, "7B"), (0.0012, "0.0012"), (1e20, "1e+20"), (float("nan"), "n/a")],
)
def test_numbers_are_shown_compactly_without_trailing_zeros(value, shown):
    assert format_number(value) == shown


def test_two_charts_on_one_page_share_no_ids():
    page = [
        line_chart("metric-1", "a", READINGS),
        line_chart("metric-2", "a", READINGS),
        bar_chart("say-do-1", "b", ["W1"], [("Actions", [1]), ("Talk", [2])]),
        bar_chart("say-do-2", "b", ["W1"], [("Actions", [1]), ("Talk", [2])]),
        sparkline("spark-1", "c", [1, 2]),
    ]
    ids = [el.get("id") for chart in page for el in parse(chart).iter() if el.get("id")]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("bad_id", ["", "1st", "has space", 'quo"te', "a<b"])
def test_a_chart_id_that_cannot_be_an_svg_id_is_refused(bad_id):
    with pytest.raises(ValueError, match="chart_id"):
        line_chart(bad_id, "t", READINGS)


WEEKS = ["2026-W10", "2026-W11", "2026-W12"]
SAY_DO = [("Actions", [1, 0, 4]), ("Talk", [6, 5, 2])]


def test_there_is_one_bar_per_week_and_series_with_a_tooltip_naming_all_three():
    root = parse(bar_chart("sd", "Say/do", WEEKS, SAY_DO, y_label="Count"))

    bars = with_class(root, "chart-bar")
    assert len(bars) == len(WEEKS) * len(SAY_DO)
    tips = [title_of(b) for b in bars]
    assert "Actions, 2026-W12: 4" in tips and "Talk, 2026-W10: 6" in tips


def test_taller_bars_stand_for_larger_values_and_share_the_zero_line():
    root = parse(bar_chart("sd", "Say/do", WEEKS, SAY_DO))

    bars = {title_of(b): b for b in with_class(root, "chart-bar")}
    four, two = bars["Actions, 2026-W12: 4"], bars["Talk, 2026-W12: 2"]
    assert float(four.get("height")) == pytest.approx(2 * float(two.get("height")))
    bottom = float(four.get("y")) + float(four.get("height"))
    assert float(two.get("y")) + float(two.get("height")) == pytest.approx(bottom)


def test_negative_bars_hang_below_the_zero_line():
    root = parse(bar_chart("d", "Net", ["Jan", "Feb"], [("Net", [3, -3])]))

    up, down = with_class(root, "chart-bar")
    assert float(up.get("y")) + float(up.get("height")) == pytest.approx(float(down.get("y")))
    assert float(up.get("height")) == pytest.approx(float(down.get("height")))


def test_legend_names_every_series_with_its_swatch():
    root = parse(bar_chart("sd", "Say/do", WEEKS, SAY_DO))

    items = with_class(root, "chart-legend-item")
    assert [item.find(f"{SVG}text").text for item in items] == ["Actions", "Talk"]
    bar_fills = {b.get("class"): b.get("fill") for b in with_class(root, "chart-bar")}
    assert [i.find(f"{SVG}rect").get("fill") for i in items] == list(bar_fills.values())


def test_talk_bars_are_hatched_with_a_pattern_defined_in_the_same_chart():
    root = parse(bar_chart("sd", "Say/do", WEEKS, SAY_DO))

    bars = with_class(root, "chart-bar")
    talk = [b for b in bars if "chart-bar-talk" in b.get("class")]
    action = [b for b in bars if "chart-bar-action" in b.get("class")]
    assert len(talk) == len(action) == len(WEEKS)
    assert {b.get("fill") for b in talk} == {"url(#sd-hatch)"}
    assert not any(b.get("fill").startswith("url(") for b in action)
    patterns = [p.get("id") for p in root.iter(f"{SVG}pattern")]
    assert "sd-hatch" in patterns


def test_a_series_that_does_not_match_the_weeks_is_refused():
    with pytest.raises(ValueError, match="3 categories"):
        bar_chart("sd", "Say/do", WEEKS, [("Actions", [1, 2])])


@pytest.mark.parametrize(("categories", "series"), [([], SAY_DO[:0]), (WEEKS, [])])
def test_a_bar_chart_without_data_says_no_data(categories, series):
    root = parse(bar_chart("sd", "Say/do", categories, series))

    assert "No data" in texts(root)
    assert not with_class(root, "chart-bar")


def test_all_zero_bars_give_finite_geometry():
    root = parse(bar_chart("sd", "Say/do", WEEKS, [("Actions", [0, 0, 0]), ("Talk", [0, 0, 0])]))

    assert_finite_geometry(root)
    assert len(with_class(root, "chart-bar")) == 6


def test_sparkline_has_a_title_a_point_per_value_and_both_reference_lines():
    root = parse(sparkline("s", "Refund time", [5, 4, 6, 3], baseline=6, target=2))

    assert root.find(f"{SVG}title").text == "Refund time"
    assert len(with_class(root, "chart-point")) == 4
    assert title_of(with_class(root, "chart-point")[-1]) == "4 of 4: 3"
    [baseline], [target] = with_class(root, "chart-baseline"), with_class(root, "chart-target")
    assert float(target.get("y1")) > float(baseline.get("y1"))
    assert "Baseline 6." in root.find(f"{SVG}desc").text


def test_sparkline_copes_with_no_values_and_with_flat_values():
    empty, flat = parse(sparkline("s", "t", [])), parse(sparkline("s", "t", [2, 2, 2]))

    assert "No data" in texts(empty)
    assert_finite_geometry(flat)
    assert len({p.get("cy") for p in with_class(flat, "chart-point")}) == 1


@pytest.mark.parametrize(
    ("fraction", "percent"),
    [(1.7, "100%"), (-1, "0%"), (0.29, "29%"), (0.996, "99%"), (1, "100%"), (math.nan, "0%")],
)
def test_progress_bar_is_clamped_and_only_reads_100_percent_when_done(fraction, percent):
    root = parse(progress_bar_html(fraction, "Refunds without approval"))

    assert with_class(root, "progress-percent")[0].text == percent
    done = with_class(root, "progress-done")
    if percent == "0%":
        assert not done
    else:
        assert done[0].get("width") == percent


def test_progress_bar_styles_are_inline_for_email_clients():
    root = parse(progress_bar_html(0.5, "Half"))

    cells = with_class(root, "progress-done") + with_class(root, "progress-rest")
    assert len(cells) == 2
    assert all("background:" in cell.get("style") for cell in cells)
    assert with_class(root, "progress-label")[0].text == "Half"


def test_progress_bar_for_pages_has_no_inline_style_for_the_csp_to_refuse():
    page, mail = progress_bar(0.5, "Half"), progress_bar_html(0.5, "Half")

    assert "style=" not in page
    assert with_class(parse(page), "progress-done")[0].get("width") == "50%"
    assert page == re.sub(r' style="[^"]*"', "", mail)


# --- long series ------------------------------------------------------------------------

def daily(count: int, value=lambda n: float(n % 7), start: date = date(2025, 1, 1)):
    return [(start + timedelta(days=n), value(n)) for n in range(count)]


def line_points(root: ET.Element) -> list[tuple[float, float]]:
    [line] = with_class(root, "chart-line")
    return [tuple(float(n) for n in pair.split(",")) for pair in line.get("points").split()]


def test_a_long_series_is_one_line_without_a_dot_per_reading():
    root = parse(line_chart("m", "Refund time", daily(300), unit="days"))

    assert len(with_class(root, "chart-line")) == 1
    assert not with_class(root, "chart-point")
    [latest] = with_class(root, "chart-latest")
    assert title_of(latest) == "Latest 2025-10-27: 5 days"  # 299 % 7
    assert len(root.findall(f".//{SVG}title")) == 2  # the chart's and the latest reading's


def test_a_long_series_tells_its_count_range_and_extremes_in_words():
    values = daily(300, lambda n: 50.0 if n == 120 else -4.0 if n == 200 else 10.0)
    desc = parse(line_chart("m", "t", values, unit="%")).find(f"{SVG}desc").text

    assert "300 readings from 2025-01-01 to 2025-10-27; latest 10%." in desc
    assert "Lowest -4% on 2025-07-20, highest 50% on 2025-05-01." in desc


@pytest.mark.parametrize(("count", "dots"), [(60, 60), (61, 0)])
def test_up_to_60_readings_each_get_a_dot_with_its_own_tooltip(count, dots):
    root = parse(line_chart("m", "t", daily(count)))

    points = with_class(root, "chart-point")
    assert len(points) == dots
    assert all(title_of(p).startswith("2025-") for p in points)
    assert bool(with_class(root, "chart-latest")) == (dots == 0)


def plot_edges(root: ET.Element) -> list[float]:
    """The x of the plot's left and right edges: where the date axis runs."""
    [date_axis] = [el for el in with_class(root, "chart-axis") if el.get("y1") == el.get("y2")]
    return [float(date_axis.get("x1")), float(date_axis.get("x2"))]


def test_more_readings_than_pixels_are_thinned_but_keep_spikes_and_both_ends():
    # Five years of a flat 10, with one day at 90 and one at -30.
    values = daily(1826, lambda n: 90.0 if n == 1000 else -30.0 if n == 1400 else 10.0)
    thinned = line_points(parse(line_chart("m", "t", values, width=640)))
    full = sorted(float(p.get("cy")) for p in with_class(
        parse(line_chart("m", "t", [values[0], values[1000], values[1400], values[-1]])),
        "chart-point"))

    [left, right] = plot_edges(parse(line_chart("m", "t", values, width=640)))
    assert len(thinned) <= right - left  # at most one point per pixel across the plot
    ys = [y for _, y in thinned]
    assert min(ys) == pytest.approx(full[0], abs=0.1)  # the spike up is drawn
    assert max(ys) == pytest.approx(full[-1], abs=0.1)  # and so is the dip
    assert thinned[0][0] == pytest.approx(left) and thinned[-1][0] == pytest.approx(right)
    assert [x for x, _ in thinned] == sorted(x for x, _ in thinned)


def test_a_series_with_fewer_readings_than_pixels_is_drawn_point_for_point():
    assert len(line_points(parse(line_chart("m", "t", daily(400))))) == 400


@pytest.mark.parametrize(
    ("share", "whole"),
    [(0.57, 57), (0.5 / 9, 6), (0.425, 43), (0.145, 15), (0.004, 1), (0.996, 99), (0, 0), (1, 100),
     (-0.2, 0), (1.3, 100), (math.nan, 0)],
)
def test_percent_is_the_nearest_whole_but_100_only_when_all_and_0_only_when_none(share, whole):
    assert percent(share) == whole


def test_a_bar_chart_of_nothing_but_zeros_says_what_is_missing_instead_of_an_axis():
    zeros = [("Actions", [0, 0, 0]), ("Talk", [0, 0, 0])]
    root = parse(bar_chart("sd", "Say/do", WEEKS, zeros, empty="No check-ins yet"))

    assert "No check-ins yet" in texts(root)
    assert not with_class(root, "chart-bar") and not with_class(root, "chart-y-tick")


def test_an_axis_of_zeros_starts_at_zero_and_never_invents_negatives():
    root = parse(line_chart("m", "t", [(date(2026, 1, 5), 0.0), (date(2026, 2, 2), 0.0)]))

    ticks = [float(el.text) for el in with_class(root, "chart-y-tick")]
    assert min(ticks) == 0 and max(ticks) > 0


def test_a_chart_under_a_page_heading_does_not_say_its_title_again():
    root = parse(line_chart("m", "Refund time", READINGS, heading=False))

    assert "Refund time" not in texts(root)
    assert root.find(f"{SVG}title").text == "Refund time"


def test_each_kind_of_marker_has_its_own_shape_and_a_legend_entry_with_its_count():
    markers = [(date(2026, 1, 20), "start", "Started"), (date(2026, 2, 10), "called", "Action"),
               (date(2026, 3, 1), "trained", "Action")]
    root = parse(line_chart("m", "t", READINGS, baseline=12, markers=markers))

    shapes = [m.get("class").split()[1] for m in with_class(root, "chart-marker")]
    assert shapes[0] != shapes[1] == shapes[2]
    legend = [el.find(f"{SVG}text").text for el in with_class(root, "chart-legend-item")]
    assert legend == ["Baseline 12", "Started", "Action (2)"]
