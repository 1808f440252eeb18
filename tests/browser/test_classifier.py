"""The admin's classifier page in a browser: agreement figures, and a cue
phrase added, changed and used by the next suggestion."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tracker.checkins import services as checkins
from tracker.extensions import db

# The page looks back 90 days from the app's clock, fixed at the moment the entries are made.
pytestmark = pytest.mark.fixed_now(factories.NOW)


def _reviewed_entries(app) -> None:
    with app.app_context():
        owner = factories.make_user("member")
        executive = factories.make_user("executive")
        factories.make_user("admin", email="admin@example.com")
        initiative = factories.make_initiative(owner=owner, status="in_progress",
                                               start_date=date(2025, 1, 6))
        now = factories.NOW
        statements = [
            [factories.action("Updated the leadership team on progress", on=now.date()),
             factories.action("Terminated the courier contract", on=now.date())],
            [factories.talk("Moved the returns desk to the front of the store"), factories.talk()],
        ]
        for week, entries in enumerate(statements):
            start = date(2025, 1, 6) + timedelta(weeks=week)
            checkin = factories.make_checkin(initiative, period_start=start)
            checkins.submit_checkin(checkin, actor=owner, now=now, today=now.date(), entries=entries)
            checkins.review_entry(checkin.entries[0], actor=executive, verdict="talk", now=now)
        db.session.commit()


def test_admin_reads_the_agreement_and_adds_a_cue_phrase_that_is_used_at_once(live_app, page, tmp_path):
    _reviewed_entries(live_app)
    sign_in(page, "admin@example.com", factories.DEFAULT_PASSWORD)

    page.get_by_role("navigation", name="Main").get_by_text("Admin", exact=True).click()
    page.get_by_role("link", name="Classifier").click()
    expect(page.get_by_role("heading", name="Classifier", exact=True)).to_be_visible()
    owners = page.get_by_role("region", name="Owners' choices")
    expect(owners.get_by_text("Agreed on 50.0% of 4")).to_be_visible()
    reviewers = page.get_by_role("region", name="Reviewers' verdicts")
    expect(reviewers.get_by_text("Agreed on 50.0% of 2")).to_be_visible()
    overruled = page.get_by_role("region", name="Cues most often overruled")
    expect(overruled.get_by_text("moved", exact=False)).to_be_visible()

    page.get_by_role("textbox", name="Phrase").fill("Pencilled in")
    page.get_by_role("combobox", name="Points to").select_option("talk")
    page.get_by_role("combobox", name="Role", exact=True).select_option("marker")
    page.get_by_role("combobox", name="Weight", exact=True).select_option("5")
    page.get_by_role("button", name="Add cue phrase").click()

    expect(page.get_by_text("Added the cue phrase 'pencilled in'")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="pencilled in")
    expect(row).to_be_visible()
    shots = Path(os.environ.get("TRACKER_SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(shots / "classifier.png"), full_page=True)

    suggestion = page.request.post(
        "/checkins/classify", data={"text": "Pencilled in the move of the help desk to Leeds"},
        headers={"X-CSRFToken": page.locator("input[name=csrf_token]").first.input_value()},
    ).json()
    assert suggestion["kind"] == "talk"

    row.get_by_label("Use").select_option("no")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved the cue phrase 'pencilled in'")).to_be_visible()
    switched_off = page.get_by_role("row").filter(has_text="pencilled in").locator(".badge")
    expect(switched_off).to_have_text("Switched off")
