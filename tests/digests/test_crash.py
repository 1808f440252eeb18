"""A digest run killed half way, then run again, delivers each digest once."""

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from tests import factories
from tracker.digests import services as digests
from tracker.digests.models import DigestDelivery
from tracker.extensions import db
from tracker.organisation.models import OrgSettings

ROOT = Path(__file__).resolve().parents[2]
RUN = textwrap.dedent("""
    from datetime import UTC, datetime
    from tracker import create_app
    from tracker.digests import services
    app = create_app()
    with app.app_context():
        services.send_digests(datetime(2026, 3, 9, 9, tzinfo=UTC), week="2026-W10")
""")


def test_killed_run_followed_by_another_run_delivers_each_digest_once(smtp_app, smtp_server, tmp_path):
    with smtp_app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC", default_cadence="weekly", default_weekday=4,
                                   grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8))
        for i in range(8):
            factories.make_user("member", email=f"person{i}@example.com")
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "TRACKER_INSTANCE_PATH": str(tmp_path),
           "TRACKER_SECRET_KEY": "test", "TRACKER_MAIL_BACKEND": "smtp",
           "TRACKER_MAIL_SERVER": "127.0.0.1", "TRACKER_MAIL_PORT": str(smtp_server.port)}
    proc = subprocess.Popen([sys.executable, "-c", RUN], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The third message arrives: kill the sender before it hears "250 OK".
    smtp_server.after_receive = lambda n: n == 3 and os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    smtp_server.after_receive = None
    assert len(smtp_server.messages) == 3
    with smtp_app.app_context():
        db.session.rollback()
        states = Counter(db.session.scalars(select(DigestDelivery.state)))
        assert states["sent"] == 2 and states["handed_over"] == 1
        digests.send_digests(digests_now(), week="2026-W10")
        states = Counter(db.session.scalars(select(DigestDelivery.state)))
    recipients = Counter(e.rcpt_tos[0] for e in smtp_server.messages)
    assert len(recipients) == 8 and set(recipients.values()) == {1}
    assert states == {"sent": 7, "handed_over": 1}


def digests_now():
    from datetime import UTC, datetime

    return datetime(2026, 3, 9, 9, 5, tzinfo=UTC)
