"""Observable metrics and their readings."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import Department, User
from tracker.behaviours.models import Behaviour
from tracker.charts import format_number
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import Model

DIRECTIONS = {"higher": "Higher is better", "lower": "Lower is better"}
CADENCES = {"weekly": "Weekly", "fortnightly": "Fortnightly", "monthly": "Monthly",
            "quarterly": "Quarterly"}
SOURCES = {
    "customer": "Customer-perceived",
    "internal": "Internal operational",
    "self": "Self-assessed",
}

# Units whose readings are counted things: whole numbers, never negative.
COUNT_UNITS = frozenset({"count", "#", "calls", "people", "orders", "complaints", "tickets",
                         "incidents", "defects", "items", "visits", "errors"})


def is_percentage(unit: str) -> bool:
    return unit.strip().lower() in {"%", "percent", "per cent"}


def is_count(unit: str) -> bool:
    return unit.strip().lower() in COUNT_UNITS


def is_better(direction: str, value: float, than: float) -> bool:
    """Whether `value` is better than `than` for a metric whose `direction`
    ("higher" or "lower") says which way is better; an equal value is not.
    The one statement of "did it move the right way": `Metric.is_better` and
    `Metric.movement` apply it, and so does the say/do off-track check, which
    reads only the direction from the database."""
    return value > than if direction == "higher" else value < than


def better_change(direction: str) -> str:
    """The change that moves a metric whose `direction` is "higher" or "lower"
    toward its target: "increase" or "decrease" (an initiative's expected change)."""
    return "increase" if direction == "higher" else "decrease"


def change_wording(amount: float, unit: str, *, signed: bool = False) -> str:
    """A change in a metric's own unit: a percentage moves by points (55% to
    95% is "40 points", not "40%"), anything else by its unit ("3 days").
    `signed` puts "+" before a rise."""
    number = ("+" if signed and amount > 0 else "") + format_number(amount)
    if unit.startswith("%"):
        return f"{number} point{'' if abs(amount) == 1 else 's'}"
    return f"{number} {unit}" if unit else number


def progress_from(baseline: float, target: float, value: float | None) -> float | None:
    """How far `value` has come from baseline to target: 0 at baseline, 1 at
    target, negative when it moved the wrong way; None without a value or
    when target and baseline are equal."""
    if value is None or target == baseline:
        return None
    return (value - baseline) / (target - baseline)


metric_behaviour = Table(
    "metric_behaviour",
    Model.metadata,
    Column("metric_id", ForeignKey("metric.id", ondelete="CASCADE"), primary_key=True),
    Column("behaviour_id", ForeignKey("behaviour.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Metric(Model):
    __tablename__ = "metric"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Moved on by every save of its edit form (tracker/concurrency.py): a form
    # opened at an older version is refused instead of undoing a newer save.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    name: Mapped[str] = mapped_column(String(200), unique=True)
    unit: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[str] = mapped_column(String(10))
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    target_date: Mapped[date] = mapped_column(Date)
    cadence: Mapped[str] = mapped_column(String(20), default="monthly")
    source: Mapped[str] = mapped_column(String(20))
    standard: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The metric's own plausible range for a reading; None: the unit's default
    # (0 to 100 for %, 0 up for counts), or no bound.
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)

    owner: Mapped[User] = relationship()
    department: Mapped[Department | None] = relationship()
    behaviours: Mapped[list[Behaviour]] = relationship(
        secondary=metric_behaviour, order_by=Behaviour.name
    )

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def direction_label(self) -> str:
        return DIRECTIONS.get(self.direction, self.direction)

    def progress(self, value: float | None) -> float | None:
        """How far `value` has come from baseline to target (see `progress_from`)."""
        return progress_from(self.baseline, self.target, value)

    def is_better(self, value: float, than: float) -> bool:
        """Whether `value` is better than `than` by this metric's direction."""
        return is_better(self.direction, value, than)

    def bounds(self) -> tuple[float | None, float | None]:
        """The lowest and highest plausible reading: the metric's own, else its unit's."""
        low, high = self.min_value, self.max_value
        if is_percentage(self.unit):
            low = 0.0 if low is None else low
            high = 100.0 if high is None else high
        elif is_count(self.unit) and low is None:
            low = 0.0
        return low, high

    def implausible(self, value: float) -> str | None:
        """Why `value` cannot be a reading of this metric, or None when it can.
        The one plausibility check: the reading form, the CSV import and every
        other way in ask it."""
        low, high = self.bounds()
        shown = f"{self.unit}" if self.unit.startswith("%") else (f" {self.unit}" if self.unit else "")
        if is_count(self.unit) and value != int(value):
            return f"{self.name} counts {self.unit.strip()}: a whole number, like {int(value)}."
        if low is not None and value < low:
            return f"{value:g}{shown} is below the lowest plausible value, {low:g}{shown}."
        if high is not None and value > high:
            return f"{value:g}{shown} is above the highest plausible value, {high:g}{shown}."
        return None

    def movement(self, before: float | None, after: float | None) -> str:
        """Which way a change from `before` to `after` went: "toward" the
        target, "away" from it, or "" when either is missing or nothing changed."""
        if before is None or after is None or before == after:
            return ""
        return "toward" if self.is_better(after, before) else "away"


class Reading(Model):
    """One reading, never changed once stored (append-only). A correction is a
    new row that `supersedes` the reading it corrects; a void is a new row that
    supersedes it with `voided` set and counts nowhere. The reading superseded
    stops being current (`is_current`, set once), so only current readings
    count, and one current reading per metric and date is the unique rule."""

    __tablename__ = "reading"
    __table_args__ = (
        Index("uq_reading_current_day", "metric_id", "observed_on", unique=True,
              sqlite_where=text("is_current = 1"), postgresql_where=text("is_current")),
        # Every reading of a metric, history included: the readings page.
        Index("ix_reading_metric_history", "metric_id", "observed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id"))
    observed_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # False once a correction or void supersedes it; a void is never current.
    is_current: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The reading this one corrects or voids: one correction per reading.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("reading.id"), unique=True)
    voided: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Why it was corrected or voided.
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    metric: Mapped[Metric] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    supersedes: Mapped["Reading | None"] = relationship(remote_side=[id])


def current_readings(reading: type[Reading] | Any = Reading) -> ColumnElement[bool]:
    """The one filter every figure reads readings through: only current ones
    (not corrected since, not voided). `reading` may be an alias of Reading."""
    return reading.is_current == true()
