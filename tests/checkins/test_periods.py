from datetime import date

import pytest

from tracker.checkins.periods import period_containing, periods_between


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
