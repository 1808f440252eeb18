"""Personal access tokens and the per-token request counts that rate-limit them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import UTCDateTime
from tracker.extensions import Model


class ApiToken(Model):
    """A token as stored: never the token itself, only its SHA-256 (see
    `tracker.tokens.services.digest` for why a fast hash is right here) and
    the first characters, so a person can tell their tokens apart."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    # Space-separated, from tracker.tokens.services.SCOPES.
    scopes: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def usable_at(self, now: datetime) -> bool:
        """Not revoked, not expired, and its person still active."""
        return self.revoked_at is None and now < self.expires_at and self.user.active


class ApiRequestWindow(Model):
    """How many requests one token made in one rate-limit window (a minute
    starting at `window_start`). Counted in the database so the limit holds
    across workers and machines, as the sign-in throttle's failures are."""

    __tablename__ = "api_request_window"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    requests: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_api_request_window_start", "window_start"),)
