"""The digest preview shows the mail as it is sent, styled, inside the pages' strict policy."""

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tracker.extensions import db


def test_digest_preview_shows_the_styled_mail_in_its_frame(live_app, page):
    with live_app.app_context():
        factories.make_user("member", email="m@example.com", name="Mo Member")
        db.session.commit()
    sign_in(page, "m@example.com", factories.DEFAULT_PASSWORD)
    page.goto("/digests/preview?week=2026-W10")
    expect(page.get_by_role("heading", name="Your digest")).to_be_visible()
    mail = page.frame_locator("iframe.digest-frame")
    expect(mail.get_by_text("for Mo Member")).to_be_visible()
    # The mail's inline styles apply inside its frame (the pages refuse inline style).
    expect(mail.locator("body")).to_have_css("background-color", "rgb(246, 247, 249)")
    link = mail.get_by_role("link", name="Stop these emails")
    expect(link).to_be_visible()
