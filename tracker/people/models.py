"""People decisions and the behaviour evidence behind each one."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import Department, User
from tracker.behaviours.models import Behaviour
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import Model
from tracker.initiatives.models import Initiative
from tracker.metrics.models import Metric

DECISION_KINDS = {
    "hire": "Hire",
    "promotion": "Promotion",
    "lateral_move": "Lateral move",
    "demotion": "Demotion",
    "exit": "Exit",
    "recognition": "Recognition",
}
# A decision of these kinds rewards target behaviours; the others remove no-nos.
REWARDING_KINDS = ("hire", "promotion", "lateral_move", "recognition")
REMOVING_KINDS = ("demotion", "exit")


class PeopleDecision(Model):
    __tablename__ = "people_decision"
    # A person's decisions are found by employee reference, ignoring case
    # (queries.same_person): from this index, not by reading every decision.
    __table_args__ = (Index("ix_people_decision_employee_ref_lower", func.lower(text("employee_ref"))),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Moved on by every save of its edit form (tracker/concurrency.py): a form
    # opened at an older version is refused instead of undoing a newer save.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    person_name: Mapped[str] = mapped_column(String(120))
    # Ties one person's decisions together, so a promotion sees an earlier no-no.
    employee_ref: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    effective_date: Mapped[date] = mapped_column(Date, index=True)
    role_from: Mapped[str] = mapped_column(String(120), default="")
    role_to: Mapped[str] = mapped_column(String(120), default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    # Free text: the person who made the call is often not a tracker user
    # (a line manager, the board), and HR writes down who it was.
    decided_by: Mapped[str] = mapped_column(String(120))
    rationale: Mapped[str] = mapped_column(Text, default="")
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiative.id"), index=True)
    # Derived by `alignment.alignment` whenever this person's record changes;
    # stored so lists, reports and exports filter and count in SQL.
    aligned: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    alignment_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    department: Mapped[Department] = relationship()
    initiative: Mapped[Initiative | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    evidence: Mapped[list["DecisionEvidence"]] = relationship(
        back_populates="decision", cascade="all, delete-orphan",
        order_by="DecisionEvidence.id",
    )

    @property
    def kind_label(self) -> str:
        return DECISION_KINDS.get(self.kind, self.kind)

    @property
    def rewards(self) -> bool:
        """True for kinds that reward behaviour; False for demotions and exits."""
        return self.kind in REWARDING_KINDS

    def __repr__(self) -> str:
        return f"<PeopleDecision {self.id} {self.kind} {self.employee_ref!r}>"


class DecisionEvidence(Model):
    """One concrete piece of evidence: what the person did, when, and where
    it is recorded, for a target behaviour rewarded or a no-no removed."""

    __tablename__ = "people_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("people_decision.id", ondelete="CASCADE"), index=True
    )
    behaviour_id: Mapped[int] = mapped_column(ForeignKey("behaviour.id"), index=True)
    what: Mapped[str] = mapped_column(Text)
    observed_on: Mapped[date] = mapped_column(Date)
    # Where it is recorded: a case number, a file, a link HR can look up.
    where_recorded: Mapped[str] = mapped_column(String(300))
    # Recognition only: what customers said, as a customer-perceived metric
    # or a customer's own words, so rewards follow customer opinion.
    customer_metric_id: Mapped[int | None] = mapped_column(ForeignKey("metric.id"), index=True)
    customer_words: Mapped[str] = mapped_column(Text, default="", server_default="")

    decision: Mapped[PeopleDecision] = relationship(back_populates="evidence")
    behaviour: Mapped[Behaviour] = relationship()
    customer_metric: Mapped[Metric | None] = relationship()

    @property
    def follows_customers(self) -> bool:
        """It cites what customers said: a customer-perceived metric or their words."""
        return self.customer_metric_id is not None or bool(self.customer_words)
