"""Single sign-on tests run against a real OpenID Connect provider on
127.0.0.1 (tests/sso/provider.py), started and stopped by each test."""

from urllib.parse import urlsplit

import pytest

from tests.conftest import make_app
from tests.sso.provider import Provider
from tracker.extensions import db

CLIENT_ID = "burning-platform-tracker"
PROVIDER_NAME = "Acme Login"


@pytest.fixture
def provider():
    provider = Provider().start()
    yield provider
    provider.stop()


def sso_config(provider: Provider, **overrides) -> dict:
    return {"OIDC_ISSUER": provider.url, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": "tracker-secret",
            "OIDC_PROVIDER_NAME": PROVIDER_NAME, **overrides}


@pytest.fixture
def sso_app(tmp_path, engine_name, request, provider):
    """`sso_app(**settings)`: the app, on each engine, signing in through `provider`."""
    made = []

    def make(**settings):
        app = make_app(tmp_path, engine_name, request, **sso_config(provider, **settings))
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def start_sign_in(client, provider: Provider, next_url: str = "") -> str:
    """Press "Sign in with ..." on the sign-in page: the provider's page the browser is sent to."""
    response = client.get("/login/sso", query_string={"next": next_url} if next_url else None)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.startswith(provider.url + "/oauth2/authorize?"), response.location
    return response.location


def come_back(client, callback_url: str):
    """The browser arriving at the app's callback with what the provider put in the URL."""
    parts = urlsplit(callback_url)
    assert parts.path == "/login/sso/callback", callback_url
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_through(client, provider: Provider, sub: str, next_url: str = ""):
    """The whole round trip for `sub`: the app's answer to the callback."""
    return come_back(client, provider.authorize(start_sign_in(client, provider, next_url), sub))
