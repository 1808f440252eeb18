"""What signing in remembers between requests: recent failed attempts."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import UTCDateTime
from tracker.extensions import Model


class FailedSignIn(Model):
    """One failed sign-in: the email typed (whether or not it has an account),
    the client address and the moment. Rows older than the throttle window
    are deleted as new failures arrive."""

    __tablename__ = "failed_sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (
        Index("ix_failed_sign_in_email_at", "email", "at"),
        Index("ix_failed_sign_in_address_at", "address", "at"),
    )
