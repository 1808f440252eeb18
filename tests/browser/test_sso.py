"""Signing in through a real OpenID Connect provider, in Chromium: the button,
the provider's page, back to the page asked for with the role the provider's
groups give, and signing out at the provider too."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.conftest import make_app
from tests.sso.conftest import PROVIDER_NAME, sso_config
from tests.sso.provider import Provider
from tracker.extensions import db

ADMINS = "tracker-admins"


@pytest.fixture
def provider():
    provider = Provider().start()
    yield provider
    provider.stop()


@pytest.fixture
def live_app(tmp_path, request, provider):
    """The browser tests' app (SQLite, CSRF on), signing in through `provider`."""
    app = make_app(tmp_path, "sqlite", request, WTF_CSRF_ENABLED=True, SERVER_NAME=None,
                   **sso_config(provider, OIDC_ROLE_MAP={ADMINS: "admin"}))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def offline(page):
    """The provider's own pages link a stylesheet on a CDN; the tests stay off the network."""
    page.context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    return page


def _sign_in_at_provider(page, sub: str) -> None:
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def test_a_person_signs_in_with_the_provider_gets_its_role_and_signs_out_there_too(live_app, provider,
                                                                                   offline):
    page = offline
    with live_app.app_context():
        factories.make_user("admin", email="breakglass@example.com")
        factories.make_user("member", email="ada@example.com", name="Ada Lovelace")
        db.session.commit()
    provider.set_user("ada", email="ada@example.com", email_verified=True, groups=[ADMINS])

    page.goto("/metrics/")
    assert "/login" in page.url
    _sign_in_at_provider(page, "ada")

    expect(page.get_by_text("Welcome, Ada Lovelace.")).to_be_visible()
    assert page.url.endswith("/metrics/")
    # The admin pages (the Admin menu) are there: the provider's group made Ada an admin.
    expect(page.get_by_role("navigation", name="Main").get_by_text("Admin", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    # The provider's own sign-out page, told who signs out and where to come back to.
    expect(page.get_by_role("heading", name="End Session")).to_be_visible()
    [ended] = provider.end_session_requests
    assert ended["id_token_hint"] and ended["post_logout_redirect_uri"].endswith("/login")
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/")
    assert "/login" in page.url

    # Taken out of the group at the provider: the next sign-in takes the role away.
    provider.set_user("ada", email="ada@example.com", email_verified=True, groups=[])
    _sign_in_at_provider(page, "ada")
    expect(page.get_by_text("Welcome, Ada Lovelace.")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    expect(nav.get_by_text("Admin", exact=True)).to_have_count(0)


def test_someone_without_an_account_is_told_so_on_the_sign_in_page(live_app, provider, offline):
    page = offline
    provider.set_user("stranger", email="stranger@example.com", email_verified=True)
    page.goto("/login")
    _sign_in_at_provider(page, "stranger")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("There is no account here for stranger@example.com. Ask an admin to add you.")
           ).to_be_visible()
