"""An owner reports talk and action; an executive reviews the flagged entry
and reads the say/do record. Through Chromium, with CSRF on."""

import re
from datetime import date

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tracker.extensions import db

OWNER_EMAIL = "olive.owner@example.com"
EXECUTIVE_EMAIL = "eve.exec@example.com"
FLAGGED_TEXT = "We will terminate the contract next month"


def test_owner_submits_a_checkin_and_executive_reclassifies_the_flagged_entry(live_app, page):
    with live_app.app_context():
        owner = factories.make_user("member", email=OWNER_EMAIL, name="Olive Owner")
        factories.make_user("executive", email=EXECUTIVE_EMAIL, name="Eve Exec")
        initiative = factories.make_initiative("Bring the call centre in-house", owner=owner,
                                               status="in_progress", start_date=date(2026, 1, 5))
        factories.make_checkin(initiative, period_start=date(2026, 3, 2))
        db.session.commit()

    # The owner finds the open check-in from the navigation.
    sign_in(page, OWNER_EMAIL, factories.DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check-ins").click()
    expect(page.get_by_role("heading", name="My check-ins")).to_be_visible()
    page.get_by_role("link", name="Bring the call centre in-house").click()
    expect(page.get_by_role("heading", name=re.compile("Check-in · 02 Mar"))).to_be_visible()

    talk = page.get_by_role("group", name="Entry 1", exact=True)
    talk.get_by_label("Talk", exact=True).check()
    talk.get_by_label("What happened").fill("Held a town hall about putting customers first")
    # The live suggestion (JavaScript) appears while typing, before any button is pressed.
    expect(talk.get_by_text("Suggested from the wording")).to_be_visible()
    expect(talk.get_by_text("Agrees with your choice.")).to_be_visible()

    action = page.get_by_role("group", name="Entry 2", exact=True)
    action.get_by_label("Action", exact=True).check()
    action.get_by_label("What happened").fill("Terminated the Acme call-centre contract")
    action.get_by_label("Date it happened").fill("2026-03-03")
    expect(action.get_by_label("Who did it")).to_have_value("Olive Owner")
    action.get_by_label("Evidence").fill("https://intranet.example/contracts/4471")

    flagged = page.get_by_role("group", name="Entry 3", exact=True)
    flagged.get_by_label("Action", exact=True).check()
    flagged.get_by_label("What happened").fill(FLAGGED_TEXT)
    flagged.get_by_label("Date it happened").fill("2026-03-04")
    flagged.get_by_label("Evidence").fill("PO-2291")

    # "Check wording" asks the server: suggestion and reasons for every row, nothing stored.
    page.get_by_role("button", name="Check wording").click()
    flagged = page.get_by_role("group", name="Entry 3", exact=True)
    expect(flagged.get_by_text("Disagrees: you chose action, the wording reads as talk.")).to_be_visible()
    expect(flagged.get_by_text("future tense: 'will'")).to_be_visible()
    expect(page.get_by_role("group", name="Entry 2", exact=True).get_by_text("Agrees with your choice.")
           ).to_be_visible()
    expect(flagged.get_by_label("What happened")).to_have_value(FLAGGED_TEXT)

    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Check-in submitted.")).to_be_visible()
    entries = page.get_by_role("region", name="Entries")
    expect(entries.get_by_text("Terminated the Acme call-centre contract")).to_be_visible()
    expect(entries.get_by_role("link", name="https://intranet.example/contracts/4471")).to_have_attribute(
        "rel", "noopener noreferrer nofollow")
    expect(entries.get_by_text("Needs review")).to_have_count(1)
    expect(page.get_by_role("button", name="Check wording")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    # The executive reviews the flagged entry.
    sign_in(page, EXECUTIVE_EMAIL, factories.DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    item = page.locator(".ck-queue-item").filter(has_text=FLAGGED_TEXT)
    expect(item).to_have_count(1)
    expect(item.get_by_text("owner Olive Owner")).to_be_visible()
    expect(item.get_by_text("future tense: 'will'")).to_be_visible()
    item.get_by_role("button", name="Count as talk").click()
    expect(page.get_by_text("Entry reclassified: it counts as talk.")).to_be_visible()
    expect(page.get_by_text("Nothing to review")).to_be_visible()

    # The say/do record now counts one evidenced action against two talk entries.
    page.get_by_role("link", name="Say/do records").click()
    owners = page.get_by_role("region", name="Owners")
    row = owners.get_by_role("row").filter(has_text="Olive Owner")
    expect(row).to_contain_text("33%")
    row.get_by_role("link", name="Olive Owner").click()
    expect(page.get_by_role("heading", name="Olive Owner")).to_be_visible()
    total = page.get_by_role("region", name="All together")
    expect(total).to_contain_text("33%")
    expect(total.locator("dd").nth(0)).to_have_text("1")  # evidenced actions
    expect(total.locator("dd").nth(2)).to_have_text("2")  # talk
    expect(total).to_contain_text("Unmeasured")
    expect(total).to_contain_text("no metric is linked")
