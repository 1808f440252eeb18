"""Sign-in throttling: too many failed sign-ins for one account, or from one
client address, within a window pause further attempts until the window has
moved past them.

The failures are rows in the database, so the limits hold across gunicorn
workers and across web machines sharing the database, with no other service.
Checking costs two indexed queries; the check happens before any password is
hashed, so a paused sign-in costs the server almost nothing. Failures are
counted by the email as typed, whether or not an account has it, so a pause
says nothing about which emails exist. Two workers checking at the same
instant may each let one more attempt through; the overshoot is bounded by
the number of workers.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute

from tracker.auth.models import FailedSignIn
from tracker.extensions import db
from tracker.validators import without_controls

EMAIL_LENGTH = 254
ADDRESS_LENGTH = 64


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window: timedelta


@dataclass(frozen=True)
class Paused:
    """An account or address whose sign-ins are paused."""

    key: str
    failures: int
    last_failure: datetime
    free_by: datetime  # at the latest; earlier if older failures leave the window first


def limits() -> Limits:
    """The configured limits (checked to be positive numbers at start-up)."""
    config = current_app.config
    return Limits(
        per_account=math.ceil(config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]),
        per_address=math.ceil(config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"]),
        window=timedelta(minutes=config["SIGN_IN_WINDOW_MINUTES"]),
    )


def account_key(email: str | None) -> str:
    """The email as counted: trimmed, lower-cased, without control characters
    (PostgreSQL stores no NUL, and would refuse the query), cut to the column's length."""
    return without_controls(email or "").strip().lower()[:EMAIL_LENGTH]


def address_key(address: str | None) -> str:
    return (address or "unknown")[:ADDRESS_LENGTH]


def seconds_to_wait(*, email: str, address: str | None, now: datetime) -> int:
    """0 when a sign-in for `email` from `address` may be tried at `now`;
    otherwise the whole seconds until it may (at least 1)."""
    rule = limits()
    since = now - rule.window
    waits = []
    for column, value, limit in (
        (FailedSignIn.email, account_key(email), rule.per_account),
        (FailedSignIn.address, address_key(address), rule.per_address),
    ):
        # The limit-th most recent failure: once it leaves the window, fewer
        # than `limit` remain and attempts may start again.
        oldest_that_counts = db.session.scalar(
            select(FailedSignIn.at)
            .where(column == value, FailedSignIn.at > since)
            .order_by(FailedSignIn.at.desc())
            .offset(limit - 1)
            .limit(1)
        )
        if oldest_that_counts is not None:
            waits.append(oldest_that_counts + rule.window - now)
    if not waits:
        return 0
    return max(1, math.ceil(max(waits).total_seconds()))


def record_failure(*, email: str, address: str | None, now: datetime) -> None:
    """Count one failed sign-in, and drop failures the window has left behind."""
    db.session.execute(delete(FailedSignIn).where(FailedSignIn.at <= now - limits().window))
    db.session.add(FailedSignIn(email=account_key(email), address=address_key(address), at=now))
    db.session.flush()


def forget_failures(email: str) -> None:
    """Clear an account's failures: after the right password, or when an admin
    lets the person try again. Failures for other emails still count against
    the addresses they came from."""
    db.session.execute(delete(FailedSignIn).where(FailedSignIn.email == account_key(email)))
    db.session.flush()


def paused(now: datetime) -> tuple[list[Paused], list[Paused]]:
    """The accounts and the client addresses whose sign-ins are paused at `now`."""
    rule = limits()
    since = now - rule.window

    def over_limit(column: InstrumentedAttribute[str], limit: int) -> list[Paused]:
        rows = db.session.execute(
            select(column, func.count(), func.max(FailedSignIn.at))
            .where(FailedSignIn.at > since)
            .group_by(column)
            .having(func.count() >= limit)
            .order_by(func.max(FailedSignIn.at).desc())
        ).all()
        return [Paused(key=key, failures=count, last_failure=last, free_by=last + rule.window)
                for key, count, last in rows]

    return (over_limit(FailedSignIn.email, rule.per_account),
            over_limit(FailedSignIn.address, rule.per_address))
