"""A password someone else set is one-time: replaced at the first sign-in,
nothing else opens until then, and it expires (72 hours by default)."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.conftest import sign_in_session
from tracker.accounts import services
from tracker.accounts.models import User
from tracker.extensions import db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OWN_PASSWORD = "my very own horse battery"


def admin_client(app):
    client = app.test_client()
    with app.app_context():
        admin_id = factories.make_user("admin").id
        db.session.commit()
    sign_in_session(client, admin_id)
    return client


def create_through_admin_page(app, password="") -> str:
    response = admin_client(app).post("/admin/users/new", data={
        "email": "new@example.com", "display_name": "New Person", "role": "member",
        "department_id": 0, "password": password})
    assert response.status_code == 200
    page = response.data.decode()
    assert "must choose their own password when they first sign in" in page
    assert re.search(r"stops working on <strong><time[^>]*>\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC<", page)
    if password:
        return password
    return re.search(r'data-testid="one-time-password">([^<]+)<', page).group(1)


def login(client, password, email="new@example.com"):
    return client.post("/login", data={"email": email, "password": password})


# --- the rule, with `now` ------------------------------------------------------------


def test_a_temporary_password_signs_in_for_72_hours_then_says_it_expired(ctx):
    user = factories.make_user("member", email="t@example.com")
    services.make_password_temporary(user, now=NOW)
    assert user.password_must_change
    assert services.authenticate("t@example.com", factories.DEFAULT_PASSWORD,
                                 now=NOW + timedelta(hours=72, seconds=-1)) is user
    with pytest.raises(services.TemporaryPasswordExpired, match="has expired") as raised:
        services.authenticate("t@example.com", factories.DEFAULT_PASSWORD, now=NOW + timedelta(hours=72))
    assert raised.value.expired_at == NOW + timedelta(hours=72)
    # Without the password nobody learns that it expired.
    assert services.authenticate("t@example.com", "wrong horse battery staple",
                                 now=NOW + timedelta(hours=72)) is None


def test_the_lifetime_of_a_temporary_password_is_configurable(app):
    app.config["TEMPORARY_PASSWORD_HOURS"] = 24
    with app.app_context():
        user = factories.make_user("member")
        assert services.make_password_temporary(user, now=NOW) == NOW + timedelta(hours=24)
        db.session.rollback()


def test_choosing_ones_own_password_ends_the_temporary_state(ctx):
    user = factories.make_user("member")
    services.make_password_temporary(user, now=NOW)
    services.change_own_password(user, current_password=factories.DEFAULT_PASSWORD, new_password=OWN_PASSWORD)
    assert not user.password_must_change and user.password_expires_at is None
    assert services.authenticate(user.email, OWN_PASSWORD, now=NOW + timedelta(days=365)) is user


# --- through the pages ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["", "an admin typed this one"], ids=["generated", "typed-by-admin"])
def test_the_first_sign_in_leads_to_choosing_a_password_and_nothing_else_opens(app, client, typed):
    password = create_through_admin_page(app, typed)
    response = login(client, password)
    assert response.status_code == 302 and response.headers["Location"] == "/account/new-password"
    for path in ("/", "/checkins/", "/account", "/initiatives/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/new-password", path
    # A form posted anywhere else changes nothing.
    assert client.post("/account/timezone", data={"tz-timezone": "Europe/Berlin"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(User.timezone).where(User.email == "new@example.com")) == "UTC"
    page = client.get("/account/new-password")
    assert page.status_code == 200 and b"Choose your own password" in page.data


def test_the_new_password_must_be_strong_and_then_everything_opens(app, client):
    password = create_through_admin_page(app)
    login(client, password)
    weak = client.post("/account/new-password", data={"pw-current_password": password,
                                                      "pw-new_password": "password1234"})
    assert weak.status_code == 200 and b"This is a very common password." in weak.data
    wrong = client.post("/account/new-password", data={"pw-current_password": "not it at all",
                                                       "pw-new_password": OWN_PASSWORD})
    assert b"current password is not correct" in wrong.data
    done = client.post("/account/new-password", data={"pw-current_password": password,
                                                      "pw-new_password": OWN_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/checkins/").status_code == 200
    assert client.get("/account/new-password").headers["Location"] == "/account"
    client.post("/logout")
    assert b"do not match" in login(client, password).data  # the one-time password is spent
    assert login(client, OWN_PASSWORD).headers["Location"] == "/"


def test_signing_out_is_possible_before_choosing(app, client):
    login(client, create_through_admin_page(app))
    assert client.post("/logout").status_code == 302
    assert client.get("/account/new-password").headers["Location"].startswith("/login")


@pytest.mark.fixed_now(NOW)
def test_an_expired_one_time_password_says_so_and_signs_nobody_in(app, client):
    password = create_through_admin_page(app)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "new@example.com"))
        user.password_expires_at = NOW - timedelta(minutes=1)
        db.session.commit()
    response = login(client, password)
    assert response.status_code == 200
    expired = b'<time datetime="2026-11-23T08:59:00+00:00">23 Nov 2026 08:59 UTC</time>'
    assert b"This one-time password expired on " + expired in response.data
    assert b"Ask an admin to issue a new one." in response.data
    assert client.get("/checkins/").status_code == 302
    assert b"This one-time password expired" not in login(client, "wrong horse battery staple").data
    admin = admin_client(app)
    assert b"One-time password expired" in admin.get("/admin/users").data


def test_admin_issues_a_new_one_time_password(app, client):
    with app.app_context():
        user = factories.make_user("member", email="new@example.com")
        db.session.commit()
        user_id = user.id
    assert login(client, factories.DEFAULT_PASSWORD).status_code == 302
    admin = admin_client(app)
    assert b"Issue a new one-time password" in admin.get(f"/admin/users/{user_id}").data
    response = admin.post(f"/admin/users/{user_id}/one-time-password")
    assert response.status_code == 200
    fresh = re.search(r'data-testid="one-time-password">([^<]+)<', response.data.decode()).group(1)
    assert client.get("/checkins/").status_code == 302  # signed out everywhere
    assert b"do not match" in login(client, factories.DEFAULT_PASSWORD).data
    assert login(client, fresh).headers["Location"] == "/account/new-password"
    assert app.test_client().get(f"/admin/users/{user_id}/one-time-password").status_code == 405


def test_only_admins_issue_one_time_passwords(app, login_as, client):
    with app.app_context():
        user_id = factories.make_user("member").id
        db.session.commit()
    login_as("executive")
    assert client.post(f"/admin/users/{user_id}/one-time-password").status_code == 403


def test_cli_created_passwords_are_one_time_and_the_cli_can_issue_a_new_one(app, runner, client):
    result = runner.invoke(args=["users", "create", "--email", "new@example.com", "--name", "New",
                                 "--role", "admin", "--password-stdin"], input="a very long password\n")
    assert result.exit_code == 0, result.output
    assert "must be replaced at the first sign-in" in result.output
    assert login(client, "a very long password").headers["Location"] == "/account/new-password"
    issued = runner.invoke(args=["users", "issue-password", "--email", "NEW@example.com"])
    assert issued.exit_code == 0, issued.output
    fresh = re.search(r"One-time password for new@example.com: (\S+)", issued.output).group(1)
    assert client.get("/account/new-password").status_code == 302  # that session ended
    assert login(app.test_client(), fresh).headers["Location"] == "/account/new-password"
    unknown = runner.invoke(args=["users", "issue-password", "--email", "nobody@example.com"])
    assert unknown.exit_code != 0 and "No user with the email" in unknown.output
