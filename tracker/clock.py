"""The clock: the one place the app reads the time.

Only the entry points read it — views, CLI commands and the scheduler — and
hand the moment to services as `now`; services, models and jobs never read
the clock themselves (tests/test_clock.py scans for that). Tests of pages fix
the moment with the FIXED_NOW setting instead of patching the clock.
"""

from datetime import UTC, datetime

from flask import current_app, has_app_context


def now() -> datetime:
    """The current moment as an aware UTC datetime; the app's FIXED_NOW when one is set."""
    fixed = current_app.config.get("FIXED_NOW") if has_app_context() else None
    return fixed if fixed is not None else datetime.now(UTC)
