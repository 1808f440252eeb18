"""Check-in periods: which days a check-in covers and when it is due.

Weekly periods run Monday to Sunday; fortnightly periods are pairs of weeks
counted from a fixed Monday, so every initiative agrees on them; monthly
periods are calendar months. The due day is the chosen weekday in the
period's last week. Plain date arithmetic: no clock, no time zone.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

CADENCES = {"weekly": "Weekly", "fortnightly": "Fortnightly", "monthly": "Monthly"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A Monday long before any check-in; fortnights are counted from it.
EPOCH = date(2024, 1, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    due_on: date

    @property
    def label(self) -> str:
        if self.end - self.start > timedelta(days=14):
            return self.start.strftime("%B %Y")
        return f"{self.start:%d %b} – {self.end:%d %b %Y}"


def period_containing(day: date, cadence: str, weekday: int) -> Period:
    """The period of `cadence` that contains `day`; ValueError for an unknown cadence."""
    if not 0 <= weekday <= 6:
        raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
    if cadence == "weekly":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6), start + timedelta(days=weekday))
    if cadence == "fortnightly":
        start = EPOCH + timedelta(days=14 * ((day - EPOCH).days // 14))
        return Period(start, start + timedelta(days=13), start + timedelta(days=7 + weekday))
    if cadence == "monthly":
        start = day.replace(day=1)
        last = calendar.monthrange(day.year, day.month)[1]
        end = day.replace(day=last)
        due = end - timedelta(days=(end.weekday() - weekday) % 7)
        return Period(start, end, due)
    raise ValueError(f"unknown cadence {cadence!r}")


def next_period(period: Period, cadence: str, weekday: int) -> Period:
    return period_containing(period.end + timedelta(days=1), cadence, weekday)


def periods_between(first: date, last: date, cadence: str, weekday: int) -> list[Period]:
    """Every period that overlaps [first, last], oldest first."""
    periods = []
    period = period_containing(first, cadence, weekday)
    while period.start <= last:
        periods.append(period)
        period = next_period(period, cadence, weekday)
    return periods
