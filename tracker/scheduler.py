"""APScheduler wiring, and nothing else: the jobs live in their domains.

`flask --app app scheduler run` is the production scheduler, a process of
its own. `flask --app app scheduler tick [--at ...]` runs every job once as
of a moment and exits. Running two schedulers is harmless: every job is
idempotent and guarded by database constraints, so the second one finds the
work done.
"""

import contextlib
import logging
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from tracker import clock
from tracker.checkins import jobs as checkin_jobs
from tracker.db import database_unavailable
from tracker.digests import services as digest_services
from tracker.extensions import db
from tracker.organisation import jobs as organisation_jobs
from tracker.organisation.models import JobRecord
from tracker.outbox import services as outbox_services

log = logging.getLogger("tracker.scheduler")

# name -> (function of now, what it is for). Order matters within a tick:
# open first, then close what is overdue, then queue reminders and digests
# for what is left, then send the outbox.
JOBS: dict[str, tuple[Callable[[datetime], dict], str]] = {
    "open_checkins": (checkin_jobs.open_due_checkins, "Opens each period's check-ins"),
    "mark_missed": (checkin_jobs.mark_missed, "Marks check-ins missed after the grace period"),
    "queue_reminders": (checkin_jobs.queue_reminders, "Queues the due and overdue reminders"),
    "queue_digests": (digest_services.weekly_job,
                      "Queues last week's digests once the digest hour has come"),
    "send_outbox": (outbox_services.send_due, "Sends what the outbox has due, retrying with backoff"),
    "refresh_statistics": (organisation_jobs.refresh_statistics,
                           "Keeps SQLite's query-planner statistics current as tables grow"),
}


def run_job(name: str, now: datetime, *, next_run_at: datetime | None = None) -> bool:
    """Run one job as of `now` in its own transaction and record how it went.

    A failure is logged with its traceback and recorded; it never propagates,
    so one broken job does not stop the others, and the next run retries it.
    While the database is unavailable the job is logged in one line and not
    recorded.
    """
    func, _ = JOBS[name]
    started = time.monotonic()
    started_at = clock.now()
    try:
        result = func(now)
        db.session.commit()
    except Exception as e:  # noqa: BLE001 - a job must never take the scheduler down
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        if database_unavailable(e):
            # One line, no traceback, nothing recorded (there is nowhere to
            # record it): the next tick runs the job again.
            log.warning("%s: database unavailable", name)
            return False
        log.exception("job %s failed", name)
        _record(name, started_at, started, outcome="error", summary="",
                error="".join(traceback.format_exception(e))[-4000:], next_run_at=next_run_at)
        return False
    summary = ", ".join(f"{k} {v}" for k, v in (result or {}).items())
    log.info("job %s: %s", name, summary or "done")
    _record(name, started_at, started, outcome="ok", summary=summary, error=None,
            next_run_at=next_run_at)
    return True


def _record(name, started_at, started, *, outcome, summary, error, next_run_at) -> None:
    try:
        record = db.session.get(JobRecord, name) or JobRecord(name=name, runs=0, failures=0)
        record.last_started_at = started_at
        record.last_finished_at = clock.now()
        record.duration_ms = int((time.monotonic() - started) * 1000)
        record.outcome = outcome
        record.summary = summary
        record.runs = (record.runs or 0) + 1
        if error is not None:
            record.failures = (record.failures or 0) + 1
            record.last_error = error
            record.last_error_at = record.last_finished_at
        if next_run_at is not None:
            record.next_run_at = next_run_at
        db.session.add(record)
        db.session.commit()
    except SQLAlchemyError as e:
        # The database itself is away: log it, and the next run tries again.
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        if database_unavailable(e):
            log.warning("%s: database unavailable, the run was not recorded", name)
        else:
            log.exception("could not record the run of %s", name)


def tick(now: datetime, *, next_run_at: datetime | None = None) -> dict[str, bool]:
    """Run every job once as of `now`; {job name: succeeded}."""
    return {name: run_job(name, now, next_run_at=next_run_at) for name in JOBS}


def interval(app: Flask) -> timedelta:
    return timedelta(minutes=float(app.config["SCHEDULER_INTERVAL_MINUTES"]))


def build_scheduler(app: Flask):
    """A BlockingScheduler in UTC that ticks every interval; jobs coalesce,
    and a tick late by up to an hour still runs once."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone=UTC)
    every = interval(app)

    def scheduled_tick():
        with app.app_context():
            now = clock.now()
            try:
                tick(now, next_run_at=now + every)
            finally:
                db.session.remove()

    scheduler.add_job(scheduled_tick, "interval", seconds=every.total_seconds(), id="tick",
                      next_run_time=clock.now(), coalesce=True, max_instances=1,
                      misfire_grace_time=3600)
    return scheduler


scheduler_cli = AppGroup("scheduler", help="Run the scheduled jobs.")


@scheduler_cli.command("run")
@with_appcontext
def run_command():
    """Run the scheduler in the foreground until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    scheduler = build_scheduler(app)
    click.echo(f"Scheduler running every {interval(app)} (Ctrl-C to stop).")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@scheduler_cli.command("tick")
@click.option("--at", "at", default=None, help="The moment to run as, e.g. 2026-11-23T09:00:00Z.")
@with_appcontext
def tick_command(at: str | None):
    """Run every job once as of now (or --at) and exit."""
    now = parse_moment(at) if at else clock.now()
    # This command prints each job's outcome itself; the scheduler's one-line
    # warnings would say the same twice. Errors still log their tracebacks.
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        results = tick(now)
    finally:
        log.setLevel(level)
    for name, ok in results.items():
        try:
            record = db.session.get(JobRecord, name)
        except SQLAlchemyError as e:
            if not database_unavailable(e):
                raise
            with contextlib.suppress(SQLAlchemyError):
                db.session.rollback()
            click.echo(f"{name}: database unavailable")
            continue
        detail = (record.summary if ok else "failed (see the log)") if record else ""
        click.echo(f"{name}: {'ok' if ok else 'FAILED'} {detail}".rstrip())
    if not all(results.values()):
        raise SystemExit(1)


def parse_moment(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601; click.BadParameter when it is not one."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a moment like 2026-11-23T09:00:00Z",
                                 param_hint="--at") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-11-23T09:00:00Z", param_hint="--at")
    return moment.astimezone(UTC)
