"""Every state change needs a CSRF token."""

import pytest

from tests import factories
from tests.conftest import make_app, sign_in_session
from tracker.extensions import db


@pytest.fixture
def csrf_app(tmp_path, request):
    return make_app(tmp_path, "sqlite", request, WTF_CSRF_ENABLED=True)


# Posted by mail clients (RFC 8058 one-click unsubscribe), which cannot carry a
# form token; the signed token in the URL is what authorises it. The inbound-mail
# webhook is posted by a mail service, and the shared secret it must send
# (INBOUND_MAIL_SECRET, which no browser has) is what authorises it.
DELIBERATELY_EXEMPT = {"tracker.digests.views.unsubscribe", "tracker.checkins.views.inbound_reply"}
# The JSON API is authenticated by a bearer token only, which a page in another
# site cannot send; the session cookie (which it could) never authenticates it:
# tested below and in tests/api.
EXEMPT_BLUEPRINTS = {"api"}


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        location = f"{view.__module__}.{view.__name__}"
        if ("POST" in rule.methods and rule.endpoint != "static" and location not in DELIBERATELY_EXEMPT
                and rule.endpoint.partition(".")[0] not in EXEMPT_BLUEPRINTS):
            values = {arg: 1 for arg in rule.arguments}
            yield rule, values


def test_only_the_one_click_unsubscribe_and_the_mail_webhook_are_exempt_from_csrf(csrf_app):
    from tracker.extensions import csrf

    assert csrf._exempt_views == DELIBERATELY_EXEMPT
    assert {blueprint.name for blueprint in csrf._exempt_blueprints} == EXEMPT_BLUEPRINTS


def test_a_signed_in_browser_cannot_write_through_the_api_without_a_token(csrf_app):
    """What CSRF protection guards against, through the exempt API: a page in
    another site making the signed-in browser post. The cookie goes along;
    it authenticates nothing there, so every write is refused and nothing stored."""
    with csrf_app.app_context():
        admin = factories.make_user("admin")
        db.session.commit()
        admin_id = admin.id
    client = csrf_app.test_client()
    sign_in_session(client, admin_id)
    with csrf_app.test_request_context():
        from flask import url_for

        writes = [(method, url_for(rule.endpoint, **dict.fromkeys(rule.arguments, 1)))
                  for rule in csrf_app.url_map.iter_rules()
                  if rule.endpoint.partition(".")[0] in EXEMPT_BLUEPRINTS
                  for method in rule.methods & {"POST", "PATCH", "PUT", "DELETE"}]
    assert len(writes) >= 5
    for method, url in writes:
        for body in ({"json": {"observed_on": "2026-03-01", "value": 5, "readings": []}},
                     {"data": {"observed_on": "2026-03-01", "value": "5"}}):
            answer = client.open(url, method=method, **body)
            assert answer.status_code == 401, (method, url)
            assert answer.content_type == "application/problem+json"


def test_every_post_route_refuses_a_missing_or_forged_token(csrf_app):
    with csrf_app.app_context():
        admin = factories.make_user("admin")
        db.session.commit()
        admin_id = admin.id
    client = csrf_app.test_client()
    sign_in_session(client, admin_id)
    routes = list(_post_routes(csrf_app))
    assert len(routes) >= 5
    with csrf_app.test_request_context():
        from flask import url_for

        urls = [url_for(rule.endpoint, **values) for rule, values in routes]
    for url in urls:
        missing = client.post(url, data={})
        forged = client.post(url, data={"csrf_token": "forged"})
        assert missing.status_code == 400, url
        assert forged.status_code == 400, url
        assert b"did not come from this site" in missing.data


def test_login_form_carries_a_token_and_works_with_it(csrf_app):
    with csrf_app.app_context():
        factories.make_user("member", email="m@example.com")
        db.session.commit()
    client = csrf_app.test_client()
    page = client.get("/login").data.decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"email": "m@example.com", "password": factories.DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
