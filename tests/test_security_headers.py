"""Every response carries the security headers: swept over every route in
`url_map`, signed out and signed in, as the CSRF test sweeps every POST."""

import pytest

from tests.conftest import make_app
from tracker.extensions import db
from tracker.security import MAIL_DOCUMENT_POLICY, PAGE_POLICY

# Digest mail shown in the preview's frame: inline style, no script, framed by our own pages only.
MAIL_DOCUMENTS = {"digests.preview_mail"}
# Routes that end the signed-in user's session. With the placeholder id 1,
# user_issue_password gives the signed-in user (id 1) a new password.
ENDS_THE_SESSION = {"auth.logout", "accounts.sign_out_everywhere", "accounts.user_issue_password"}


def _requests(app):
    """(endpoint, method, url) for every route, with placeholder arguments."""
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            values = {arg: "css/app.css" if arg == "filename" else "1" if arg == "token" else 1
                      for arg in rule.arguments}
            url = url_for(rule.endpoint, **values)
            method = "GET" if "GET" in rule.methods else "POST"
            yield rule.endpoint, method, url


def _assert_secure(response, endpoint, url):
    headers = response.headers
    where = f"{response.request.method} {url} ({response.status_code})"
    if endpoint in MAIL_DOCUMENTS and response.status_code == 200:
        assert headers["Content-Security-Policy"] == MAIL_DOCUMENT_POLICY, where
        assert headers["X-Frame-Options"] == "SAMEORIGIN", where
    else:
        assert headers["Content-Security-Policy"] == PAGE_POLICY, where
        assert headers["X-Frame-Options"] == "DENY", where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "same-origin", where
    assert "Strict-Transport-Security" not in headers, where
    if endpoint != "static":
        assert headers["Cache-Control"] == "no-store", where


def test_the_page_policy_allows_nothing_inline_and_no_framing():
    directives = dict(d.split(" ", 1) for d in PAGE_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in PAGE_POLICY
    mail = dict(d.split(" ", 1) for d in MAIL_DOCUMENT_POLICY.split("; "))
    assert mail["default-src"] == "'none'" and "script-src" not in mail
    assert mail["frame-ancestors"] == "'self'"


@pytest.mark.parametrize("role", [None, "member", "admin"])
def test_every_route_answers_with_the_security_headers(app, client, login_as, role):
    if role:
        login_as(role)
    # Signing out ends the signed-in part of the sweep: those routes go last.
    requests = sorted(_requests(app), key=lambda r: r[0] in ENDS_THE_SESSION)
    assert len(requests) >= 50
    statuses = {}
    for endpoint, method, url in requests:
        response = client.open(url, method=method)
        _assert_secure(response, endpoint, url)
        statuses[endpoint] = response.status_code
    assert statuses["static"] == 200
    if role:
        assert statuses["digests.preview_mail"] == 200
        assert statuses["checkins.mine"] == 200


def test_not_found_and_server_errors_carry_the_headers_too(tmp_path, request):
    app = make_app(tmp_path, "sqlite", request, TESTING=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    client = app.test_client()
    for url, status in (("/boom", 500), ("/no/such/page", 404)):
        response = client.get(url)
        assert response.status_code == status
        _assert_secure(response, None, url)
    with app.app_context():
        db.engine.dispose()


def test_hsts_is_sent_only_when_the_operator_turns_it_on(tmp_path, request):
    app = make_app(tmp_path, "sqlite", request, HSTS_SECONDS=31536000)
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    with app.app_context():
        db.engine.dispose()
