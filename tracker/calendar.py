"""The calendar every domain shares: check-in periods, quarters and ISO weeks.

Weekly periods run Monday to Sunday; fortnightly periods are pairs of weeks
counted from a fixed Monday, so every initiative agrees on them; monthly
periods are calendar months. The due day is the chosen weekday in the
period's last week. Quarters are calendar quarters ("2026-Q1"), ISO weeks
run Monday to Sunday ("2026-W47"). Plain date arithmetic: no clock, no time
zone.

The parsers (`Quarter.parse`, `week_bounds`) accept years FIRST_YEAR to
LAST_YEAR only: a year's margin either side keeps what callers do with a
parsed value (a report's trend three quarters back, the day after a week, a
time-zone shift) within the dates Python can hold.
"""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

CADENCES = {"weekly": "Weekly", "fortnightly": "Fortnightly", "monthly": "Monthly"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A Monday long before any check-in; fortnights are counted from it.
EPOCH = date(2024, 1, 1)
FIRST_YEAR = 2
LAST_YEAR = 9998


# Check-in periods

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
        end = day.replace(day=monthrange(day.year, day.month)[1])
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


# Quarters

QUARTER_KEY = re.compile(r"(\d{4})-Q([1-4])", re.ASCII)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str | None) -> "Quarter | None":
        """"2026-Q1" → Quarter(2026, 1); anything else, or a year outside
        FIRST_YEAR to LAST_YEAR, → None."""
        match = QUARTER_KEY.fullmatch((text or "").strip())
        if not match or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
            return None
        return cls(int(match[1]), int(match[2]))

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The last day of the quarter."""
        month = 3 * self.number
        return date(self.year, month, monthrange(self.year, month)[1])

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        return f"Q{self.number} {self.year}"

    def shift(self, quarters: int) -> "Quarter":
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def __str__(self) -> str:
        return self.label


def quarters_between(first: date, last: date, limit: int = 24) -> list[Quarter]:
    """The quarters from `last` back to `first`, newest first, at most `limit`."""
    out: list[Quarter] = []
    quarter, stop = Quarter.containing(last), Quarter.containing(first)
    while quarter >= stop and len(out) < limit:
        out.append(quarter)
        quarter = quarter.shift(-1)
    return out


# ISO weeks

WEEK_KEY = re.compile(r"(\d{4})-W(\d{1,2})", re.ASCII | re.IGNORECASE)


def week_label(day: date) -> str:
    """The ISO week holding `day`, such as 2026-W47."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(label: str | None) -> tuple[date, date]:
    """Monday and Sunday of an ISO week such as 2026-W47. ValueError if
    malformed, if the year has no such week, or if the year is outside
    FIRST_YEAR to LAST_YEAR."""
    match = WEEK_KEY.fullmatch(label.strip()) if isinstance(label, str) else None
    if match is None or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise ValueError(_not_a_week(label))
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(_not_a_week(label)) from None
    return monday, monday + timedelta(days=6)


def _not_a_week(label: object) -> str:
    shown = label if isinstance(label, str) else ""
    return (f"“{shown.strip()}” is not an ISO week: write the year, a W and the week's number, "
            "like 2026-W47 (weeks run Monday to Sunday; a year has 52 or 53).")


def parse_week(text: str | None) -> str:
    """The ISO week `text` names, written as `week_label` writes it ("2026-W05"
    for " 2026-w5"): how every week typed into a query string or a command
    is read. ValueError, with a message fit to show, as `week_bounds`."""
    return week_label(week_bounds(text)[0])


def week_just_ended(local_today: date) -> str:
    """The ISO week before the one holding `local_today`."""
    return week_label(local_today - timedelta(days=local_today.isoweekday()))
