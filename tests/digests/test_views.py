"""Preview, unsubscribe, subscription setting, the admin deliveries page and the CLI."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import make_app
from tracker.accounts.models import User
from tracker.digests import services as digests
from tracker.extensions import db
from tracker.outbox.models import OutboxMessage


def test_preview_shows_my_own_digest_for_a_week(app, login_as, client):
    user = login_as("member")
    with app.app_context():
        factories.make_initiative("My <i>own</i> move", owner=db.session.get(User, user.id),
                                  status="in_progress")
        db.session.commit()
    page = client.get("/digests/preview?week=2026-W10")
    assert page.status_code == 200
    assert b"Your week in action and talk: 2026-W10" in page.data
    assert b'src="/digests/preview/mail?week=2026-W10"' in page.data
    mail = client.get("/digests/preview/mail?week=2026-W10")
    assert mail.status_code == 200
    assert b"for " + user.display_name.encode() in mail.data


@pytest.mark.parametrize("week", ["2026-47", "last-tuesday", "2026-W99", "9999-W52", "0001-W01"])
def test_a_week_that_names_no_week_shows_the_expected_form_and_a_week_picker(login_as, client, week):
    login_as("member")
    response = client.get(f"/digests/preview?week={week}")
    assert response.status_code == 400
    page = response.data.decode()
    assert f"“{week}” is not an ISO week" in page and "like 2026-W47" in page
    assert '<input type="week" id="week" name="week"' in page and "Show week" in page
    assert "Bad request" not in page and "<iframe" not in page
    assert client.get(f"/digests/preview/mail?week={week}").status_code == 400


def test_a_week_typed_loosely_is_read_as_the_iso_week(login_as, client):
    login_as("member")
    page = client.get("/digests/preview?week=2026-w3").data.decode()
    assert 'src="/digests/preview/mail?week=2026-W03"' in page


def test_unsubscribe_link_works_without_login_and_only_for_that_person(app, client):
    with app.app_context():
        alice = factories.make_user("member", email="alice@example.com")
        bob = factories.make_user("member", email="bob@example.com")
        db.session.commit()
        token = digests.unsubscribe_token(alice)
        alice_id, bob_id = alice.id, bob.id
    confirm = client.get(f"/digests/unsubscribe/{token}")
    assert confirm.status_code == 200 and b"alice@example.com" in confirm.data
    with app.app_context():
        assert db.session.get(User, alice_id).digest_opt_in is True
    done = client.post(f"/digests/unsubscribe/{token}")
    assert done.status_code == 200 and b"You are unsubscribed" in done.data
    with app.app_context():
        assert db.session.get(User, alice_id).digest_opt_in is False
        assert db.session.get(User, bob_id).digest_opt_in is True


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxfQ.forged-signature", "x" * 300])
def test_forged_unsubscribe_token_changes_nothing(app, client, token):
    with app.app_context():
        factories.make_user("member")
        db.session.commit()
    assert client.post(f"/digests/unsubscribe/{token}").status_code == 400
    with app.app_context():
        assert all(db.session.scalars(select(User.digest_opt_in)))


def test_one_click_unsubscribe_needs_no_csrf_token(tmp_path, request):
    app = make_app(tmp_path, "sqlite", request, WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = factories.make_user("member")
        db.session.commit()
        token, user_id = digests.unsubscribe_token(user), user.id
    response = app.test_client().post(f"/digests/unsubscribe/{token}",
                                      data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, user_id).digest_opt_in is False


def test_user_turns_the_digest_off_and_on_in_settings(app, login_as, client):
    user = login_as("member")
    client.post("/digests/subscription", data={})
    with app.app_context():
        assert db.session.get(User, user.id).digest_opt_in is False
    client.post("/digests/subscription", data={"digest_opt_in": "y"})
    with app.app_context():
        assert db.session.get(User, user.id).digest_opt_in is True


@pytest.mark.parametrize("role", ["executive", "hr", "member"])
def test_only_admins_see_deliveries(login_as, client, role):
    login_as(role)
    assert client.get("/digests/deliveries").status_code == 403


def test_the_old_deliveries_page_leads_to_the_outbox_showing_digests(login_as, client):
    login_as("admin")
    response = client.get("/digests/deliveries")
    assert response.status_code == 301 and response.location.endswith("/outbox/?kind=digest")


def test_cli_sends_once_and_dry_run_sends_nothing(app, runner):
    with app.app_context():
        factories.make_user("executive", email="exec@example.com")
        db.session.commit()
    dry = runner.invoke(args=["digests", "send", "--week", "2026-W10", "--dry-run"])
    assert dry.exit_code == 0 and "exec@example.com" in dry.output
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []
    first = runner.invoke(args=["digests", "send", "--week", "2026-w10"])
    assert "1 sent" in first.output, first.output
    second = runner.invoke(args=["digests", "send", "--week", "2026-W10"])
    assert "0 sent" in second.output
    outbox = list((__import__("pathlib").Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(outbox) == 1
    text = outbox[0].read_text()
    assert re.search(r"^Message-ID: <digest-2026-W10-\d+@burning-platform.local>", text, re.M)
    bad = runner.invoke(args=["digests", "send", "--week", "soon"])
    assert bad.exit_code != 0 and "not an ISO week" in bad.output


def test_digest_moment_is_an_organisation_setting(app):
    from tracker.organisation.models import OrgSettings

    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="Australia/Sydney", default_cadence="weekly",
                                   default_weekday=4, grace_days=2, reminder_hour=9,
                                   digest_weekday=1, digest_hour=7))
        factories.make_user("executive")
        db.session.commit()
        # Monday 20:00 UTC is Tuesday 07:00 in Sydney: the moment has come.
        assert digests.weekly_job(datetime(2026, 3, 9, 19, 0, tzinfo=UTC)) == {"waiting": 1}
        result = digests.weekly_job(datetime(2026, 3, 9, 20, 0, tzinfo=UTC))
    assert result == {"week": "2026-W10", "queued": 1}
    assert date.fromisocalendar(2026, 10, 1) == date(2026, 3, 2)
