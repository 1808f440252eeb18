"""Sign-in throttling: per account and per client address, in the database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import BASE_TEST_CONFIG, make_app, sign_in_session
from tracker import create_app
from tracker.auth import throttle
from tracker.auth.models import FailedSignIn
from tracker.extensions import db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)  # the defaults: 5 per account, 20 per address, 15 minutes


def fail(email="sam@example.com", address="10.0.0.1", at=NOW):
    throttle.record_failure(email=email, address=address, now=at)


# --- the rule, with `now` ------------------------------------------------------------


def test_five_failures_pause_the_account_until_the_window_has_passed(ctx):
    for minute in range(5):
        fail(at=NOW + timedelta(minutes=minute))
    later = NOW + timedelta(minutes=5)
    # The first failure leaves the window at 09:15; then only four remain.
    assert throttle.seconds_to_wait(email="sam@example.com", address="10.0.0.9", now=later) == 10 * 60
    assert throttle.seconds_to_wait(email="SAM@example.com ", address="10.0.0.9", now=later) == 10 * 60
    assert throttle.seconds_to_wait(email="sam@example.com", address="10.0.0.9",
                                    now=NOW + WINDOW - timedelta(seconds=1)) == 1
    assert throttle.seconds_to_wait(email="sam@example.com", address="10.0.0.9", now=NOW + WINDOW) == 0


def test_four_failures_leave_the_account_open(ctx):
    for _ in range(4):
        fail()
    assert throttle.seconds_to_wait(email="sam@example.com", address="10.0.0.1", now=NOW) == 0


def test_twenty_failures_from_one_address_pause_it_for_every_account(ctx):
    for n in range(20):
        fail(email=f"guess{n}@example.com")
    assert throttle.seconds_to_wait(email="someone.else@example.com", address="10.0.0.1", now=NOW) == 15 * 60
    assert throttle.seconds_to_wait(email="someone.else@example.com", address="10.0.0.2", now=NOW) == 0


def test_forgetting_one_account_leaves_the_guesses_at_others_counted(ctx):
    for _ in range(5):
        fail()
    for n in range(20):
        fail(email=f"guess{n}@example.com")
    throttle.forget_failures("Sam@Example.com")
    assert throttle.seconds_to_wait(email="sam@example.com", address="10.0.0.9", now=NOW) == 0
    assert throttle.seconds_to_wait(email="sam@example.com", address="10.0.0.1", now=NOW) > 0


def test_failures_the_window_left_behind_are_deleted(ctx):
    fail(at=NOW - timedelta(hours=2))
    fail(at=NOW)
    assert db.session.scalar(select(func.count()).select_from(FailedSignIn)) == 1


def test_admins_list_of_paused_accounts_and_addresses(ctx):
    for minute in range(5):
        fail(email="sam@example.com", address=f"10.0.1.{minute}", at=NOW + timedelta(minutes=minute))
    for n in range(20):
        fail(email=f"guess{n}@example.com", address="192.0.2.7", at=NOW + timedelta(minutes=6))
    fail(email="kim@example.com", address="10.0.2.1", at=NOW)
    accounts, addresses = throttle.paused(NOW + timedelta(minutes=7))
    assert [(p.key, p.failures) for p in accounts] == [("sam@example.com", 5)]
    assert accounts[0].free_by == NOW + timedelta(minutes=4) + WINDOW
    assert [(p.key, p.failures) for p in addresses] == [("192.0.2.7", 20)]
    assert throttle.paused(NOW + timedelta(minutes=6) + WINDOW) == ([], [])


@pytest.mark.parametrize(
    ("name", "value"),
    [("SIGN_IN_MAX_FAILURES_PER_ACCOUNT", 0), ("SIGN_IN_MAX_FAILURES_PER_ADDRESS", "lots"),
     ("SIGN_IN_WINDOW_MINUTES", -5), ("SIGN_IN_WINDOW_MINUTES", True)],
)
def test_nonsense_limits_stop_the_app_at_start(tmp_path, name, value):
    with pytest.raises(ValueError, match=f"{name} must be a positive number"):
        create_app({**BASE_TEST_CONFIG, name: value,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.sqlite'}"})


# --- through the sign-in page ----------------------------------------------------------


@pytest.fixture
def sam(app):
    with app.app_context():
        user = factories.make_user("member", email="sam@example.com")
        db.session.commit()
        return user.id


def login(client, email="sam@example.com", password=factories.DEFAULT_PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password}, **extra)


def move_failures_back(app, by: timedelta) -> None:
    """As if `by` had passed since every failure so far (no sleeping, no clock patching)."""
    with app.app_context():
        for failure in db.session.scalars(select(FailedSignIn)):
            failure.at -= by
        db.session.commit()


def test_after_five_wrong_passwords_even_the_right_one_waits_then_works(app, client, sam):
    for _ in range(5):
        assert login(client, password="not the password at all").status_code == 200
    paused = login(client)
    assert paused.status_code == 429
    assert 0 < int(paused.headers["Retry-After"]) <= 15 * 60
    assert b"Too many failed sign-ins" in paused.data and b"Try again in 15 minutes" in paused.data
    assert client.get("/checkins/").status_code == 302
    move_failures_back(app, WINDOW)
    assert login(client).status_code == 302
    assert client.get("/checkins/").status_code == 200


def test_a_paused_unknown_email_looks_the_same_as_a_paused_account(app, client, sam):
    for email in ("sam@example.com", "nobody@example.com"):
        for _ in range(5):
            login(client, email=email, password="not the password at all")
    known, unknown = login(client), login(client, email="nobody@example.com")
    assert known.status_code == unknown.status_code == 429
    assert known.data.replace(b"sam@example.com", b"") == unknown.data.replace(b"nobody@example.com", b"")


def test_the_right_password_clears_the_accounts_earlier_failures(app, client, sam):
    for _ in range(4):
        login(client, password="not the password at all")
    assert login(client).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert login(client, password="not the password at all").status_code == 200
    assert login(client).status_code == 302


def test_admin_sees_paused_accounts_and_can_let_one_try_again(app, client, sam):
    for _ in range(5):
        login(client, password="not the password at all")
    admin = app.test_client()
    with app.app_context():
        admin_id = factories.make_user("admin").id
        db.session.commit()
    sign_in_session(admin, admin_id)
    page = admin.get("/admin/users").data.decode()
    assert "Sign-ins paused after repeated failures" in page and "sam@example.com" in page
    response = admin.post("/admin/users/sign-in-pause/lift", data={"email": "sam@example.com"})
    assert response.status_code == 302
    assert "Sign-ins paused" not in admin.get("/admin/users").data.decode()
    assert login(client).status_code == 302


def test_only_admins_may_lift_a_pause(app, client, sam, login_as):
    for _ in range(5):
        login(app.test_client(), password="not the password at all")
    login_as("executive")
    lifted = client.post("/admin/users/sign-in-pause/lift", data={"email": "sam@example.com"})
    assert lifted.status_code == 403
    assert b"Too many failed sign-ins" in login(app.test_client()).data


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(tmp_path, engine_name, request):
    app = make_app(tmp_path, engine_name, request, TRUSTED_PROXIES=1)
    try:
        with app.app_context():
            factories.make_user("member", email="sam@example.com")
            db.session.commit()
        for n in range(20):
            login(app.test_client(), email=f"guess{n}@example.com", password="nope nope nope",
                  headers={"X-Forwarded-For": "203.0.113.9"})
        assert login(app.test_client(), headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429
        assert login(app.test_client(), headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 302
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_without_a_proxy_a_forged_forwarded_for_header_changes_nothing(app, client, sam):
    for n in range(20):
        login(client, email=f"guess{n}@example.com", password="nope nope nope",
              headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert login(client, headers={"X-Forwarded-For": "198.51.100.200"}).status_code == 429
