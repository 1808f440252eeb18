"""Users and departments."""

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import Model


class Role(StrEnum):
    """The roles a user can hold. The column stores the value; what each role
    may do is decided in `tracker.auth.policy`, nowhere else."""

    ADMIN = "admin"
    EXECUTIVE = "executive"
    HR = "hr"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[str, str] = {Role.ADMIN: "Admin", Role.EXECUTIVE: "Executive", Role.HR: "HR",
                               Role.MEMBER: "Member"}


def new_session_token() -> str:
    """A fresh random session token (256 bits)."""
    return secrets.token_urlsafe(32)


class Department(Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Department {self.name!r}>"


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Moved on by every save of its edit form (tracker/concurrency.py): a form
    # opened at an older version is refused instead of undoing a newer save.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Stored lower-cased: uniqueness is case-insensitive on every engine.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The weekly digest email; each person can opt out (and back in).
    digest_opt_in: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of every session and remember-me cookie (see `get_id`): replacing
    # it ends every session the person has, on every device.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # A password someone else chose (an admin, the CLI) is temporary: the
    # person must replace it before doing anything else, and it stops
    # signing in at `password_expires_at`.
    password_must_change: Mapped[bool] = mapped_column(Boolean, default=False)
    password_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie:
        the id and the current session token, so an old cookie stops working
        the moment the token is replaced."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.email!r} {self.role}>"
