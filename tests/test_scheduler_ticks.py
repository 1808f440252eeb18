"""Concurrent ticks: each says what it did itself, and the job records count every run."""

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from tests import factories
from tracker.extensions import db
from tracker.organisation.models import JobRecord, OrgSettings
from tracker.scheduler import JOBS

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).parent / "flask"
TICKS = 4
INITIATIVES = 9


def test_four_concurrent_ticks_each_report_their_own_work_and_all_four_are_counted(app, tmp_path):
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC", default_cadence="weekly", default_weekday=4,
                                   grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8))
        owner = factories.make_user("member", email="owner@example.com")
        for _ in range(INITIATIVES):
            initiative = factories.make_initiative(owner=owner, status="in_progress",
                                                   start_date=date(2026, 3, 2))
            initiative.active_since = date(2026, 3, 2)
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(DATABASE_URL=url, TRACKER_INSTANCE_PATH=str(tmp_path), TRACKER_SECRET_KEY="test",
               TRACKER_MAIL_OUTBOX=str(tmp_path / "outbox"))
    procs = [subprocess.Popen([str(FLASK), "--app", "app", "scheduler", "tick", "--at",
                               "2026-03-04T10:00:00Z"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(TICKS)]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, out + err[-3000:]
        outputs.append(out)
    opened = [int(re.search(r"^open_checkins: ok opened (\d+)", out, re.M).group(1)) for out in outputs]
    assert sum(opened) == INITIATIVES, outputs  # each tick counted what it opened, no more
    with app.app_context():
        records = {r.name: r for r in db.session.scalars(select(JobRecord))}
    assert {name: (r.runs, r.failures) for name, r in records.items()} == {
        name: (TICKS, 0) for name in JOBS}


def test_the_run_counter_counts_every_run_of_jobs_running_at_once(app, monkeypatch):
    import threading
    from datetime import UTC, datetime

    from tracker import scheduler

    monkeypatch.setitem(scheduler.JOBS, "tiny", (lambda now: {"done": 1}, "does nothing"))
    threads, runs_each = 8, 5
    start = threading.Barrier(threads)
    failures = []

    def ticker():
        with app.app_context():
            start.wait()
            for _ in range(runs_each):
                if not scheduler.run_job("tiny", datetime(2026, 3, 4, 10, tzinfo=UTC)).ok:
                    failures.append(1)
            db.session.remove()

    workers = [threading.Thread(target=ticker) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    with app.app_context():
        record = db.session.get(JobRecord, "tiny")
        assert (record.runs, record.failures, failures) == (threads * runs_each, 0, [])
