"""Figures computed from the whole organisation, kept until its data changes.

The say/do records (shared by the dashboard, the say/do overview and the
digest preview), the overview's rankings, the digest preview's organisation
week totals, rankings and metrics moved and the dashboard's organisation-wide
summary read every initiative, check-in and recent reading; the incentive map
and its conflicts (the digest's too)
read every incentive and judgement, an incentive's suggested judgements
every metric's month-end readings, and the people report every decision of
four quarters: too much to gather on every page view of
a large organisation, and nothing in them changes between two writes.
`per_data_version` keeps such a result in the process (each gunicorn worker
has its own) and computes it again as soon as `data_version` moves. The long
selects' options are kept the same way (`tracker.options`).

`data_version` changes with every write these figures read: every service
that changes initiatives, behaviours, metrics, check-ins, entries, verdicts
or people decisions records a history event; readings and new check-ins are
numbered, and each run of the scheduler that marks check-ins missed writes a
numbered `MissedMarking`: the version is the largest of each of those ids,
each one index lookup, whatever the size of the organisation. On PostgreSQL
ids are taken when a row is written, not when it is committed: a reading
numbered 10 may be committed after one numbered 11 was committed and read,
and the largest id does not move. So the version also holds the writing
transactions still in progress when it was read (`_writers`), and a result
is kept only while every one of those is still in progress: one that has
ended may have committed rows the result does not count. (SQLite has one
writer at a time, so its ids are committed in order.) Cached values
must be plain values (numbers, ids, dataclasses of them), never ORM objects,
which belong to the session of the request that loaded them.

Computing some of these again after every write would cost seconds on a
large organisation (every say/do record at 20,000 initiatives), so a result
may be brought up to date instead: `per_data_version(..., update=...)` asks
`changes_between` which initiatives and metrics the writes since the kept
version touched (the history events, check-ins and readings numbered since)
and passes them to `update`, which recomputes only those. Where it cannot
say for sure (check-ins marked missed, whose marking names no initiative; a writer that
was in progress ended; a change of settings; very many changes), the result
is computed again in full.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g, has_app_context
from sqlalchemy import Select, event, func, literal, literal_column, select
from sqlalchemy.orm import ORMExecuteState, Session

from tracker.checkins.models import CheckIn, MissedMarking
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.initiatives.models import InitiativeMetric
from tracker.metrics.models import Reading

T = TypeVar("T")
KEEP = 32  # results kept per version: a few periods and departments in use at once
# Beyond this many initiatives and metrics changed, computing again is as quick.
MOST_CHANGES = 2_000
# History subjects that no figure kept with `update` reads: their events change
# nothing an `update` brings up to date. (They still move the version: the
# people report, kept without `update`, is counted again after a decision's event.)
UNREAD_SUBJECTS = frozenset({"behaviour", "cue_phrase", "outbox_message", "people_decision", "user"})


@dataclass(frozen=True)
class Changes:
    """What the writes between two data versions touched: initiatives (their
    own events: edits, check-ins, entries and verdicts; and new check-ins),
    metrics (their events and readings), and the initiatives linked to a
    changed metric (whose off-track flag may have changed with it)."""
    initiatives: frozenset[int]
    metrics: frozenset[int]
    through_metrics: frozenset[int] = frozenset()


def data_version() -> tuple:
    """Moves whenever anything the cached figures read changes: one small
    query, each part answered from an index. Its last part is the set of
    writing transactions in progress (see above), compared by `_still_valid`.
    Read once per request (a page may ask for several kept figures) until a
    session of this process writes or commits."""
    version = g.get("tracker_data_version")
    if version is None:
        version = g.tracker_data_version = _read_data_version()
    return version


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, flush_context: object) -> None:
    _forget_data_version()


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    _forget_data_version()


@event.listens_for(Session, "do_orm_execute")
def _forget_after_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        _forget_data_version()


def _forget_data_version() -> None:
    if has_app_context():
        g.pop("tracker_data_version", None)


def _read_data_version() -> tuple:
    *counts, running = db.session.execute(version_query(db.session.get_bind().dialect.name)).one()
    return (*counts, _writers(running))


def version_query(dialect: str) -> Select:
    """The one query `data_version` runs: the largest history event, check-in,
    missed-marking and reading ids, each from an index whatever the size of
    the organisation, and on PostgreSQL the writing transactions in progress."""
    # This database's writers only: a snapshot's in-progress list spans the
    # whole server, and other databases' writes must not empty the cache.
    # PostgreSQL shows backend_xid for sessions of the same role (every web
    # instance and scheduler connects as the app's role); other roles' writes
    # to these tables would need pg_read_all_stats to be seen.
    writers = (literal_column("array(SELECT backend_xid FROM pg_stat_activity"
                              " WHERE datname = current_database() AND backend_xid IS NOT NULL)::text")
               if dialect == "postgresql" else literal("{}"))
    return select(
        select(func.max(HistoryEvent.id)).scalar_subquery(),
        select(func.max(CheckIn.id)).scalar_subquery(),
        select(func.max(MissedMarking.id)).scalar_subquery(),
        select(func.max(Reading.id)).scalar_subquery(),
        writers,
    )


def _writers(array_text: str) -> frozenset[int]:
    """PostgreSQL's text form of an array of transaction ids ('{731,735}') as a set."""
    inside = array_text.strip("{}")
    return frozenset(int(xid) for xid in inside.split(",")) if inside else frozenset()


