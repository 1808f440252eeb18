"""Initiatives: the moves that change a culture."""

from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import Department, User
from tracker.behaviours.models import Behaviour
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import Model
from tracker.metrics.models import Metric

INITIATIVE_KINDS = {
    "leadership_change": "Leadership change",
    "supplier_change": "Supplier change",
    "contract_termination": "Contract termination",
    "office_move": "Office move",
    "hire": "Hire",
    "promotion": "Promotion",
    "exit": "Exit",
    "policy_change": "Policy or rule change",
    "incentive_change": "Incentive change",
    "process_change": "Process or system change",
    "recognition": "Recognition",
    "other": "Other",
}
STATUSES = {
    "proposed": "Proposed",
    "announced": "Announced",
    "in_progress": "In progress",
    "done": "Done",
    "abandoned": "Abandoned",
}
EXPECTED_DIRECTIONS = {"increase": "Increase", "decrease": "Decrease"}

initiative_behaviour = Table(
    "initiative_behaviour",
    Model.metadata,
    Column("initiative_id", ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True),
    Column("behaviour_id", ForeignKey("behaviour.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Initiative(Model):
    __tablename__ = "initiative"
    # One per sort of the initiative list (see services.SORTS), ending in the
    # id that breaks ties, so a page deep in the list is read from the index.
    __table_args__ = (
        Index("ix_initiative_updated_at_id", "updated_at", "id"),
        Index("ix_initiative_due_date_id", "due_date", "id"),
        Index("ix_initiative_start_date_id", "start_date", "id"),
        Index("ix_initiative_title_lower", func.lower(text("title")), "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Moved on by every save of its edit form (tracker/concurrency.py): a form
    # opened at an older version is refused instead of undoing a newer save.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Why now, and what happens if we don't.
    burning_platform: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    abandon_reason: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    sponsor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    # When it last became announced or in progress: check-ins start then.
    active_since: Mapped[date | None] = mapped_column(Date)
    # Check-in schedule; None means the organisation's default.
    checkin_cadence: Mapped[str | None] = mapped_column(String(12))
    checkin_weekday: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    sponsor: Mapped[User | None] = relationship(foreign_keys=[sponsor_id])
    department: Mapped[Department | None] = relationship()
    behaviours: Mapped[list[Behaviour]] = relationship(
        secondary=initiative_behaviour, order_by=Behaviour.name
    )
    metric_links: Mapped[list["InitiativeMetric"]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan",
        order_by="InitiativeMetric.id",
    )

    @property
    def kind_label(self) -> str:
        return INITIATIVE_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def is_unmeasured(self) -> bool:
        """No linked metric: whatever it says, it is still talk."""
        return not self.metric_links


class InitiativeMetric(Model):
    """A metric an initiative is expected to move: which way, how much, by when."""

    __tablename__ = "initiative_metric"
    __table_args__ = (UniqueConstraint("initiative_id", "metric_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id"), index=True)
    expected_direction: Mapped[str] = mapped_column(String(10))
    expected_amount: Mapped[float] = mapped_column(Float)
    expected_by: Mapped[date] = mapped_column(Date)

    initiative: Mapped[Initiative] = relationship(back_populates="metric_links")
    metric: Mapped[Metric] = relationship()
