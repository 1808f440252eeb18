"""The shared calendar: check-in periods, quarters and ISO weeks. Plain dates, no app."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracker.calendar import (
    Quarter,
    period_containing,
    periods_between,
    quarters_between,
    week_bounds,
    week_just_ended,
    week_label,
)


def test_weekly_period_runs_monday_to_sunday_due_on_chosen_weekday():
    p = period_containing(date(2026, 11, 25), "weekly", 4)  # a Wednesday
    assert (p.start, p.end, p.due_on) == (date(2026, 11, 23), date(2026, 11, 29), date(2026, 11, 27))


def test_fortnightly_periods_are_the_same_for_every_day_inside():
    a = period_containing(date(2026, 11, 23), "fortnightly", 0)
    b = period_containing(a.end, "fortnightly", 0)
    assert a == b
    assert (a.end - a.start).days == 13
    assert a.start.weekday() == 0 and a.due_on.weekday() == 0 and a.due_on > a.start


def test_monthly_period_is_due_on_last_chosen_weekday_of_month():
    p = period_containing(date(2026, 2, 10), "monthly", 4)
    assert (p.start, p.end, p.due_on) == (date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 27))


def test_periods_between_cover_the_range_without_gaps():
    periods = periods_between(date(2026, 1, 1), date(2026, 3, 31), "weekly", 2)
    assert periods[0].start <= date(2026, 1, 1) and periods[-1].end >= date(2026, 3, 31)
    for a, b in zip(periods, periods[1:], strict=False):
        assert (b.start - a.end).days == 1


def test_unknown_cadence_or_weekday_is_refused():
    with pytest.raises(ValueError):
        period_containing(date(2026, 1, 1), "hourly", 0)
    with pytest.raises(ValueError):
        period_containing(date(2026, 1, 1), "weekly", 7)


# Quarters

def test_quarters_have_bounds_labels_and_arithmetic():
    q = Quarter.containing(date(2026, 11, 23))
    assert (q.key, q.label, q.start, q.end) == ("2026-Q4", "Q4 2026", date(2026, 10, 1),
                                                date(2026, 12, 31))
    assert q.shift(-3) == Quarter(2026, 1) and q.shift(1) == Quarter(2027, 1)
    assert Quarter(2024, 1).end == date(2024, 3, 31)


def test_quarters_between_run_newest_first_within_the_limit():
    assert quarters_between(date(2025, 11, 5), date(2026, 2, 1)) == [Quarter(2026, 1), Quarter(2025, 4)]
    assert len(quarters_between(date(2000, 1, 1), date(2026, 1, 1), limit=6)) == 6


@pytest.mark.parametrize("text", ["", "2026", "2026-Q5", "2026-q1", "0000-Q1", "Q1-2026", None,
                                  "2026-Q1; drop table", "٢٠٢٦-Q1", "0001-Q1", "0001-Q4",
                                  "9999-Q1", "9999-Q4", "10000-Q1"])
def test_a_quarter_that_means_nothing_or_leaves_the_calendar_parses_to_none(text):
    assert Quarter.parse(text) is None


@pytest.mark.parametrize("text", ["0002-Q1", "9998-Q4", " 2026-Q1 "])
def test_every_quarter_that_parses_has_safe_dates_a_year_either_side(text):
    quarter = Quarter.parse(text)
    assert quarter is not None
    # What a report does with it: three quarters back, its end, the next one's start.
    assert quarter.shift(-3).start < quarter.start <= quarter.end < quarter.shift(1).start
    assert quarter.shift(-4).end < quarter.shift(4).start


# ISO weeks

def test_a_week_runs_monday_to_sunday_and_its_label_round_trips():
    assert week_bounds("2026-W10") == (date(2026, 3, 2), date(2026, 3, 8))
    assert week_bounds(" 2026-w10 ") == week_bounds("2026-W10")
    assert week_label(date(2026, 3, 8)) == "2026-W10"
    assert week_just_ended(date(2026, 3, 9)) == "2026-W10"
    assert week_just_ended(date(2026, 3, 15)) == "2026-W10"


@pytest.mark.parametrize("text", ["", "2026", "2026-W99", "2026-W00", "2025-W53", "W10-2026", None,
                                  "2026-W1_0", "2026-W 10", "٢٠٢٦-W10", "0001-W01", "9999-W52",
                                  "0000-W01", "12026-W10"])
def test_a_week_that_means_nothing_or_leaves_the_calendar_is_refused(text):
    with pytest.raises(ValueError, match="is not an ISO week"):
        week_bounds(text)


@pytest.mark.parametrize("text", ["0002-W01", "9998-W52"])
def test_every_week_that_parses_can_be_read_in_any_time_zone(text):
    start, end = week_bounds(text)
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        since = datetime.combine(start, time.min, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        assert until - since == timedelta(days=7)
