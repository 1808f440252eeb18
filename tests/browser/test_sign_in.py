"""A person signs in, sees the dashboard shell for their role, and signs out."""

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tracker.extensions import db


def test_admin_signs_in_sees_dashboard_and_admin_nav_then_signs_out(live_app, page):
    with live_app.app_context():
        factories.make_user("admin", email="boss@example.com", name="Bo Admin")
        db.session.commit()
    sign_in(page, "boss@example.com", factories.DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="Are we acting, or only talking?")).to_be_visible()
    expect(page.get_by_text("Welcome, Bo Admin.")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    # The admin pages sit under one Admin menu, opened from the keyboard.
    expect(nav.get_by_role("link", name="Users")).to_be_hidden()
    nav.get_by_text("Admin", exact=True).focus()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="Users")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/")
    assert "/login" in page.url


def test_member_sees_no_admin_nav_and_wrong_password_is_explained(live_app, page):
    with live_app.app_context():
        factories.make_user("member", email="m@example.com")
        db.session.commit()
    sign_in(page, "m@example.com", "a wrong password indeed")
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    sign_in(page, "m@example.com", factories.DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="Are we acting, or only talking?")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    expect(nav.get_by_text("Admin", exact=True)).to_have_count(0)
