"""Observable metrics and their readings."""

from datetime import date, datetime

from sqlalchemy import Column, Date, Float, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import Department, User
from tracker.behaviours.models import Behaviour
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



def is_better(direction: str, value: float, than: float) -> bool:
    """Whether `value` is better than `than` for a metric whose `direction`
    ("higher" or "lower") says which way is better; an equal value is not.
    The one statement of "did it move the right way": `Metric.is_better` and
    `Metric.movement` apply it, and so does the say/do off-track check, which
    reads only the direction from the database."""
    return value > than if direction == "higher" else value < than


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

    def movement(self, before: float | None, after: float | None) -> str:
        """Which way a change from `before` to `after` went: "toward" the
        target, "away" from it, or "" when either is missing or nothing changed."""
        if before is None or after is None or before == after:
            return ""
        return "toward" if self.is_better(after, before) else "away"


class Reading(Model):
    __tablename__ = "reading"
    __table_args__ = (UniqueConstraint("metric_id", "observed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id"))
    observed_on: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    metric: Mapped[Metric] = relationship()
    recorded_by: Mapped[User | None] = relationship()