def _still_valid(kept: tuple, now: tuple) -> bool:
    """A result computed at version `kept` still holds at `now`: nothing was
    numbered since, and every writer in progress then is still in progress."""
    return kept[:-1] == now[:-1] and kept[-1] <= now[-1]


def changes_between(kept: tuple, now: tuple) -> Changes | None:
    """The initiatives and metrics written to between data versions `kept`
    and `now` (a few small queries over what was numbered since), or None
    when that cannot be told and everything must be computed again."""
    if kept[2] != now[2] or not kept[-1] <= now[-1]:
        return None  # check-ins marked missed, or a writer in progress then has ended
    history_then, checkins_then, _, readings_then, _ = kept
    history_now, checkins_now, _, readings_now, _ = now
    initiatives: set[int] = set()
    metrics: set[int] = set()
    for subject_type, subject_id in db.session.execute(
            select(HistoryEvent.subject_type, HistoryEvent.subject_id)
            .where(HistoryEvent.id > (history_then or 0), HistoryEvent.id <= (history_now or 0))):
        if subject_type == "initiative":
            initiatives.add(subject_id)
        elif subject_type == "metric":
            metrics.add(subject_id)
        elif subject_type not in UNREAD_SUBJECTS:
            return None  # settings, or a subject this list does not know yet
    if (checkins_now or 0) > (checkins_then or 0):
        initiatives.update(db.session.scalars(select(CheckIn.initiative_id).where(
            CheckIn.id > (checkins_then or 0), CheckIn.id <= checkins_now)))
    if (readings_now or 0) > (readings_then or 0):
        metrics.update(db.session.scalars(select(Reading.metric_id).where(
            Reading.id > (readings_then or 0), Reading.id <= readings_now)))
    linked: set[int] = set()
    if metrics:
        linked.update(db.session.scalars(select(InitiativeMetric.initiative_id).where(
            InitiativeMetric.metric_id.in_(sorted(metrics)))))
    if len(initiatives | linked) + len(metrics) > MOST_CHANGES:
        return None
    return Changes(frozenset(initiatives), frozenset(metrics), frozenset(linked - initiatives))


def per_data_version(name: str, key: Hashable, compute: Callable[[], T],
                     update: Callable[[T, Changes], T] | None = None) -> T:
    """`compute()` once per data version and `key`; later calls with the same
    version and key get the same object back, which callers must not change.
    With `update`, a result kept from an earlier version is brought up to
    date by `update(kept, changes)` (which must return a new object, not
    change the kept one) when `changes_between` can tell what changed."""
    store = current_app.extensions.setdefault("tracker_cache", {})
    version = data_version()
    entries = store.get(name)
    if entries is None or not _still_valid(entries[0], version):
        fresh: dict[Hashable, Any] = {}
        previous, entries = entries, (version, fresh)
        store[name] = entries
        if update is not None and previous is not None and key in previous[1]:
            changes = _changes(store, previous[0], version)
            if changes is not None:
                entries[1][key] = update(previous[1][key], changes)
    results = entries[1]
    if key not in results:
        if len(results) >= KEEP:
            results.pop(next(iter(results)))
        results[key] = compute()
    return results[key]


def _changes(store: dict, kept: tuple, now: tuple) -> Changes | None:
    """`changes_between`, asked once for the same two versions however many
    cached results are brought up to date between them."""
    asked = store.get("_changes")
    if asked is None or asked[0] != (kept, now):
        asked = store["_changes"] = ((kept, now), changes_between(kept, now))
    return asked[1]
