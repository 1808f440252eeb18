"""Correcting and voiding readings (append-only) and plausible readings, without HTTP."""

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import NOW
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.metrics import services
from tracker.metrics.models import Reading

TODAY = date(2026, 3, 4)


def record(metric, value, day=date(2026, 2, 1), actor=None):
    return services.record_reading(metric, actor=actor or metric.owner, observed_on=day, value=value,
                                   now=NOW, today=TODAY)


def values(metric) -> list[float]:
    return [value for _, value in services.reading_points([metric.id])[metric.id]]


def test_a_correction_supersedes_the_reading_and_every_figure_uses_it(ctx):
    metric = factories.make_metric()
    typo = record(metric, 40)
    record(metric, 45, date(2026, 3, 1))
    correction = services.correct_reading(typo, actor=metric.owner, value=41, reason="typed 40 for 41",
                                          now=NOW)
    assert values(metric) == [41, 45]
    assert [r.value for r in services.readings_for([metric.id])[metric.id]] == [41, 45]
    assert [r.value for r in services.readings_for([metric.id], 1)[metric.id]] == [45]
    assert [r.value for r in services.latest_readings(metric, 5)] == [45, 41]
    # The original is kept, no longer current, and the page of all readings shows both.
    page = services.readings_page(metric, 1, 10)
    assert [(r.value, r.is_current) for r in page.items] == [(45, True), (41, True), (40, False)]
    assert correction.supersedes_id == typo.id and correction.reason == "typed 40 for 41"
    assert correction.recorded_by_id == metric.owner_id and correction.recorded_at == NOW


def test_a_void_takes_the_reading_out_of_every_figure_but_keeps_it(ctx):
    metric = factories.make_metric()
    record(metric, 30, date(2026, 1, 1))
    typo = record(metric, 4)
    services.void_reading(typo, actor=metric.owner, reason="not our survey", now=NOW)
    assert values(metric) == [30]
    assert db.session.scalar(select(Reading).where(Reading.id == typo.id)).value == 4
    # The date is free again for the right reading.
    record(metric, 31)
    assert values(metric) == [30, 31]


def test_corrections_and_voids_are_in_the_history_with_the_reason(ctx):
    metric = factories.make_metric()
    first = record(metric, 40)
    second = services.correct_reading(first, actor=metric.owner, value=41, reason="typo", now=NOW)
    services.void_reading(second, actor=metric.owner, reason="wrong survey", now=NOW)
    events = list(db.session.scalars(select(HistoryEvent).where(
        HistoryEvent.subject_type == "metric", HistoryEvent.subject_id == metric.id,
        HistoryEvent.action.in_(["correction", "void"])).order_by(HistoryEvent.id)))
    assert [e.action for e in events] == ["correction", "void"]
    assert "from 40 to 41" in events[0].summary and events[0].changes["reason"] == "typo"
    assert events[1].changes["reason"] == "wrong survey"


def test_a_correction_can_be_corrected_but_a_reading_only_once(ctx):
    metric = factories.make_metric()
    first = record(metric, 40)
    second = services.correct_reading(first, actor=metric.owner, value=41, reason="typo", now=NOW)
    with pytest.raises(services.MetricError, match="corrected or voided already"):
        services.correct_reading(first, actor=metric.owner, value=42, reason="again", now=NOW)
    services.correct_reading(second, actor=metric.owner, value=42, reason="still wrong", now=NOW)
    assert values(metric) == [42]


def test_a_correction_needs_a_reason_and_a_plausible_value(ctx):
    metric = factories.make_metric()
    reading = record(metric, 40)
    with pytest.raises(services.MetricError) as refused:
        services.correct_reading(reading, actor=metric.owner, value=41, reason="  ", now=NOW)
    assert refused.value.field == "reason"
    with pytest.raises(services.MetricError) as refused:
        services.correct_reading(reading, actor=metric.owner, value=-40, reason="x", now=NOW)
    assert refused.value.field == "value"
    assert values(metric) == [40]


def test_owner_recorder_and_leaders_correct_others_do_not(ctx):
    metric = factories.make_metric()
    recorder = factories.make_user("executive")
    reading = record(metric, 40, actor=recorder)
    stranger = factories.make_user("member")
    with pytest.raises(services.MetricError, match="Only"):
        services.correct_reading(reading, actor=stranger, value=41, reason="mine?", now=NOW)
    reading = services.correct_reading(reading, actor=metric.owner, value=41, reason="owner", now=NOW)
    reading = services.correct_reading(reading, actor=factories.make_user("admin"), value=42,
                                       reason="leader", now=NOW)


