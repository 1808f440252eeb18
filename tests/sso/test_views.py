"""Signing in through a real OpenID Connect provider on 127.0.0.1, on both
engines: the round trip, the protocol's protections, the account rules and
sign-out at the provider."""

import html
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import make_app
from tests.sso import provider as misbehaviour
from tests.sso.conftest import CLIENT_ID, PROVIDER_NAME, come_back, sign_in_through, sso_config, start_sign_in
from tests.sso.provider import Provider, id_token_claims, s256
from tracker.accounts.models import User
from tracker.extensions import db
from tracker.history.models import HistoryEvent


def _make_user(app, role="member", **kwargs) -> int:
    with app.app_context():
        user = factories.make_user(role, **kwargs)
        db.session.commit()
        return user.id


def _signed_in_as(client) -> str | None:
    """The name the page header greets, or None when the app sends the browser to sign in."""
    response = client.get("/account")
    if response.status_code != 200:
        return None
    return response.get_data(as_text=True)


def _refusal(client, response) -> str:
    """The message the sign-in page shows after a refused sign-in; the browser is not signed in."""
    assert response.status_code == 302 and urlsplit(response.location).path == "/login", response.location
    page = html.unescape(client.get("/login").get_data(as_text=True))
    assert _signed_in_as(client) is None
    return page


def _user(app, email):
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_a_known_person_signs_in_with_a_fresh_session_and_lands_where_they_were_going(sso_app, provider):
    app = sso_app()
    _make_user(app, email="ada@example.com", name="Ada Lovelace")
    provider.set_user("ada", email="ada@example.com", email_verified=True)
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else before sign-in"

    response = sign_in_through(client, provider, "ada", next_url="/metrics/")

    assert response.status_code == 302 and response.location == "/metrics/"
    assert "Ada Lovelace" in _signed_in_as(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert not any(key.startswith("_state_") for key in session)


def test_the_sign_in_page_offers_the_provider_by_name(sso_app):
    page = sso_app().test_client().get("/login?next=/metrics/").get_data(as_text=True)
    assert f"Sign in with {PROVIDER_NAME}" in page
    assert 'href="/login/sso?next=/metrics/"' in page


def test_the_app_sends_state_nonce_and_a_pkce_challenge_and_proves_it_at_the_token_endpoint(sso_app,
                                                                                           provider):
    app = sso_app()
    _make_user(app, email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=True)
    sign_in_through(app.test_client(), provider, "ada")

    [asked] = provider.authorize_requests
    assert asked["client_id"] == CLIENT_ID and asked["response_type"] == "code"
    assert set(asked["scope"].split()) == {"openid", "email", "profile"}
    assert len(asked["state"]) >= 20 and len(asked["nonce"]) >= 20
    assert asked["code_challenge_method"] == "S256"
    [exchanged] = provider.token_requests
    assert s256(exchanged["code_verifier"]) == asked["code_challenge"]
    assert exchanged["redirect_uri"] == asked["redirect_uri"] == "http://localhost/login/sso/callback"


def test_next_cannot_send_the_browser_off_the_site(sso_app, provider):
    app = sso_app()
    _make_user(app, email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=True)
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        client = app.test_client()
        response = sign_in_through(client, provider, "ada", next_url=hostile)
        assert response.status_code == 302 and response.location == "/", hostile


def test_a_replayed_state_is_refused_with_or_without_the_old_cookie(sso_app, provider):
    app = sso_app()
    _make_user(app, email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=True)
    client = app.test_client()
    callback = provider.authorize(start_sign_in(client, provider), "ada")
    cookie_before = client.get_cookie("session", domain="localhost").value
    assert come_back(client, callback).location == "/"

    # The same browser, signed in, coming back with the same state: it was used up.
    response = come_back(client, callback)
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    shown = client.get("/login", follow_redirects=True).get_data(as_text=True)
    assert "That sign-in link was already used" in html.unescape(shown)

    # A copy of the cookie from before the sign-in still holds the state: the
    # provider refuses the used code, and nobody is signed in.
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", cookie_before, domain="localhost")
    page = _refusal(replay, come_back(replay, callback))
    assert f"{PROVIDER_NAME} refused the sign-in (invalid_grant" in page


@pytest.mark.parametrize(("misbehave", "message"), [
    (misbehaviour.TAMPERED_ID_TOKEN, f"did not carry a valid signature from {PROVIDER_NAME}"),
    (misbehaviour.WRONG_AUDIENCE, "its ID token was issued to another application, not this one"),
    (misbehaviour.WRONG_ISSUER, f"its ID token came from another issuer than {PROVIDER_NAME}"),
    (misbehaviour.OTHER_NONCE, "its ID token does not belong to the sign-in started in this browser"),
])
def test_an_id_token_failing_a_check_signs_nobody_in_and_says_why(sso_app, provider, misbehave, message):
    app = sso_app()
    _make_user(app, "admin", email="admin@example.com")
    _make_user(app, email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=True)
    provider.misbehave = misbehave
    client = app.test_client()

    page = _refusal(client, sign_in_through(client, provider, "ada"))

    assert message in page


def test_the_tampered_token_named_someone_else(provider):
    """The misbehaving provider really changes the signed payload (a check of the test itself)."""
    import requests

    provider.misbehave = misbehaviour.TAMPERED_ID_TOKEN
    provider.set_user("ada", email="ada@example.com", email_verified=True)
    url = (f"{provider.url}/oauth2/authorize?client_id=x&response_type=code&scope=openid+email"
           "&redirect_uri=http://localhost/cb&state=s&nonce=n")
    code = parse_qs(urlsplit(provider.authorize(url, "ada")).query)["code"][0]
    token = requests.post(f"{provider.url}/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb"},
        auth=("x", "y"), timeout=10).json()
    assert id_token_claims(token["id_token"])["email"] == "admin@example.com"


