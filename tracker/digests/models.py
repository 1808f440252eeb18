"""The delivery ledger: one row per person and week, whatever runs when."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db

# pending     -> not tried yet
# sending     -> claimed by a run; the message is being built and the SMTP
#                envelope opened; nothing has been handed over
# handed_over -> the message body is being transferred: a crash here leaves
#                it uncertain whether it arrived, so it is never resent blindly
# sent        -> accepted by the mail server (or written to the outbox)
# retry       -> a temporary failure; tried again from next_attempt_at
# failed      -> a permanent failure, or too many temporary ones
DELIVERY_STATES = ("pending", "sending", "handed_over", "sent", "retry", "failed")


class DigestDelivery(db.Model):
    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("user_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    week: Mapped[str] = mapped_column(String(8), index=True)  # ISO week, e.g. 2026-W47
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