@pytest.mark.parametrize(("unit", "bounds", "value", "refused"), [
    ("%", {}, -40, "below the lowest plausible value, 0%"),
    ("%", {}, 101, "above the highest plausible value, 100%"),
    ("%", {}, 100, None),
    ("%", {"max_value": 150}, 120, None),
    ("calls", {}, 2.5, "whole number"),
    ("calls", {}, -1, "below"),
    ("calls", {}, 3, None),
    ("points", {}, -50, None),
    ("points", {"min_value": -100, "max_value": 100}, -150, "below the lowest plausible value, -100"),
])
def test_readings_are_checked_against_the_unit_and_the_metric_range(ctx, unit, bounds, value, refused):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    data = replace(services.MetricInput(
        name=metric.name, unit=unit, direction="higher", baseline=metric.baseline, target=metric.target,
        target_date=metric.target_date, cadence="monthly", source="customer", standard=metric.standard,
        owner_id=owner.id), **bounds)
    services.update_metric(metric, actor=owner, data=data, now=NOW)
    if refused:
        with pytest.raises(services.MetricError, match=refused) as error:
            record(metric, value)
        assert error.value.field == "value"
    else:
        assert record(metric, value).value == value


def test_a_metric_range_must_run_upwards(ctx):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    data = services.MetricInput(
        name=metric.name, unit="%", direction="higher", baseline=metric.baseline, target=metric.target,
        target_date=metric.target_date, cadence="monthly", source="customer", standard=metric.standard,
        owner_id=owner.id, min_value=50, max_value=10)
    with pytest.raises(services.MetricError) as refused:
        services.update_metric(metric, actor=owner, data=data, now=NOW)
    assert refused.value.field == "max_value"


def test_the_csv_import_refuses_implausible_rows_with_their_line(ctx):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    data = f"metric,observed_on,value\n{metric.id},2026-02-01,-40\n{metric.id},2026-02-02,55\n".encode()
    result = services.import_readings(data, actor=owner, now=NOW, today=TODAY)
    assert not result.ok
    assert [(e.line, "below the lowest plausible value" in e.message) for e in result.errors] == [(2, True)]


def test_the_csv_import_may_fill_a_date_whose_reading_was_voided(ctx):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    services.void_reading(record(metric, 4), actor=owner, reason="typo", now=NOW)
    data = f"metric,observed_on,value\n{metric.id},2026-02-01,40\n".encode()
    assert services.import_readings(data, actor=owner, now=NOW, today=TODAY).ok
    assert values(metric) == [40]


def test_every_query_over_readings_outside_metrics_reads_only_current_ones():
    """A module that imports Reading to query it must filter with `current_readings()`:
    only metrics' own services (which show the history on purpose) and the
    writers (the demo, the cache's change marker) may do without; views never
    query (tests/test_layers.py) and name Reading only as a type."""
    root = Path(__file__).resolve().parents[2] / "tracker"
    allowed = {"metrics/models.py", "metrics/services.py", "demo/services.py", "cache.py",
               "metrics/views.py"}
    imports_reading = re.compile(r"^from tracker\.metrics\.models import .*\bReading\b", re.M)
    forgetful = [name for path in root.rglob("*.py")
                 if (name := path.relative_to(root).as_posix()) not in allowed
                 and imports_reading.search(text := path.read_text()) and "current_readings()" not in text]
    assert forgetful == []


def test_the_weekly_digest_moves_use_the_current_reading(ctx):
    from tracker.digests.content import gather_week

    metric = factories.make_metric()
    record(metric, 30, date(2026, 2, 1))
    typo = record(metric, 4, date(2026, 3, 3))  # ISO week 2026-W10

    def move():
        moves = [m for m in gather_week("2026-W10", "UTC").moves if m.metric.id == metric.id]
        return [(m.previous, m.latest) for m in moves]

    assert move() == [(30, 4)]
    correction = services.correct_reading(typo, actor=metric.owner, value=40, reason="typo", now=NOW)
    assert move() == [(30, 40)]
    services.void_reading(correction, actor=metric.owner, reason="not ours", now=NOW)
    assert move() == []


def test_a_typo_that_put_an_initiative_off_track_stops_doing_so_once_corrected(ctx):
    from tracker.checkins import saydo
    from tracker.initiatives import services as initiatives

    owner = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner, status="in_progress", start_date=date(2026, 1, 5))
    metric = factories.make_metric(owner=owner, baseline=10, target=50)
    initiatives.link_metric(initiative, actor=owner, metric_id=metric.id, expected_direction="increase",
                            expected_amount=5, expected_by=date(2026, 12, 1), now=NOW)
    record(metric, 30, date(2026, 1, 1))
    typo = record(metric, 3, date(2026, 3, 1))
    assert "off_track" in saydo.records_for([initiative], today=TODAY)[initiative.id].flags
    services.correct_reading(typo, actor=owner, value=33, reason="typed 3 for 33", now=NOW)
    assert "off_track" not in saydo.records_for([initiative], today=TODAY)[initiative.id].flags
