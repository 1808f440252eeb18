"""Check-ins: one per initiative per period, holding talk and action entries."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.behaviours.models import Behaviour
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import Model
from tracker.initiatives.models import Initiative

CHECKIN_STATES = {"open": "Open", "submitted": "Submitted", "missed": "Missed"}
ENTRY_KINDS = {"talk": "Talk", "action": "Action"}
# An organisation's own cue phrases for the classifier: which kind each
# points to, and how it counts (see `classifier.CUE_ROLES`).
CUE_KINDS = {"talk": "Talk", "action": "Action"}
REVIEW_STATES = {"none": "", "pending": "Needs review", "confirmed": "Confirmed",
                 "reclassified": "Reclassified"}


class MissedMarking(Model):
    """One run of the scheduler that turned open check-ins into missed ones:
    the only change to check-ins that records no history event, so the kept
    figures (tracker.cache) notice it by this table's largest id, one index
    lookup, instead of counting every missed check-in. Append-only."""
    __tablename__ = "checkin_missed_marking"

    id: Mapped[int] = mapped_column(primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checkins: Mapped[int]


class CheckIn(Model):
    __tablename__ = "checkin"
    # One check-in per initiative and period, whatever opens it and however often.
    __table_args__ = (
        UniqueConstraint("initiative_id", "period_start"),
        Index("ix_checkin_state_due_on", "state", "due_on"),
        # Covers the dashboard's actions-against-talk per week: the weeks'
        # submitted check-ins are summed from the index alone.
        Index("ix_checkin_state_period_tallies", "state", "period_start",
              "evidenced_count", "unevidenced_count", "talk_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12), default="open")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What its standing entries count as, recounted by the services that add
    # entries or verdicts (`services.retally`, under a lock on this row), so
    # say/do pages never aggregate every entry.
    evidenced_count: Mapped[int] = mapped_column(default=0, server_default="0")
    unevidenced_count: Mapped[int] = mapped_column(default=0, server_default="0")
    talk_count: Mapped[int] = mapped_column(default=0, server_default="0")

    initiative: Mapped[Initiative] = relationship()
    submitted_by: Mapped[User | None] = relationship()
    entries: Mapped[list["Entry"]] = relationship(
        back_populates="checkin", order_by="Entry.id", cascade="all, delete-orphan"
    )

    @property
    def state_label(self) -> str:
        return CHECKIN_STATES.get(self.state, self.state)


class Entry(Model):
    """One statement in a check-in. Never edited once submitted: a correction
    is a new entry that `amends` the original. A reviewer's verdict is kept
    beside the owner's choice, not over it."""

    __tablename__ = "checkin_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    happened_on: Mapped[date | None] = mapped_column(Date)
    done_by: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[str] = mapped_column(String(500), default="")
    behaviour_id: Mapped[int | None] = mapped_column(ForeignKey("behaviour.id"), index=True)
    suggested_kind: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_state: Mapped[str] = mapped_column(String(14), default="none", index=True)
    reviewed_kind: Mapped[str | None] = mapped_column(String(10))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unique: an entry is amended once; a later correction amends the amendment.
    # Two amendments sent at the same moment cannot both be stored.
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_entry.id"), index=True,
                                                  unique=True)
    amendment_note: Mapped[str] = mapped_column(Text, default="")
    is_amendment: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checkin: Mapped[CheckIn] = relationship(back_populates="entries")
    behaviour: Mapped[Behaviour | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    amends: Mapped["Entry | None"] = relationship(remote_side=[id])

    @property
    def effective_kind(self) -> str:
        """What the entry counts as: the reviewer's verdict if there is one."""
        return self.reviewed_kind or self.kind

    @property
    def evidenced(self) -> bool:
        return bool(self.evidence)

    @property
    def flagged(self) -> bool:
        """The owner's choice disagrees with the classifier's suggestion."""
        return self.kind != self.suggested_kind


class CuePhrase(Model):
    """A cue phrase an admin added for this organisation's wording. Used by
    every suggestion from the moment it is saved; switched off rather than
    deleted, and every change is kept in history."""

    __tablename__ = "classifier_cue_phrase"

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(10))
    weight: Mapped[int] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()


# What became of an emailed reply (see `replies.receive_reply`).
REPLY_OUTCOMES = {"submitted": "Submitted the check-in", "draft": "Kept as a draft",
                  "amended": "Amended the check-in", "empty": "Nothing to record"}


class Reply(Model):
    """An emailed reply to a check-in from its owner, processed exactly once:
    its Message-ID is unique, so the same message delivered twice (a mail
    server's retry, the webhook called again) finds itself here and records
    nothing more. `lines` keeps what was read from each line of it, which for
    a draft is what the next reply completes. Only replies from the owner's
    own address are kept; nothing is stored of anyone else's mail."""

    __tablename__ = "checkin_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(254))
    outcome: Mapped[str] = mapped_column(String(12))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checkin: Mapped[CheckIn] = relationship()


class InitiativeFlags(Model):
    """The alarming say/do flags an initiative had when `jobs.note_flags` last
    looked, so that it can tell when one is gained. `change` counts the
    changes noted, so two runs at once note (and announce) each change once."""

    __tablename__ = "initiative_flags"

    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"),
                                               primary_key=True)
    flags: Mapped[str] = mapped_column(String(100), default="")  # comma-separated, sorted
    change: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
