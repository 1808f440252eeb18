"""Two scheduler processes against one database send every reminder once."""

import os
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import date
from email import message_from_bytes
from pathlib import Path

from sqlalchemy import func, select

from tests import factories
from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.organisation.models import OrgSettings
from tracker.outbox.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]

# Two schedulers share one clock in life. Here each walks its own simulated
# clock, so they wait for each other at every step: otherwise one could be
# hours ahead and rightly take the other's message in flight for one a dead
# run left behind (the outbox's lease is 15 minutes).
TICKER = textwrap.dedent("""
    import os, sys, time
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    from tracker import create_app
    from tracker.scheduler import tick
    me, other = Path(os.environ["TICKER_ME"]), Path(os.environ["TICKER_OTHER"])
    app = create_app()
    start = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    with app.app_context():
        for step in range(0, 24 * 20, 3):  # every 3 hours for 20 days
            me.write_text(str(step))
            waited = time.monotonic()
            while int(other.read_text() or -1) < step:
                if time.monotonic() - waited > 60:
                    sys.exit(f"the other scheduler never reached step {step}")
                time.sleep(0.01)
            results = tick(start + timedelta(hours=step))
            if not all(run.ok for run in results.values()):
                sys.exit(f"a job failed at step {step}: {results}")
        me.write_text(str(10 ** 6))  # done: never wait for me again
""")


def test_two_schedulers_open_and_remind_exactly_once(app, tmp_path):
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="Europe/Berlin", default_cadence="weekly",
                                   default_weekday=2, grace_days=2, reminder_hour=9,
                                   digest_weekday=0, digest_hour=8))
        for i in range(6):
            owner = factories.make_user("member", email=f"owner{i}@example.com")
            initiative = factories.make_initiative(owner=owner, status="in_progress",
                                                   start_date=date(2026, 1, 5))
            initiative.active_since = date(2026, 1, 5)
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
    outbox = tmp_path / "outbox"
    env = {**os.environ, "DATABASE_URL": url, "TRACKER_INSTANCE_PATH": str(tmp_path),
           "TRACKER_MAIL_OUTBOX": str(outbox), "TRACKER_SECRET_KEY": "test"}
    env.pop("TRACKER_SQLALCHEMY_DATABASE_URI", None)
    steps = [tmp_path / "step-a", tmp_path / "step-b"]
    for path in steps:
        path.write_text("-1")
    procs = [subprocess.Popen([sys.executable, "-c", TICKER], cwd=ROOT,
                              env={**env, "TICKER_ME": str(me), "TICKER_OTHER": str(other)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for me, other in (steps, steps[::-1])]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-3000:]
    with app.app_context():
        db.session.expire_all()
        db.session.rollback()
        checkins = db.session.scalars(select(CheckIn)).all()
        per_period = Counter((c.initiative_id, c.period_start) for c in checkins)
        assert len(per_period) == 6 * 3 and set(per_period.values()) == {1}
        reminder = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "reminder")
        reminders = db.session.scalar(reminder)
        sent = db.session.scalar(reminder.where(OutboxMessage.state == "sent"))
    mails = [m for m in (message_from_bytes(p.read_bytes()) for p in outbox.glob("*.eml"))
             if m["Message-ID"].startswith("<reminder-")]
    ids = Counter(m["Message-ID"] for m in mails)
    # Three weekly check-ins per initiative, each with a due-day and an overdue reminder.
    assert reminders == sent == 6 * 3 * 2
    assert len(mails) == reminders
    assert set(ids.values()) == {1}, "no reminder was sent twice"
