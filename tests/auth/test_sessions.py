"""Sessions that end: an old `session` or `remember_token` cookie, replayed
after sign-out, a new password, "Sign out everywhere", deactivation or a role
change, is sent to sign in."""

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests import factories
from tests.conftest import BASE_TEST_CONFIG, count_queries, make_app, sign_in_session
from tracker import create_app
from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.db import utcnow
from tracker.extensions import db

NEW_PASSWORD = "a different horse entirely"


@pytest.fixture
def sam(app):
    with app.app_context():
        user = factories.make_user("member", email="sam@example.com")
        db.session.commit()
        return user.id


def sign_in(client, email="sam@example.com", password=factories.DEFAULT_PASSWORD):
    response = client.post("/login", data={"email": email, "password": password, "remember": "y"})
    assert response.status_code == 302, "signing in failed"
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")}


def replay(app, name: str, value: str, path: str = "/checkins/"):
    """A browser that holds only this one cookie asks for `path`."""
    browser = app.test_client()
    browser.set_cookie(name, value, domain="localhost")
    return browser.get(path)


def assert_signed_in(app, cookies):
    for name, value in cookies.items():
        response = replay(app, name, value)
        assert response.status_code == 200, f"the {name} cookie should still sign in"


def assert_sent_to_sign_in(app, cookies):
    for name, value in cookies.items():
        response = replay(app, name, value)
        assert response.status_code == 302, f"the old {name} cookie still signs in"
        assert response.headers["Location"].startswith("/login")


def login_as_admin(app, client):
    with app.app_context():
        admin = factories.make_user("admin")
        db.session.commit()
        admin_id = admin.id
    sign_in_session(client, admin_id)


def test_an_old_cookie_works_until_something_ends_it(app, client, sam):
    # The control for every test below: the replay really signs in.
    assert_signed_in(app, sign_in(client))


def test_sign_out_ends_the_session_and_remember_cookies(app, client, sam):
    cookies = sign_in(client)
    assert client.post("/logout").status_code == 302
    assert_sent_to_sign_in(app, cookies)


def test_changing_the_password_ends_other_browsers_but_keeps_this_one(app, client, sam):
    other_browser = sign_in(app.test_client())
    this_browser = sign_in(client)
    response = client.post("/account/password", data={
        "pw-current_password": factories.DEFAULT_PASSWORD, "pw-new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert_sent_to_sign_in(app, other_browser)
    assert_sent_to_sign_in(app, this_browser)  # the cookies from before the change
    assert client.get("/checkins/").status_code == 200  # this browser, with its renewed cookies
    assert_signed_in(app, {"remember_token": client.get_cookie("remember_token").value})


def test_sign_out_everywhere_is_a_post_and_ends_every_session(app, client, sam):
    other_browser = sign_in(app.test_client())
    this_browser = sign_in(client)
    assert b"Sign out everywhere" in client.get("/account").data
    assert client.get("/account/sign-out-everywhere").status_code == 405
    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/checkins/").status_code == 302
    assert_sent_to_sign_in(app, other_browser)
    assert_sent_to_sign_in(app, this_browser)


def test_reactivating_a_user_does_not_revive_their_old_cookies(app, client, sam):
    cookies = sign_in(client)
    admin = app.test_client()
    login_as_admin(app, admin)
    admin.post(f"/admin/users/{sam}/active")
    assert_sent_to_sign_in(app, cookies)
    admin.post(f"/admin/users/{sam}/active")
    with app.app_context():
        assert db.session.get(User, sam).active
    assert_sent_to_sign_in(app, cookies)
    sign_in(app.test_client())  # the person signs in afresh


def test_a_role_change_ends_the_sessions_begun_under_the_old_role(app, client, sam):
    cookies = sign_in(client)
    admin = app.test_client()
    login_as_admin(app, admin)
    response = admin.post(f"/admin/users/{sam}",
                          data={"display_name": "Sam", "role": "executive", "department_id": 0})
    assert response.status_code == 302
    assert_sent_to_sign_in(app, cookies)


def test_saving_a_user_without_changing_the_role_keeps_their_sessions(app, client, sam):
    cookies = sign_in(client)
    admin = app.test_client()
    login_as_admin(app, admin)
    admin.post(f"/admin/users/{sam}", data={"display_name": "Samantha", "role": "member", "department_id": 0})
    assert_signed_in(app, cookies)


def test_a_cookie_naming_the_user_without_the_token_is_refused(app, client, sam):
    with client.session_transaction() as session:
        session["_user_id"] = str(sam)  # what cookies looked like before session tokens
    assert client.get("/checkins/").status_code == 302


@pytest.mark.parametrize("session_id", ["", ":", "1", "x:y", "99999999999999999999:abc", "1:wrong-token"])
def test_malformed_or_forged_session_ids_find_nobody(ctx, session_id):
    factories.make_user("member")
    assert accounts.user_for_session(session_id) is None


def test_checking_the_session_token_costs_no_extra_query(app, client, sam):
    sign_in(client)
    client.get("/account")  # the first page after signing in may tidy the session
    with count_queries(app) as queries:
        assert client.get("/account").status_code == 200
    # Loading the signed-in user, token checked in the same row, is the page's only query.
    assert queries() == 1


def test_remember_cookie_lasts_the_configured_days(tmp_path, engine_name, request):
    app = make_app(tmp_path, engine_name, request, REMEMBER_DAYS=30)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    with app.app_context():
        factories.make_user("member", email="sam@example.com")
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": "sam@example.com",
                                           "password": factories.DEFAULT_PASSWORD, "remember": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie)[1])
    # Flask-Login dates the cookie from the real clock, not from tracker.clock.
    assert abs(expires - (utcnow() + timedelta(days=30))) < timedelta(minutes=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_default_remember_duration_is_14_days(tmp_path):
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite'}"})
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)


@pytest.mark.parametrize("days", [0, -1, "soon", None])
def test_a_nonsense_remember_duration_stops_the_app_at_start(tmp_path, days):
    with pytest.raises(ValueError, match="REMEMBER_DAYS must be a positive number"):
        create_app({**BASE_TEST_CONFIG, "REMEMBER_DAYS": days,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite'}"})
