"""What the API keeps: the first answer to each write sent with an Idempotency-Key."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import UTCDateTime
from tracker.extensions import Model


class IdempotentRequest(Model):
    """A write's answer, stored in the same transaction as the write itself,
    so either both are stored or neither: a retry with the same key finds it
    and gets the same answer, and the write is never done twice."""

    __tablename__ = "api_idempotent_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Per person, not per token: a retry through a new token is still a retry.
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_api_idempotent_request_created_at", "created_at"),
    )
