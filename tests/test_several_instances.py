"""Several web machines: two gunicorn instances and two schedulers against one
PostgreSQL database. A write through one instance shows on the other at its
next request (the per-process caches follow the database's data version: a
reading on the dashboard, a metric's new name in a form's kept options), the
sign-in throttle counts failures made on either, and two schedulers ticking at
the same moment open each check-in once and send each message once. And the
cache is refreshed when a write numbered before one already counted commits."""

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories, gunicorn
from tests.conftest import PG_URL, make_app
from tests.form_values import form_values
from tests.mailserver import smtp_server  # noqa: F401
from tracker import cache
from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.metrics import services as metrics
from tracker.metrics.models import Reading
from tracker.organisation.models import OrgSettings
from tracker.outbox.models import OutboxMessage

pytestmark = [pytest.mark.postgresql,
              pytest.mark.skipif(not PG_URL, reason="TRACKER_TEST_DATABASE_URL is not set")]

FLASK = Path(sys.executable).parent / "flask"
SECRET = "one-key-for-every-instance"
INITIATIVES = 3
TICK_AT = "2026-03-06T10:00:00Z"  # Friday: the week's check-ins are due, the digests of last week due


@pytest.fixture
def app(tmp_path, request):
    app = make_app(tmp_path, "postgresql", request)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def movers(page: str) -> str:
    """The dashboard's "Is behaviour changing?" card."""
    return page.split('id="movers-heading"', 1)[1].split("</section>", 1)[0]


