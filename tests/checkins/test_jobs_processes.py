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

TICKER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime, timedelta
    from tracker import create_app
    from tracker.scheduler import tick
    app = create_app()
    start = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    with app.app_context():
        for step in range(0, 24 * 20, 3):  # every 3 hours for 20 days
            results = tick(start + timedelta(hours=step))
            if not all(run.ok for run in results.values()):
                sys.exit(f"a job failed at step {step}: {results}")
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
    procs = [subprocess.Popen([sys.executable, "-c", TICKER], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
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
