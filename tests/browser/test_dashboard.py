"""The dashboard in a real browser, for each role."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tests.dashboard.test_views import seed
from tracker.extensions import db


@pytest.mark.parametrize("role", ["executive", "hr", "member"])
def test_dashboard_shows_who_acts_and_hides_people_figures_from_members(live_app, page, role):
    seed(live_app)
    with live_app.app_context():
        factories.make_user(role, email=f"{role}@example.com")
        db.session.commit()
    sign_in(page, f"{role}@example.com", factories.DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="Are we acting, or only talking?")).to_be_visible()
    expect(page.get_by_role("img", name="Actions against talk, per week")).to_be_visible()
    expect(page.get_by_role("heading", name="Who carries the change")).to_be_visible()
    ranking = page.locator("section", has=page.get_by_role("heading", name="Who carries the change"))
    expect(ranking.get_by_role("link", name="Ava Actor")).to_be_visible()
    people = page.get_by_role("heading", name="People decisions", exact=False)
    if role == "member":
        expect(people).to_have_count(0)
        expect(page.get_by_text("Pam Promoted")).to_have_count(0)
    else:
        expect(people).to_be_visible()
        expect(page.get_by_text("Pam Promoted")).to_be_visible()
    page.get_by_label("Period").select_option("4")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Last 4 weeks ·")).to_be_visible()
    assert "weeks=4" in page.url
