"""Every page and every action needs a signed-in person, except the few that
are public on purpose. The routes come from the app's URL map, so a new route
is covered the day it is added (as the CSRF sweep covers every POST)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.conftest import make_app
from tracker.extensions import db

# The only endpoints an anonymous visitor may use. Everything else sends them to sign in.
PUBLIC = {
    "auth.login",  # where an anonymous visitor signs in
    "sso.start",  # the "Sign in with <provider>" link on the sign-in page: off to the provider
    "sso.callback",  # where the identity provider sends the browser back; its `state` is the authority
    "static",  # the stylesheets and scripts the sign-in page itself needs
    "dashboard.healthz",  # probed by load balancers and monitors, which have no account
    "digests.unsubscribe",  # one click from the mail (RFC 8058); the signed token is the authority
    "checkins.inbound_reply",  # posted by a mail service; the shared secret is the authority
    # The API's description and its readable reference: what any integrator reads
    # before they have a token; they hold no data.
    "api-docs.openapi_json",
    "api_docs.reference",
}

# Asked of every route; HEAD and OPTIONS are answered by Flask for the GET beside them.
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def anonymous_app(tmp_path, request):
    return make_app(tmp_path, "sqlite", request)


def _routes(app) -> list[tuple[str, str]]:
    """(method, URL) of every non-public route, with 1 for every id in the path."""
    with app.test_request_context():
        return [(method, url_for(rule.endpoint, **{arg: 1 for arg in rule.arguments}))
                for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC
                for method in sorted(rule.methods - IGNORED_METHODS)]


def _rows_per_table(app) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def _sends_to_sign_in_and_back(response, url: str) -> bool:
    """For a page, a redirect to sign in and back; for the token-only API, a 401 problem."""
    if url.startswith("/api/"):
        return _asks_for_a_token(response)
    location = urlsplit(response.headers.get("Location", ""))
    return (response.status_code == 302 and location.path == "/login"
            and parse_qs(location.query).get("next") == [url])


def _asks_for_a_token(response) -> bool:
    return (response.status_code == 401 and response.content_type == "application/problem+json"
            and response.headers.get("WWW-Authenticate", "").startswith("Bearer"))


def test_every_page_sends_an_anonymous_visitor_to_sign_in_and_back(anonymous_app):
    client = anonymous_app.test_client()
    urls = [url for method, url in _routes(anonymous_app) if method == "GET"]
    assert len(urls) >= 30
    shown = {url: client.get(url) for url in urls}
    assert [url for url, response in shown.items() if not _sends_to_sign_in_and_back(response, url)] == []


def test_every_action_refuses_an_anonymous_visitor_and_stores_nothing(anonymous_app):
    client = anonymous_app.test_client()
    routes = [(method, url) for method, url in _routes(anonymous_app) if method != "GET"]
    assert len(routes) >= 20
    before = _rows_per_table(anonymous_app)
    answers = {(method, url): client.open(url, method=method, data={"name": "Anonymous"})
               for method, url in routes}
    answers |= {(method, url + " (json)"): client.open(url, method=method, json={"title": "Anonymous"})
                for method, url in routes if url.startswith("/api/")}
    # A form post is sent to sign in; the JSON endpoint the check-in page calls answers 401.
    refused = {route for route, response in answers.items()
               if _sends_to_sign_in_and_back(response, route[1].removesuffix(" (json)"))
               or (response.status_code == 401 and "error" in response.get_json(silent=True))}
    assert sorted(set(answers) - refused) == []
    assert _rows_per_table(anonymous_app) == before


def test_every_public_endpoint_named_is_a_route(anonymous_app):
    # A stale name here would quietly make nothing public; a renamed route must be re-listed.
    endpoints = {rule.endpoint for rule in anonymous_app.url_map.iter_rules()}
    assert endpoints >= PUBLIC
