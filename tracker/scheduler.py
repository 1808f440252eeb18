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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tracker import clock
from tracker.checkins import jobs as checkin_jobs
from tracker.db import database_unavailable, rowcount
from tracker.digests import services as digest_services
from tracker.extensions import db
from tracker.organisation import jobs as organisation_jobs
from tracker.organisation.models import JobRecord
from tracker.outbox import services as outbox_services

log = logging.getLogger("tracker.scheduler")

# name -> (function of now, what it is for). Order matters within a tick:
# open first, then close what is overdue, then queue reminders and digests
# for what is left, note new say/do flags (queueing their webhooks), then
# send the outbox.
JOBS: dict[str, tuple[Callable[[datetime], dict], str]] = {
    "open_checkins": (checkin_jobs.open_due_checkins, "Opens each period's check-ins"),
    "mark_missed": (checkin_jobs.mark_missed, "Marks check-ins missed after the grace period"),
    "queue_reminders": (checkin_jobs.queue_reminders, "Queues the due and overdue reminders"),
    "queue_digests": (digest_services.weekly_job,
                      "Queues last week's digests once the digest hour has come"),
    "note_flags": (checkin_jobs.note_flags,
                   "Notes initiatives that became talk only, gone quiet or off track"),
    "send_outbox": (outbox_services.send_due, "Sends what the outbox has due, retrying with backoff"),
    "refresh_statistics": (organisation_jobs.refresh_statistics,
                           "Keeps SQLite's query-planner statistics current as tables grow"),
}


@dataclass(frozen=True)
class JobRun:
    """What one run of one job did: `ok`, and its own counts (`summary`, e.g.
    "opened 2, created_missed 0"); `unavailable` when the database was away."""

    ok: bool
    summary: str = ""
    unavailable: bool = False


def run_job(name: str, now: datetime, *, next_run_at: datetime | None = None) -> JobRun:
    """Run one job as of `now` in its own transaction and record how it went.

    A failure is logged with its traceback and recorded; it never propagates,
    so one broken job does not stop the others, and the next run retries it.
    While the database is unavailable the job is logged in one line and not
    recorded. The summary returned is this run's own, whatever other
    schedulers running at the same time did.
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
            return JobRun(ok=False, unavailable=True)
        log.exception("job %s failed", name)
        recorded = _record(name, started_at, started, outcome="error", summary="",
                           error="".join(traceback.format_exception(e))[-4000:], next_run_at=next_run_at)
        return JobRun(ok=False, unavailable=not recorded)
    summary = ", ".join(f"{k} {v}" for k, v in (result or {}).items())
    log.info("job %s: %s", name, summary or "done")
    recorded = _record(name, started_at, started, outcome="ok", summary=summary, error=None,
                       next_run_at=next_run_at)
    return JobRun(ok=True, summary=summary, unavailable=not recorded)


def _record(name, started_at, started, *, outcome, summary, error, next_run_at) -> bool:
    """Add this run to the job's record; False when the database was unavailable.

    The counters are increments in the database (runs = runs + 1), never a
    value read and written back, so concurrent ticks each count."""
    finished_at = clock.now()
    values = {"last_started_at": started_at, "last_finished_at": finished_at,
              "duration_ms": int((time.monotonic() - started) * 1000), "outcome": outcome,
              "summary": summary}
    if error is not None:
        values.update(last_error=error, last_error_at=finished_at)
    if next_run_at is not None:
        values["next_run_at"] = next_run_at
    failed = 1 if error is not None else 0
    try:
        if not _count_run(name, values, failed):
            try:
                with db.session.begin_nested():
                    db.session.add(JobRecord(name=name, runs=1, failures=failed, **values))
            except IntegrityError:
                _count_run(name, values, failed)  # another tick made the record first
        db.session.commit()
    except SQLAlchemyError as e:
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        if database_unavailable(e):
            log.warning("%s: database unavailable, the run was not recorded", name)
            return False
        log.exception("could not record the run of %s", name)
    return True


def _count_run(name: str, values: dict, failed: int) -> bool:
    """One more run (and failure) on the job's record, if it has one yet."""
    return rowcount(db.session.execute(
        update(JobRecord).where(JobRecord.name == name)
        .values(runs=JobRecord.runs + 1, failures=JobRecord.failures + failed, **values),
        execution_options={"synchronize_session": False})) == 1


def tick(now: datetime, *, next_run_at: datetime | None = None) -> dict[str, JobRun]:
    """Run every job once as of `now`; {job name: what its run did}."""
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
    for name, run in results.items():
        # What this tick did, not the job's record: other ticks may be running too.
        if run.unavailable:
            click.echo(f"{name}: database unavailable")
        elif run.ok:
            click.echo(f"{name}: ok {run.summary}".rstrip())
        else:
            click.echo(f"{name}: FAILED (see the log)")
    if not all(run.ok for run in results.values()):
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
