"""Time the mail jobs against a real SMTP server (aiosmtpd on 127.0.0.1).

    python -m bench.jobs [--database URL] [--only digests|tick] [--output PATH]

The results go to bench/results/jobs-<engine>-<name>.json unless --output says where.

Run `python -m bench.generate` first. In-process against that database:

1. The weekly digests: `send_digests(now)` queues last week's digest for
   everyone who wants one and sends every message due, each over SMTP.
2. One scheduler tick on the day most open check-ins are due, after the
   reminder hour: it queues a reminder per open check-in due that day and
   sends them (`tracker.scheduler.tick`), every job of the tick included.

Both start from an outbox without that week's digests or those reminders
(the benchmark's database is throwaway: it deletes them first), so a second
run measures the same work. The SMTP server runs in a process of its own,
as a mail server does beside a deployed app (in this process it would share
the app's interpreter lock and count its own work as the app's). It reports
the seconds, the CPU seconds of this process (the app alone: less at the
mercy of other work on the machine than the seconds), the messages the server received and
the SMTP connections they came over, the seconds per 1,000 messages (linear
growth keeps that flat from 1x to 4x), the largest message in bytes, and the
1-minute load average before and after each job.
"""

import argparse
import json
import multiprocessing
import os
import socket
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select

from bench.database import DEFAULT_DATABASE, ROOT, kind, resolve_url, row_counts
from tracker import create_app
from tracker.extensions import db


class Counter:
    """The SMTP server's handler: counts what arrives and keeps the largest
    size, in shared memory, so the benchmark reads them from the server's
    process."""

    def __init__(self, context) -> None:
        self._received, self._largest = context.Value("q", 0), context.Value("q", 0)
        self._connections = context.Value("q", 0)

    received = property(lambda self: self._received.value)
    connections = property(lambda self: self._connections.value)

    @property
    def largest(self) -> int:
        return self._largest.value

    @largest.setter
    def largest(self, value: int) -> None:
        self._largest.value = value

    def connected(self) -> None:
        with self._connections.get_lock():
            self._connections.value += 1

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self._received.get_lock():
            self._received.value += 1
        with self._largest.get_lock():
            self._largest.value = max(self._largest.value, len(envelope.content))
        return "250 OK"


class CountingController(Controller):
    """Counts the connections clients open (aiosmtpd makes one SMTP protocol for each)."""

    def factory(self):
        self.handler.connected()
        return super().factory()


def _serve(counter: Counter, port: int, ready) -> None:
    """The SMTP server's process: serve until terminated."""
    controller = CountingController(counter, hostname="127.0.0.1", port=port)
    controller.start()
    counter._connections.value = 0  # start() opens one to see that the server is up
    ready.set()
    multiprocessing.Event().wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def busiest_due_day() -> datetime:
    """Half past the reminder hour, UTC, on the day most open check-ins are due."""
    from tracker.checkins.models import CheckIn
    from tracker.organisation.services import get_settings

    day = db.session.scalar(select(CheckIn.due_on).where(CheckIn.state == "open").group_by(CheckIn.due_on)
                            .order_by(func.count().desc()).limit(1))
    hour = get_settings().reminder_hour
    return datetime.combine(day, clock_time(hour, 30), tzinfo=UTC)


def forget_sent(prefix: str) -> int:
    """Delete the outbox messages whose key starts with `prefix`: the run sends them again."""
    from tracker.outbox.models import OutboxMessage

    deleted = db.session.execute(delete(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(prefix)))
    db.session.commit()
    return deleted.rowcount


def timed(name: str, server: Counter, job) -> dict:
    before, connections_before = server.received, server.connections
    server.largest = 0
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    detail = job()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    load_after = os.getloadavg()[0]
    received = server.received - before
    connections = server.connections - connections_before
    result = {"name": name, "seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2),
              "messages": received, "smtp_connections": connections,
              "seconds_per_1000": round(seconds * 1000 / received, 2) if received else None,
              "cpu_seconds_per_1000": round(cpu_seconds * 1000 / received, 2) if received else None,
              "largest_bytes": server.largest, "load_1min": [round(load_before, 2), round(load_after, 2)],
              "detail": detail}
    print(f"  {name:<34} {seconds:7.1f} s ({cpu_seconds:.1f} s CPU)  {received:6,} messages  "
          f"over {connections:,} connections  largest {server.largest / 1024:6.1f} KB  "
          f"load {load_before:.1f}-{load_after:.1f}   {detail}", flush=True)
    return result


def run(url: str, only: str | None = None) -> dict:
    from tracker import scheduler
    from tracker.digests import services as digests
    from tracker.organisation.services import today as org_today

    context = multiprocessing.get_context("fork")
    server, port, ready = Counter(context), free_port(), context.Event()
    smtp = context.Process(target=_serve, args=(server, port, ready), daemon=True)
    smtp.start()
    if not ready.wait(30):
        raise SystemExit("the SMTP server did not start")
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-jobs", "MAIL_BACKEND": "smtp",
                          "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 30,
                          "PUBLIC_URL": "https://tracker.example.com"})
        with app.app_context():
            with db.engine.connect() as conn:
                data = row_counts(conn)
            now = busiest_due_day()
            week = digests.week_just_ended(org_today(now))
            results = []
            if only in (None, "digests"):
                forget_sent("digest:")
                results.append(timed("weekly digests (queue and send)", server,
                                     lambda: str(digests.send_digests(now, week=week))))
            if only in (None, "tick"):
                forget_sent("reminder:")
                results.append(timed("scheduler tick with reminders", server, lambda: "; ".join(
                    f"{name}: {outcome.summary if outcome.ok else 'FAILED'}"
                    for name, outcome in scheduler.tick(now).items())))
            db.session.remove()
            db.engine.dispose()
    finally:
        smtp.terminate()
        smtp.join(10)
    return {"database": kind(url), "data": data, "now": now.isoformat(), "results": results,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs", description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--only", choices=("digests", "tick"), help="measure one of the two jobs")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    url = resolve_url(args.database)
    report = run(url, args.only)
    output = args.output or ROOT / "bench" / "results" / f"jobs-{kind(url)}-{Path(url).stem}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
