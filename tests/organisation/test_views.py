"""Organisation settings and the scheduler page."""

from datetime import UTC, datetime, timedelta

import pytest

from tracker.extensions import db
from tracker.organisation.models import JobRecord, OrgSettings

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GOOD = {"timezone": "Europe/Berlin", "default_cadence": "fortnightly", "default_weekday": 2,
        "grace_days": 3, "reminder_hour": 8, "digest_weekday": 0, "digest_hour": 7}


@pytest.mark.parametrize("role", ["executive", "hr", "member"])
@pytest.mark.parametrize("path", ["/admin/settings", "/admin/scheduler"])
def test_only_admins_see_settings_and_scheduler(login_as, client, role, path):
    login_as(role)
    assert client.get(path).status_code == 403
    assert client.post("/admin/settings", data=GOOD).status_code == 403


def test_admin_saves_settings_and_history_keeps_the_change(app, login_as, client):
    login_as("admin")
    assert client.post("/admin/settings", data=GOOD).status_code == 302
    with app.app_context():
        settings = db.session.get(OrgSettings, 1)
        assert (settings.timezone, settings.default_cadence, settings.grace_days) == (
            "Europe/Berlin", "fortnightly", 3)
        from tracker.history.services import events_for

        assert events_for("settings", 1)[0].changes["timezone"] == [None, "Europe/Berlin"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("timezone", "Moon/Base", b"Unknown timezone"), ("grace_days", "99", b"between 0 and 14"),
     ("reminder_hour", "24", b"between 0 and 23"), ("default_weekday", "9", b"Not a valid choice"),
     ("default_cadence", "hourly", b"Not a valid choice"), ("digest_hour", "abc", b"Enter a whole number")],
)
def test_bad_settings_are_refused_and_nothing_changes(app, login_as, client, field, value, message):
    login_as("admin")
    response = client.post("/admin/settings", data={**GOOD, field: value})
    assert response.status_code == 200 and message in response.data
    with app.app_context():
        assert db.session.get(OrgSettings, 1) is None


def test_scheduler_page_warns_when_nothing_ran(app, login_as, client):
    login_as("admin")
    page = client.get("/admin/scheduler").data
    assert b"The scheduler is not running" in page and b"No job has ever run" in page


@pytest.mark.fixed_now(NOW)
def test_scheduler_page_lists_jobs_with_last_run_and_error(app, login_as, client):
    now = NOW - timedelta(minutes=1)
    with app.app_context():
        db.session.add(JobRecord(name="open_checkins", last_started_at=now, last_finished_at=now,
                                 duration_ms=12, outcome="ok", summary="opened 3", runs=4, failures=0,
                                 next_run_at=now + timedelta(minutes=5)))
        db.session.add(JobRecord(name="mark_missed", last_started_at=now, last_finished_at=now,
                                 duration_ms=3, outcome="error", last_error="RuntimeError: <boom>",
                                 last_error_at=now, runs=2, failures=1))
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/scheduler").data
    assert b"Running: the last job finished" in page
    assert b"opened 3" in page and b"12 ms" in page
    assert b"Failed" in page and b"RuntimeError: &lt;boom&gt;" in page


@pytest.mark.fixed_now(NOW)
def test_scheduler_page_warns_when_heartbeat_is_old(app, login_as, client):
    old = NOW - timedelta(hours=2)
    with app.app_context():
        db.session.add(JobRecord(name="open_checkins", last_started_at=old, last_finished_at=old,
                                 outcome="ok", runs=1, failures=0))
        db.session.commit()
    login_as("admin")
    assert b"The scheduler is not running" in client.get("/admin/scheduler").data