def _provider_app(tmp_path, request, engine_name, provider, **settings):
    return make_app(tmp_path, engine_name, request, **sso_config(provider, **settings))


@pytest.mark.parametrize(("age", "signed_in"), [
    (timedelta(minutes=-10), False),   # expired ten minutes ago: beyond the two minutes' leeway
    (timedelta(seconds=-60), True),    # expired a minute ago: within the clock-skew leeway
])
def test_an_expired_id_token_is_refused_beyond_the_clock_skew_leeway(tmp_path, request, engine_name, age,
                                                                     signed_in):
    expired = Provider(token_max_age=age).start()
    request.addfinalizer(expired.stop)
    app = _provider_app(tmp_path, request, engine_name, expired)
    _make_user(app, email="ada@example.com", name="Ada Lovelace")
    expired.set_user("ada", email="ada@example.com", email_verified=True)
    client = app.test_client()

    response = sign_in_through(client, expired, "ada")

    if signed_in:
        assert response.location == "/" and "Ada Lovelace" in _signed_in_as(client)
    else:
        assert "The sign-in from Acme Login had expired when it arrived here" in _refusal(client, response)


def test_an_unknown_person_is_refused_while_provisioning_is_off(sso_app, provider):
    app = sso_app(OIDC_PROVISION=False)
    provider.set_user("newcomer", email="newcomer@example.com", email_verified=True)
    client = app.test_client()

    page = _refusal(client, sign_in_through(client, provider, "newcomer"))

    assert "There is no account here for newcomer@example.com. Ask an admin to add you." in page
    assert _user(app, "newcomer@example.com") is None


def test_an_unknown_person_gets_an_account_at_first_sign_in_while_provisioning_is_on(sso_app, provider):
    app = sso_app(OIDC_PROVISION=True, OIDC_ROLE_MAP={"tracker-execs": "executive"})
    provider.set_user("newcomer", email="Newcomer@Example.com", email_verified=True, name="Nia Newcomer",
                      groups=["tracker-execs"])
    client = app.test_client()

    response = sign_in_through(client, provider, "newcomer")

    assert response.location == "/"
    assert "Nia Newcomer" in _signed_in_as(client)
    user = _user(app, "newcomer@example.com")
    assert (user.display_name, user.role, user.active) == ("Nia Newcomer", "executive", True)
    with app.app_context():
        [event] = db.session.scalars(select(HistoryEvent).where(HistoryEvent.subject_type == "user"))
        assert event.action == "created" and event.changes["role"] == "executive"
        assert "first sign-in with Acme Login" in event.summary
    # The second sign-in finds the account: no second one.
    sign_in_through(app.test_client(), provider, "newcomer")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_an_email_the_provider_has_not_verified_is_refused(sso_app, provider):
    app = sso_app(OIDC_PROVISION=True)
    _make_user(app, email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=False)
    provider.set_user("silent", email="silent@example.com")
    for sub, email in (("ada", "ada@example.com"), ("silent", "silent@example.com")):
        client = app.test_client()
        page = _refusal(client, sign_in_through(client, provider, sub))
        assert f"{PROVIDER_NAME} has not verified your email address {email}" in page
    assert _user(app, "silent@example.com") is None


def test_an_unverified_email_signs_in_where_the_provider_sends_no_such_claim(sso_app, provider):
    # Entra ID sends no email_verified: OIDC_REQUIRE_VERIFIED_EMAIL=false there.
    app = sso_app(OIDC_REQUIRE_VERIFIED_EMAIL=False)
    _make_user(app, email="ada@example.com", name="Ada Lovelace")
    provider.set_user("ada", email="ada@example.com")
    client = app.test_client()
    assert sign_in_through(client, provider, "ada").location == "/"
    assert "Ada Lovelace" in _signed_in_as(client)


