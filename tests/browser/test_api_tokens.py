"""A person creates an API token in a real browser, uses it from outside the
browser (no cookie, only the token), and revokes it: it stops working at once."""

import urllib.error
import urllib.request

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tracker.extensions import db


def _api_status(base: str, secret: str) -> int:
    request = urllib.request.Request(f"{base}/api/v1/metrics",  # noqa: S310 (our own live server)
                                     headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (our own live server)
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_a_token_is_created_shown_once_used_and_revoked(live_app, live_server, page):
    with live_app.app_context():
        factories.make_user("member", email="feed@example.com")
        db.session.commit()
    sign_in(page, "feed@example.com", factories.DEFAULT_PASSWORD)
    page.goto("/account")
    page.get_by_role("link", name="Create or revoke tokens").click()
    page.get_by_label("Name").fill("Survey tool NPS feed")
    page.get_by_label("Read initiatives").check()
    page.get_by_label("Record readings").check()
    expect(page.get_by_text("people decisions (HR")).to_have_count(0)  # not offered to a member
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token-secret").inner_text()
    assert secret.startswith("bpt_")
    assert _api_status(live_server, secret) == 200

    page.goto("/account/tokens")  # shown once: not on the page again
    expect(page.locator("#new-token-secret")).to_have_count(0)
    row = page.locator("#tokens tr", has_text="Survey tool NPS feed")
    expect(row.get_by_text("Active")).to_be_visible()
    row.get_by_role("button", name="Revoke Survey tool NPS feed").click()
    expect(page.get_by_text("is revoked: it no longer works")).to_be_visible()
    expect(page.locator("#tokens tr", has_text="Survey tool NPS feed").get_by_text("Revoked")).to_be_visible()
    assert _api_status(live_server, secret) == 401
