"""Timing one request in-process and counting the SQL statements it sent,
the same way for every bench script (bench.run, bench.api, bench.csv_import),
and the command line of the scripts that measure one engine at a time."""

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event

from bench.database import ROOT, resolve_url
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


def measure_one_engine(description: str, measure: Callable[[str, int], list[dict]], *, rounds: int,
                       name: str, columns: list[tuple[str, str, int]]) -> None:
    """The command line of bench.api and bench.csv_import: `measure(url,
    rounds)` on --database (default: a fresh SQLite file), its rows printed
    as `columns` [(title, key, width)] and written to --output (default
    bench/results/<name>.json), keeping the rows of the other engine there."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / f"{name}.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = resolve_url(args.database) if args.database else f"sqlite:///{Path(workdir) / f'{name}.sqlite'}"
        engine = url.split(":", 1)[0].split("+", 1)[0]
        rows = [{"engine": engine, **row} for row in measure(url, args.rounds)]
    print(" ".join(f"{title:<{width}}" if i == 0 else f"{title:>{width}}"
                   for i, (title, _, width) in enumerate(columns)))
    for row in rows:
        print(" ".join(f"{row[key]:<{width}}" if i == 0 else f"{row[key]:>{width}}"
                       for i, (_, key, width) in enumerate(columns)))
    previous = json.loads(args.output.read_text()) if args.output.exists() else []
    kept = [row for row in previous if row.get("engine") != engine]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(kept + rows, indent=2) + "\n")
