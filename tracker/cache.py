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
check-ins marked missed by the scheduler are counted directly. On PostgreSQL
ids are taken when a row is written, not when it is committed: a reading
numbered 10 may be committed after one numbered 11 was committed and read,
and the largest id does not move. So the version also holds the writing
transactions still in progress when it was read (`_writers`), and a result
is kept only while every one of those is still in progress: one that has
ended may have committed rows the result does not count. (SQLite has one
writer at a time, so its ids are committed in order.) Cached values
must be plain values (numbers, ids, dataclasses of them), never ORM objects,
which belong to the session of the request that loaded them.
"""

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from sqlalchemy import func, literal, literal_column, select

from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.metrics.models import Reading

T = TypeVar("T")
KEEP = 32  # results kept per version: a few periods and departments in use at once


def data_version() -> tuple:
    """Moves whenever anything the cached figures read changes: one small
    query, each part answered from an index. Its last part is the set of
    writing transactions in progress (see above), compared by `_still_valid`."""
    missed = select(func.count()).select_from(CheckIn).where(CheckIn.state == "missed")
    # This database's writers only: a snapshot's in-progress list spans the
    # whole server, and other databases' writes must not empty the cache.
    # PostgreSQL shows backend_xid for sessions of the same role (every web
    # instance and scheduler connects as the app's role); other roles' writes
    # to these tables would need pg_read_all_stats to be seen.
    writers = (literal_column("array(SELECT backend_xid FROM pg_stat_activity"
                              " WHERE datname = current_database() AND backend_xid IS NOT NULL)::text")
               if db.session.get_bind().dialect.name == "postgresql" else literal("{}"))
    *counts, running = db.session.execute(select(
        select(func.max(HistoryEvent.id)).scalar_subquery(),
        select(func.max(CheckIn.id)).scalar_subquery(),
        missed.scalar_subquery(),
        select(func.max(Reading.id)).scalar_subquery(),
        writers,
    )).one()
    return (*counts, _writers(running))


def _writers(array_text: str) -> frozenset[int]:
    """PostgreSQL's text form of an array of transaction ids ('{731,735}') as a set."""
    inside = array_text.strip("{}")
    return frozenset(int(xid) for xid in inside.split(",")) if inside else frozenset()


def _still_valid(kept: tuple, now: tuple) -> bool:
    """A result computed at version `kept` still holds at `now`: nothing was
    numbered since, and every writer in progress then is still in progress."""
    return kept[:-1] == now[:-1] and kept[-1] <= now[-1]


def per_data_version(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per data version and `key`; later calls with the same
    version and key get the same object back, which callers must not change."""
    store = current_app.extensions.setdefault("tracker_cache", {})
    version = data_version()
    entries = store.get(name)
    if entries is None or not _still_valid(entries[0], version):
        entries = store[name] = (version, {})
    results = entries[1]
    if key not in results:
        if len(results) >= KEEP:
            results.pop(next(iter(results)))
        results[key] = compute()
    return results[key]