def test_a_deactivated_account_stays_out_whatever_the_provider_says(sso_app, provider):
    app = sso_app(OIDC_PROVISION=True, OIDC_ROLE_MAP={"tracker-admins": "admin"})
    _make_user(app, "member", email="gone@example.com", active=False)
    provider.set_user("gone", email="gone@example.com", email_verified=True, groups=["tracker-admins"])
    client = app.test_client()

    page = _refusal(client, sign_in_through(client, provider, "gone"))

    assert "Your account here is deactivated. Ask an admin to reactivate it." in page
    user = _user(app, "gone@example.com")
    assert (user.active, user.role) == (False, "member")


def test_roles_follow_the_provider_groups_and_are_lost_with_the_group(sso_app, provider):
    app = sso_app(OIDC_ROLE_MAP={"tracker-admins": "admin", "tracker-execs": "executive"})
    _make_user(app, "admin", email="breakglass@example.com")
    user_id = _make_user(app, "member", email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=True,
                      groups=["staff", "tracker-execs", "tracker-admins"])
    laptop = app.test_client()

    sign_in_through(laptop, provider, "ada")
    assert _user(app, "ada@example.com").role == "admin"  # the first group in the map wins
    assert laptop.get("/admin/users").status_code == 200

    provider.set_user("ada", email="ada@example.com", email_verified=True, groups=["staff"])
    phone = app.test_client()
    sign_in_through(phone, provider, "ada")

    assert _user(app, "ada@example.com").role == "member"
    assert phone.get("/admin/users").status_code == 403
    # The session begun as an admin ended with the role.
    assert _signed_in_as(laptop) is None
    with app.app_context():
        events = db.session.scalars(select(HistoryEvent).where(
            HistoryEvent.subject_type == "user", HistoryEvent.subject_id == user_id)
            .order_by(HistoryEvent.id)).all()
        assert [(e.action, e.changes["role"], e.actor_id) for e in events] == [
            ("updated", ["member", "admin"], None), ("updated", ["admin", "member"], None)]
        assert all("groups of Acme Login" in e.summary for e in events)
    # The account's page tells an admin what the provider changed, and when.
    admin = app.test_client()
    admin.post("/login", data={"email": "breakglass@example.com", "password": factories.DEFAULT_PASSWORD})
    page = html.unescape(admin.get(f"/admin/users/{user_id}").get_data(as_text=True))
    assert page.count("Role set by the groups of Acme Login at sign-in") == 2
    assert "Role: <del>Member</del> → <ins>Admin</ins>" in page
    assert "Role: <del>Admin</del> → <ins>Member</ins>" in page


def test_without_a_role_map_roles_stay_as_set_here(sso_app, provider):
    app = sso_app()
    _make_user(app, "executive", email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=True, groups=["tracker-admins"])
    sign_in_through(app.test_client(), provider, "ada")
    assert _user(app, "ada@example.com").role == "executive"


def test_a_provider_that_cannot_be_reached_gets_a_message_not_an_error(sso_app, provider):
    dead = Provider()
    dead.stop()  # a port nobody answers on
    app = sso_app(OIDC_ISSUER=dead.url)
    client = app.test_client()
    page = _refusal(client, client.get("/login/sso"))
    assert f"{PROVIDER_NAME} could not be reached, so nobody can sign in with it right now" in page


def test_a_provider_that_never_answers_gets_a_message_after_the_timeout(sso_app):
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections, never answers
    try:
        app = sso_app(OIDC_ISSUER=f"http://127.0.0.1:{silent.getsockname()[1]}", OIDC_TIMEOUT=1)
        client = app.test_client()
        started = time.monotonic()
        page = _refusal(client, client.get("/login/sso"))
        assert time.monotonic() - started < 5
        assert f"{PROVIDER_NAME} could not be reached" in page
    finally:
        silent.close()


def test_a_discovery_document_naming_another_issuer_is_not_trusted(sso_app, provider):
    app = sso_app()
    provider.misbehave = misbehaviour.DISCOVERY_OTHER_ISSUER
    client = app.test_client()
    page = _refusal(client, client.get("/login/sso"))
    assert f"{PROVIDER_NAME} answered as another issuer ('https://impostor.example')" in page
    assert provider.authorize_requests == []


def test_a_provider_going_down_mid_sign_in_gets_a_message(sso_app, provider):
    app = sso_app()
    _make_user(app, email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=True)
    client = app.test_client()
    callback = provider.authorize(start_sign_in(client, provider), "ada")
    provider.stop()
    page = _refusal(client, come_back(client, callback))
    assert f"{PROVIDER_NAME} could not be reached" in page