def test_two_instances_and_two_schedulers_share_one_database(app, tmp_path, smtp_server):  # noqa: F811
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC", default_cadence="weekly", default_weekday=4,
                                   grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8))
        executive = factories.make_user("executive", email="exec@example.com")
        factories.make_user("member", email="guessed@example.com")
        owner = factories.make_user("member", email="owner@example.com")
        for _ in range(INITIATIVES):
            initiative = factories.make_initiative(owner=owner, status="in_progress",
                                                   start_date=date(2026, 3, 2))
            initiative.active_since = date(2026, 3, 2)
        metric = factories.make_metric("Customers who would recommend us", owner=executive)
        metrics.record_reading(metric, actor=executive, observed_on=date(2026, 3, 1), value=10.0, note="",
                               now=factories.NOW, today=factories.NOW.date())
        db.session.commit()
        metric_id = metric.id
        url = db.engine.url.render_as_string(hide_password=False)

    servers = []
    try:
        for name, workers in (("a", 2), ("b", 1)):  # B has one worker: its next request meets its cache
            servers.append(gunicorn.start_gunicorn(url, tmp_path / name, workers=workers, secret_key=SECRET))
        (_, port_a), (_, port_b) = servers
        a, b = gunicorn.Browser(port_a), gunicorn.Browser(port_b)
        for browser in (a, b):
            assert browser.sign_in("exec@example.com", factories.DEFAULT_PASSWORD)[0] == 302

        # B's dashboard fills its cache; a reading recorded through A moves the metric on B's next page.
        status, _, page = b.get("/")
        assert status == 200 and "No metric has moved yet." in movers(page)
        status, headers, _ = a.submit(f"/metrics/{metric_id}/readings",
                                      {"observed_on": "2026-03-02", "value": "30", "note": ""},
                                      page_path=f"/metrics/{metric_id}")
        assert status == 302, "the reading was recorded through A"
        status, _, page = b.get("/")
        assert status == 200 and "Customers who would recommend us" in movers(page)

        # B keeps the incentive form's metric options; the metric renamed through A shows on B's next form.
        status, _, page = b.get("/incentives/new")
        assert status == 200 and ">Customers who would recommend us</option>" in page
        _, _, edit = a.get(f"/metrics/{metric_id}/edit")
        status, _, _ = a.request("POST", f"/metrics/{metric_id}/edit",
                                 {**form_values(edit, "name"), "name": "Customers who recommend us"})
        assert status == 302, "the metric was renamed through A"
        status, _, page = b.get("/incentives/new")
        assert status == 200 and ">Customers who recommend us</option>" in page
        assert "Customers who would recommend us" not in page

        # Sessions are signed cookies checked against the database: A's session works on B.
        elsewhere = gunicorn.Browser(port_b)
        elsewhere.jar = a.jar
        assert elsewhere.get("/")[0] == 200

        # The throttle counts failures on both instances: 3 on A and 2 on B make the 5 allowed.
        for port, tries in ((port_a, 3), (port_b, 2)):
            for _ in range(tries):
                assert gunicorn.Browser(port).sign_in("guessed@example.com", "wrong password")[0] == 200
        for port in (port_a, port_b):
            assert gunicorn.Browser(port).sign_in("guessed@example.com", factories.DEFAULT_PASSWORD)[0] == 429
    finally:
        for server, _ in servers:
            gunicorn.stop(server)

    # Two schedulers tick at the same moment, mailing through one SMTP server.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TRACKER_") and k != "DATABASE_URL"}
    env.update(DATABASE_URL=url, TRACKER_SECRET_KEY=SECRET, TRACKER_MAIL_BACKEND="smtp",
               TRACKER_MAIL_SERVER="127.0.0.1", TRACKER_MAIL_PORT=str(smtp_server.port),
               TRACKER_MAIL_TIMEOUT="5", TRACKER_PUBLIC_URL="https://tracker.example.com")
    ticks = []
    try:
        for name in ("one", "two"):
            ticks.append(subprocess.Popen(
                [str(FLASK), "--app", "app", "scheduler", "tick", "--at", TICK_AT], cwd=gunicorn.ROOT,
                env={**env, "TRACKER_INSTANCE_PATH": str(tmp_path / f"scheduler-{name}")},
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outputs = []
        for tick in ticks:
            out, err = tick.communicate(timeout=40)
            assert tick.returncode == 0, out + err[-3000:]
            outputs.append(out)
    finally:
        for tick in ticks:
            if tick.poll() is None:
                tick.kill()
                tick.wait()

    opened = [int(re.search(r"^open_checkins: ok opened (\d+)", out, re.M)[1]) for out in outputs]
    assert sum(opened) == INITIATIVES, outputs
    with app.app_context():
        per_initiative = db.session.execute(
            select(CheckIn.initiative_id, func.count()).group_by(CheckIn.initiative_id)).all()
        assert len(per_initiative) == INITIATIVES and {n for _, n in per_initiative} == {1}
        messages = db.session.scalars(select(OutboxMessage)).all()
        keys = [m.dedupe_key for m in messages]
        states = {m.state for m in messages}
    assert len(keys) == len(set(keys))
    assert sum(k.startswith("reminder:") for k in keys) == INITIATIVES, keys
    assert any(k.startswith("digest:") for k in keys), keys
    assert states == {"sent"}, states
    received = smtp_server.message_ids()
    assert len(received) == len(keys) and len(set(received)) == len(received), received


def test_a_write_committed_after_a_later_numbered_one_still_refreshes_the_cache(app):
    """PostgreSQL numbers rows when they are written: reading 1 may be committed
    after reading 2 was committed and counted, without the largest id moving."""
    with app.app_context():
        owner = factories.make_user("member")
        metric_id = factories.make_metric(owner=owner).id
        owner_id = owner.id
        db.session.commit()

        computed = []

        def count() -> int:
            def compute() -> int:
                computed.append(1)
                return db.session.scalar(select(func.count()).select_from(Reading))
            return cache.per_data_version("readings", None, compute)

        slow, fast = Session(db.engine), Session(db.engine)
        try:
            for session, day in ((slow, 1), (fast, 2)):
                session.add(Reading(metric_id=metric_id, observed_on=date(2026, 3, day), value=20.0,
                                    recorded_by_id=owner_id))
                session.flush()
            fast.commit()
            assert count() == 1
            db.session.commit()  # the next request
            assert (count(), len(computed)) == (1, 1), "kept while the earlier writer is still at work"
            db.session.commit()
            slow.commit()
            assert (count(), len(computed)) == (2, 2)
        finally:
            slow.close()
            fast.close()
