"""Reading and changing the organisation's settings; the scheduled jobs' heartbeats."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker import concurrency
from tracker.accounts.models import User
from tracker.accounts.services import valid_timezones
from tracker.auth.policy import may
from tracker.calendar import CADENCES
from tracker.extensions import db
from tracker.history import services as history
from tracker.organisation.models import JobRecord, OrgSettings
from tracker.validation import FieldError

FIELDS = ("timezone", "default_cadence", "default_weekday", "grace_days", "reminder_hour",
          "digest_weekday", "digest_hour")


class SettingsError(FieldError):
    """A setting is out of range; the message is fit to show the user and `field`
    names the setting."""


def get_settings() -> OrgSettings:
    """The settings row; defaults (not stored) when none was saved yet."""
    settings = db.session.get(OrgSettings, 1)
    if settings is None:
        settings = OrgSettings(id=1, timezone="UTC", default_cadence="weekly", default_weekday=4,
                               grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8)
    return settings


def local_now(settings: OrgSettings, now: datetime) -> datetime:
    """`now` on the organisation's wall clock."""
    return now.astimezone(ZoneInfo(settings.timezone))


def today(now: datetime, settings: OrgSettings | None = None) -> date:
    """The organisation's date at `now`: what "today" means on every page, in
    every service and job (periods, due days, "not in the future"). Pass the
    settings when they are at hand, to save reading them again."""
    return local_now(settings or get_settings(), now).date()


def time_label(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as people read it on the organisation's wall clock, with the
    zone's abbreviation: '29 Nov 2026 14:05 AEDT'. Zones without a letter
    abbreviation show their offset ('UTC-03')."""
    local = moment.astimezone(zone)
    abbreviation = local.tzname() or ""
    if abbreviation[:1] in "+-":
        abbreviation = f"UTC{abbreviation}"
    return f"{local.strftime('%d %b %Y %H:%M')} {abbreviation}".rstrip()


@dataclass
class SettingsInput:
    timezone: str
    default_cadence: str
    default_weekday: int
    grace_days: int
    reminder_hour: int
    digest_weekday: int
    digest_hour: int


def update_settings(*, actor: User, data: SettingsInput, now: datetime,
                    version: int | None = None) -> OrgSettings:
    """Save the settings form. `version` is the one the form was opened at (0:
    nothing was stored yet): concurrency.EditConflict when someone saved since
    (None: no form, no check)."""
    if not may(actor, "manage_settings"):
        raise SettingsError("Only admins change organisation settings.")
    problems: list[SettingsError] = []
    if data.timezone not in valid_timezones():
        problems.append(SettingsError(f"Unknown timezone {data.timezone!r}.", "timezone"))
    if data.default_cadence not in CADENCES:
        problems.append(SettingsError("Choose weekly, fortnightly or monthly.", "default_cadence"))
    for label, name, low, high in (("Due weekday", "default_weekday", 0, 6),
                                   ("Digest weekday", "digest_weekday", 0, 6),
                                   ("Grace period", "grace_days", 0, 14),
                                   ("Reminder hour", "reminder_hour", 0, 23),
                                   ("Digest hour", "digest_hour", 0, 23)):
        value = getattr(data, name)
        if not isinstance(value, int) or not low <= value <= high:
            problems.append(SettingsError(f"{label} must be between {low} and {high}.", name))
    if problems:
        raise SettingsError.collect(problems)
    settings = db.session.get(OrgSettings, 1)
    if settings is None:
        if version:
            raise concurrency.EditConflict()
        settings = get_settings()
        db.session.add(settings)
        before = {}
    else:
        concurrency.claim_version(settings, version)
        before = history.snapshot(settings, FIELDS)
    for name in FIELDS:
        setattr(settings, name, getattr(data, name))
    try:
        db.session.flush()
    except IntegrityError:
        raise concurrency.EditConflict() from None  # the first save ever, made twice at once
    changes = history.diff(before, history.snapshot(settings, FIELDS))
    if changes:
        history.record("settings", 1, "updated", "Changed organisation settings", actor=actor, now=now,
                       changes=changes)
    return settings


@dataclass
class SchedulerHealth:
    """What the scheduler page tells an admin: each job's last run, and
    whether the scheduler looks stopped."""
    records: dict[str, JobRecord]
    last_seen: datetime | None  # when any job last finished
    stale: bool


def scheduler_health(*, now: datetime, every: timedelta) -> SchedulerHealth:
    """The jobs' heartbeats as of `now`, for a scheduler that ticks `every`.
    Stale when no job ever finished or none did for two intervals: one tick
    may be running right now."""
    records = {r.name: r for r in db.session.scalars(select(JobRecord))}
    last_seen = max((r.last_finished_at for r in records.values() if r.last_finished_at),
                    default=None)
    return SchedulerHealth(records, last_seen, last_seen is None or now - last_seen > 2 * every)