def test_cancelling_at_the_provider_is_said_plainly(sso_app, provider):
    import requests

    app = sso_app()
    client = app.test_client()
    authorize_url = start_sign_in(client, provider)
    denied = requests.post(authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=10)
    page = _refusal(client, come_back(client, denied.headers["Location"]))
    assert f"Sign-in was cancelled at {PROVIDER_NAME}." in page


def test_signing_out_also_ends_the_provider_session(sso_app, provider):
    app = sso_app()
    _make_user(app, email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=True)
    client = app.test_client()
    sign_in_through(client, provider, "ada")

    response = client.post("/logout")

    # A page hands the browser over (a redirect from a form post to another site is refused by the CSP).
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    sign_out_url = page.split('<meta http-equiv="refresh" content="0; url=')[1].split('"')[0]
    assert sign_out_url.startswith(f"{provider.url}/oauth2/end_session?")
    assert f'href="{sign_out_url}"' in page
    asked = {k: v[0] for k, v in parse_qs(urlsplit(sign_out_url).query).items()}
    assert asked["post_logout_redirect_uri"] == "http://localhost/login"
    assert asked["client_id"] == CLIENT_ID
    assert id_token_claims(asked["id_token_hint"])["aud"] in (CLIENT_ID, [CLIENT_ID])
    assert _signed_in_as(client) is None


def test_a_password_sign_in_signs_out_here_only(sso_app):
    app = sso_app()
    _make_user(app, email="ada@example.com")
    client = app.test_client()
    client.post("/login", data={"email": "ada@example.com", "password": factories.DEFAULT_PASSWORD})
    assert client.post("/logout").location == "/login"


def test_with_password_sign_in_off_only_the_break_glass_admin_uses_a_password(sso_app):
    app = sso_app(PASSWORD_SIGN_IN=False, BREAK_GLASS_ADMIN="Breakglass@example.com")
    _make_user(app, "admin", email="breakglass@example.com", name="Break Glass")
    _make_user(app, "admin", email="other-admin@example.com")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert f"Sign in with {PROVIDER_NAME}" in page and "Emergency admin sign-in with a password" in page

    refused = client.post("/login", data={"email": "other-admin@example.com",
                                           "password": factories.DEFAULT_PASSWORD})
    assert refused.status_code == 200
    assert (f"Password sign-in is switched off here: sign in with {PROVIDER_NAME} instead."
            in html.unescape(refused.get_data(as_text=True)))
    assert _signed_in_as(client) is None
    # A wrong password says what it always says: nothing about the switch.
    wrong = client.post("/login", data={"email": "other-admin@example.com",
                                        "password": "not the password at all"})
    assert "do not match an active account" in wrong.get_data(as_text=True)

    allowed = client.post("/login", data={"email": "breakglass@example.com",
                                          "password": factories.DEFAULT_PASSWORD})
    assert allowed.status_code == 302 and "Break Glass" in _signed_in_as(client)


def test_the_sign_in_routes_are_not_found_while_single_sign_on_is_off(app):
    client = app.test_client()
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "", "state=", "code=x&state=forged", "code=%00&state=%00", "error=%0d%0aBcc:x&error_description=%00",
    "state=" + "x" * 5000, "code=1&state=1&next=https://evil.example/", "error=access_denied",
])
def test_a_hostile_callback_gets_a_message_not_an_error(sso_app, query):
    client = sso_app().test_client()
    response = client.get(f"/login/sso/callback?{query}")
    assert response.status_code == 302 and response.location == "/login"
    assert _signed_in_as(client) is None


@pytest.mark.parametrize("next_url", ["https://evil.example/", "/\x00", "\r\nSet-Cookie: x=1", "x" * 5000])
def test_a_hostile_next_on_the_button_goes_nowhere_off_site(sso_app, provider, next_url):
    client = sso_app().test_client()
    response = client.get("/login/sso", query_string={"next": next_url})
    assert response.status_code == 302 and response.location.startswith(provider.url)
    with client.session_transaction() as session:
        assert session["sso_next"] == ""


def test_signing_out_everywhere_also_ends_the_provider_session(sso_app, provider):
    app = sso_app()
    _make_user(app, email="ada@example.com")
    provider.set_user("ada", email="ada@example.com", email_verified=True)
    client, laptop = app.test_client(), app.test_client()
    sign_in_through(client, provider, "ada")
    sign_in_through(laptop, provider, "ada")
    assert _signed_in_as(laptop) is not None  # a sign-in here leaves the other device signed in

    response = client.post("/account/sign-out-everywhere")

    assert response.status_code == 200
    assert f"{provider.url}/oauth2/end_session?" in html.unescape(response.get_data(as_text=True))
    assert _signed_in_as(client) is None
    assert _signed_in_as(laptop) is None
    assert "You are signed out on every device" in client.get("/login").get_data(as_text=True)
