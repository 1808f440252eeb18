"""Timing one request in-process and counting the SQL statements it sent,
the same way for every bench script (bench.run, bench.api, bench.csv_import)."""

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import event

from tracker.extensions import db

T = TypeVar("T")


class QueryCounter:
    """Counts the statements sent to the database while it is active."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _count(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def engine_of(app):
    with app.app_context():
        return db.engine


def timed(app, send: Callable[[], T]) -> tuple[float, int, T]:
    """(seconds, SQL statements, answer) of `send()`, run outside any app
    context, so that a test-client request gets its own, with a fresh session."""
    with QueryCounter(engine_of(app)) as counter:
        started = time.perf_counter()
        answer = send()
        seconds = time.perf_counter() - started
    return seconds, counter.count, answer
