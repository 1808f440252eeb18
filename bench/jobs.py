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
run measures the same work. It reports the seconds, the CPU seconds of this
process (the app and the SMTP server's thread: less at the mercy of other
work on the machine than the seconds), the messages the server received and
the SMTP connections they came over, the seconds per 1,000 messages (linear
growth keeps that flat from 1x to 4x), the largest message in bytes, and the
1-minute load average before and after each job.
"""

import argparse
import json
import os
import socket
import threading
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
    """The SMTP server's handler: counts what arrives and keeps the largest size."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received = 0
        self.largest = 0
        self.connections = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.received += 1
            self.largest = max(self.largest, len(envelope.content))
        return "250 OK"


class CountingController(Controller):
    """Counts the connections clients open (aiosmtpd makes one SMTP protocol for each)."""

    def factory(self):
        with self.handler.lock:
            self.handler.connections += 1
        return super().factory()


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

    server = Counter()
    controller = CountingController(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-jobs", "MAIL_BACKEND": "smtp",
                          "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "MAIL_TIMEOUT": 30,
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
        controller.stop()
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
