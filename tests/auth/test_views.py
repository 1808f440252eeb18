"""Signing in and out."""

import pytest
from argon2 import PasswordHasher
from werkzeug.security import generate_password_hash

from tests import factories
from tracker.accounts.models import User
from tracker.auth.views import LOGIN_FAILED
from tracker.extensions import db


@pytest.fixture
def member(app):
    with app.app_context():
        user = factories.make_user("member", email="Sam@Example.com")
        db.session.commit()
        return user.id


def login(client, email, password=factories.DEFAULT_PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_login_with_any_email_case_reaches_dashboard(client, member):
    response = login(client, "SAM@example.COM")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert b"Dashboard" in client.get("/").data


def test_wrong_password_and_unknown_email_get_the_same_message(client, member):
    wrong = login(client, "sam@example.com", "not the password at all")
    unknown = login(client, "nobody@example.com", "not the password at all")
    assert LOGIN_FAILED.encode() in wrong.data
    assert LOGIN_FAILED.encode() in unknown.data
    assert wrong.data.replace(b"sam@example.com", b"") == unknown.data.replace(
        b"nobody@example.com", b""
    )
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in(app, client):
    with app.app_context():
        factories.make_user("member", email="gone@example.com", active=False)
        db.session.commit()
    response = login(client, "gone@example.com")
    assert LOGIN_FAILED.encode() in response.data
    assert client.get("/").status_code == 302


def test_deactivation_ends_an_open_session(app, client, member):
    login(client, "sam@example.com")
    assert client.get("/").status_code == 200
    with app.app_context():
        db.session.get(User, member).active = False
        db.session.commit()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "next_url",
    ["//evil.com", "/\\evil.com", "https://evil.com", "javascript:alert(1)", "http:/evil.com",
     "\t//evil.com", "/\r\n//evil.com"],
)
def test_next_never_leaves_the_app(client, member, next_url):
    response = login(client, "sam@example.com", next=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_inside_the_app_is_followed(client, member):
    response = login(client, "sam@example.com", next="/account?tab=1")
    assert response.headers["Location"] == "/account?tab=1"


def test_login_page_carries_next_from_the_query(client):
    response = client.get("/account")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert b'value="/account"' in page.data


def test_session_is_cleared_on_login(client, member):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "sam@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{member}:")


def test_logout_is_a_post_and_ends_the_session(client, member):
    login(client, "sam@example.com")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_remember_cookie_is_httponly_and_lax(client, member):
    response = login(client, "sam@example.com", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    session = [c for c in cookies if c.startswith("session=")]
    assert remember and session
    for cookie in remember + session:
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "old_hash",
    [
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:600"),
        lambda password: generate_password_hash(password, method="scrypt:1024:8:1"),
        lambda password: PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(password),
    ],
    ids=["werkzeug-pbkdf2", "werkzeug-scrypt", "argon2id-other-parameters"],
)
def test_older_password_hashes_become_argon2id_at_the_next_sign_in(app, client, old_hash):
    with app.app_context():
        user = factories.make_user("member", email="old@example.com")
        user.password_hash = before = old_hash(factories.DEFAULT_PASSWORD)
        db.session.commit()
        user_id = user.id
    assert login(client, "old@example.com", "wrong horse battery staple").status_code == 200
    with app.app_context():
        assert db.session.get(User, user_id).password_hash == before
    assert login(client, "old@example.com").status_code == 302
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    client.post("/logout")
    assert login(client, "old@example.com").status_code == 302


def test_tampered_session_cookie_is_treated_as_signed_out(client, member):
    login(client, "sam@example.com")
    cookie = client.get_cookie("session")
    client.set_cookie("session", cookie.value[:-3] + "abc", domain=cookie.domain)
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
