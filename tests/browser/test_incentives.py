"""Issue 20's path in Chromium, CSRF on: HR records what Operations is paid
on, judges it against a behaviour from the app's suggestion, names it as the
incentive an initiative changes; the initiative's owner reports the new pay
plan as an action with evidence, and the incentive ends with its history and
its conflict with Customer Service shows resolved."""

import re
from datetime import date

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tracker.extensions import db
from tracker.incentives import services as incentives

HR_EMAIL = "hannah.hr@example.com"
OWNER_EMAIL = "priya.owner@example.com"


def test_hr_records_judges_and_an_initiative_resolves_an_incentive(live_app, page):
    with live_app.app_context():
        hr = factories.make_user("hr", email=HR_EMAIL, name="Hannah HR")
        owner = factories.make_user("member", email=OWNER_EMAIL, name="Priya Owner")
        factories.make_department("Operations")
        service = factories.make_department("Customer Service")
        behaviour = factories.make_behaviour("Call centre in-sourced")
        nps = factories.make_incentive(service, "Net Promoter Score", actor=hr)
        incentives.judge(nps, actor=hr, behaviour_id=behaviour.id, verdict="supports",
                         reason="Customers recommend us when our own people answer", now=factories.NOW)
        initiative = factories.make_initiative("Drop cost per contact from the Ops bonus", owner=owner,
                                               kind="incentive_change", status="in_progress",
                                               start_date=date(2026, 1, 5))
        factories.make_checkin(initiative, period_start=date(2026, 3, 2))
        db.session.commit()
        initiative_id = initiative.id

    sign_in(page, HR_EMAIL, factories.DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incentives").click()
    expect(page.get_by_role("heading", name="Incentive map")).to_be_visible()
    page.get_by_role("link", name="Record an incentive").click()
    page.get_by_label("Department paid on it").select_option(label="Operations")
    page.get_by_label("What it rewards").fill("Cost per customer contact")
    page.get_by_label("Named group").fill("Operations leadership bonus pool")
    page.get_by_label("Source").select_option(label="Pay plan")
    page.get_by_label("In effect from").fill("2025-01-01")
    page.get_by_role("button", name="Record the incentive").click()
    expect(page.get_by_role("heading", name="Operations: Cost per customer contact")).to_be_visible()

    page.get_by_role("link", name="Judge against Call centre in-sourced").click()
    expect(page.get_by_text("The app suggests")).to_be_visible()
    page.get_by_label("Judgement").select_option(label="Pulls against")
    page.get_by_label("Reason, in one line").fill("The offshore vendor costs less per call")
    page.get_by_role("button", name="Confirm the judgement").click()
    expect(page.get_by_text("Judged against “Call centre in-sourced”: pulls against.")).to_be_visible()

    page.goto("/incentives/")
    conflicts = page.get_by_role("region", name="Conflicts between departments")
    expect(conflicts.get_by_text("Operations against Customer Service on “Call centre in-sourced”")
           ).to_be_visible()
    expect(page.locator(".map-pulls_against .badge")).to_have_text("▼ Pulls against")

    page.goto(f"/initiatives/{initiative_id}")
    page.get_by_role("link", name="Name the incentive it changes").click()
    page.get_by_label("Incentive it changes").select_option(label="Operations: Cost per customer contact")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Not changed yet. Announcing it is talk")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, OWNER_EMAIL, factories.DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check-ins").click()
    page.get_by_role("link", name="Drop cost per contact from the Ops bonus").click()
    expect(page.get_by_role("heading", name=re.compile("Check-in · 02 Mar"))).to_be_visible()
    talk = page.get_by_role("group", name="Entry 1", exact=True)
    talk.get_by_label("Talk", exact=True).check()
    talk.get_by_label("What happened").fill("Announced the new Operations pay plan at the town hall")
    action = page.get_by_role("group", name="Entry 2", exact=True)
    action.get_by_label("Action", exact=True).check()
    action.get_by_label("What happened").fill("Signed the new Operations pay plan: cost per contact removed")
    action.get_by_label("Date it happened").fill("2026-03-04")
    action.get_by_label("Evidence").fill("PAY-2026-07")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Check-in submitted.")).to_be_visible()

    page.goto(f"/initiatives/{initiative_id}")
    expect(page.get_by_text("Changed", exact=True)).to_be_visible()
    page.goto("/incentives/")
    page.get_by_role("region", name="Every incentive").get_by_role(
        "link", name="Operations: Cost per customer contact").click()
    expect(page.locator(".page-head .badge")).to_have_text("Ended")
    history = page.get_by_role("region", name="History")
    expect(history.get_by_text(re.compile("Changed by the initiative “Drop cost per"))).to_be_visible()
    # Before and after, in the history's own words.
    expect(history.get_by_text(re.compile(r"Status: In effect\s*→\s*Ended"))).to_be_visible()
    page.goto("/incentives/")
    expect(page.get_by_text(re.compile("resolved from 2026-03-04"))).to_be_visible()
    expect(page.get_by_text("No open conflict.")).to_be_visible()
