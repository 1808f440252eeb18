"""Organisation-wide settings (one row) and the scheduler's job records."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import UTCDateTime
from tracker.extensions import Model


class OrgSettings(Model):
    """The organisation's settings. There is one row, id 1."""

    __tablename__ = "org_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Moved on by every save of its edit form (tracker/concurrency.py): a form
    # opened at an older version is refused instead of undoing a newer save.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_cadence: Mapped[str] = mapped_column(String(12), default="weekly")
    default_weekday: Mapped[int] = mapped_column(default=4)
    grace_days: Mapped[int] = mapped_column(default=2)
    reminder_hour: Mapped[int] = mapped_column(default=9)
    digest_weekday: Mapped[int] = mapped_column(default=0)
    digest_hour: Mapped[int] = mapped_column(default=8)


class JobRecord(Model):
    """The last run of one scheduled job: the heartbeat an admin looks at."""

    __tablename__ = "job_record"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(10), default="never")
    summary: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
