"""Figures computed from the whole organisation, kept until its data changes.

The say/do records (shared by the dashboard, the say/do overview and the
digest preview), the overview's rankings, the digest preview's organisation
week totals and rankings and the dashboard's organisation-wide summary read every
initiative, check-in and recent reading: too much to gather on every page
view of a large organisation, and nothing in them changes between two writes.
`per_data_version` keeps such a result in the process (each gunicorn worker
has its own) and computes it again as soon as `data_version` moves.

`data_version` changes with every write these figures read: every service
that changes initiatives, behaviours, metrics, check-ins, entries, verdicts
or people decisions records a history event; readings, new check-ins and
check-ins marked missed by the scheduler are counted directly. Cached values
must be plain values (numbers, ids, dataclasses of them), never ORM objects,
which belong to the session of the request that loaded them.
"""

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from sqlalchemy import func, select

from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.metrics.models import Reading

T = TypeVar("T")
KEEP = 32  # results kept per version: a few periods and departments in use at once


def data_version() -> tuple:
    """Moves whenever anything the cached figures read changes: one small
    query, each part answered from an index."""
    missed = select(func.count()).select_from(CheckIn).where(CheckIn.state == "missed")
    return tuple(db.session.execute(select(
        select(func.max(HistoryEvent.id)).scalar_subquery(),
        select(func.max(CheckIn.id)).scalar_subquery(),
        missed.scalar_subquery(),
        select(func.max(Reading.id)).scalar_subquery(),
    )).one())


def per_data_version(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per data version and `key`; later calls with the same
    version and key get the same object back, which callers must not change."""
    store = current_app.extensions.setdefault("tracker_cache", {})
    version = data_version()
    entries = store.get(name)
    if entries is None or entries[0] != version:
        entries = store[name] = (version, {})
    results = entries[1]
    if key not in results:
        if len(results) >= KEEP:
            results.pop(next(iter(results)))
        results[key] = compute()
    return results[key]
