"""Incentives, their judgements against behaviours, and the initiatives that change them."""

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import Department, User
from tracker.behaviours.models import Behaviour
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import Model
from tracker.initiatives.models import Initiative
from tracker.metrics.models import Metric

SOURCES = {"pay_plan": "Pay plan", "scorecard": "Scorecard", "objective": "Objective"}
STATUSES = {"in_effect": "In effect", "proposed": "Proposed", "ended": "Ended"}
# Which way of its linked metric an incentive pays for.
REWARDED_DIRECTIONS = {"increase": "Pays for it to go up", "decrease": "Pays for it to go down"}
# A judgement is always about the change: for a no-no, "supports" means it
# helps the no-no go away, "pulls against" that it pays for more of it.
VERDICTS = {"supports": "Supports", "neutral": "Neutral", "pulls_against": "Pulls against"}


class Incentive(Model):
    """What a department (or a role or named group in it) is measured or paid on.

    Proposed incentives are not paid yet (an initiative can make one take
    effect); an ended one stays, with the date it ended and what replaced it,
    so the conflicts it was part of show as resolved from that date.
    """

    __tablename__ = "incentive"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    # The job role paid on it ("Account executives"): shown to everyone.
    role_name: Mapped[str] = mapped_column(String(120), default="")
    # A named group ("the 2026 President's Club"): hr, executives and admins only.
    named_group: Mapped[str] = mapped_column(String(200), default="")
    rewards: Mapped[str] = mapped_column(String(200))
    metric_id: Mapped[int | None] = mapped_column(ForeignKey("metric.id"), index=True)
    rewarded_direction: Mapped[str | None] = mapped_column(String(10))
    # Share of bonus or commission, in per cent: hr, executives and admins only.
    weight_percent: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="in_effect", index=True)
    effective_from: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("incentive.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()
    metric: Mapped[Metric | None] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    replaced_by: Mapped["Incentive | None"] = relationship(remote_side=[id])

    @property
    def label(self) -> str:
        return incentive_label(self.department.name, self.role_name, self.rewards)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def direction_label(self) -> str:
        return REWARDED_DIRECTIONS.get(self.rewarded_direction or "", "")


class Judgement(Model):
    """A person's judgement of one incentive against one behaviour, with the
    app's suggestion at the time kept beside it."""

    __tablename__ = "incentive_judgement"
    __table_args__ = (UniqueConstraint("incentive_id", "behaviour_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incentive_id: Mapped[int] = mapped_column(ForeignKey("incentive.id", ondelete="CASCADE"))
    behaviour_id: Mapped[int] = mapped_column(ForeignKey("behaviour.id", ondelete="CASCADE"),
                                              index=True)
    verdict: Mapped[str] = mapped_column(String(14))
    reason: Mapped[str] = mapped_column(String(200))
    suggested_verdict: Mapped[str] = mapped_column(String(14))
    judged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    judged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    incentive: Mapped[Incentive] = relationship()
    behaviour: Mapped[Behaviour] = relationship()
    judged_by: Mapped[User | None] = relationship()

    @property
    def verdict_label(self) -> str:
        return VERDICTS.get(self.verdict, self.verdict)


class IncentiveChange(Model):
    """An initiative of kind "incentive change" names the incentive it changes
    and, optionally, the proposed incentive that replaces it. `applied_on` is
    the day its check-in reported the change as an evidenced action."""

    __tablename__ = "incentive_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"),
                                               unique=True)
    incentive_id: Mapped[int] = mapped_column(ForeignKey("incentive.id"), index=True)
    replacement_id: Mapped[int | None] = mapped_column(ForeignKey("incentive.id"))
    applied_on: Mapped[date | None] = mapped_column(Date)
    applied_evidence: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    initiative: Mapped[Initiative] = relationship()
    incentive: Mapped[Incentive] = relationship(foreign_keys=[incentive_id])
    replacement: Mapped[Incentive | None] = relationship(foreign_keys=[replacement_id])


def incentive_label(department: str, role_name: str | None, rewards: str) -> str:
    """How lists and choices name an incentive: department and what it rewards
    (no named group and no weight, so it is fit for every reader)."""
    who = f"{department} ({role_name})" if role_name else department
    return f"{who}: {rewards}"
