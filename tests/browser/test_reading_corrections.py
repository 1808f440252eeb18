"""Correcting a mistyped reading in a real browser: the readings page keeps the
original struck through, and the dashboard, the chart and the digest preview
use the correction."""

from datetime import date

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tests.factories import NOW
from tracker.extensions import db
from tracker.metrics.models import Reading

SCREENSHOT = "/tmp/corrections-readings-page.png"
WEEK = "2026-W05"  # holds 2026-02-01, the mistyped reading's date


def digest_preview(page):
    """The body of the owner's digest for WEEK, as the preview page frames it."""
    page.goto(f"/digests/preview?week={WEEK}")
    expect(page.get_by_text("as of now")).to_be_visible()
    return page.frame_locator("iframe.digest-frame").locator("body")


def chart_points(page) -> list[str]:
    """The date and value of every point on the metric page's charts."""
    return page.locator("circle.chart-point title").all_text_contents()


def test_owner_corrects_a_mistyped_reading_and_every_figure_follows(live_app, page):
    with live_app.app_context():
        owner = factories.make_user("member", email="owner@example.com")
        metric = factories.make_metric("Customer satisfaction", owner=owner, baseline=10, target=50)
        db.session.add(Reading(metric_id=metric.id, observed_on=date(2026, 1, 1), value=10,
                               recorded_by_id=owner.id, recorded_at=NOW))
        # Stored before readings were checked for plausibility: a typo for 40.
        db.session.add(Reading(metric_id=metric.id, observed_on=date(2026, 2, 1), value=-40,
                               recorded_by_id=owner.id, recorded_at=NOW))
        db.session.commit()
        metric_id = metric.id
    sign_in(page, "owner@example.com", factories.DEFAULT_PASSWORD)
    movers = page.locator("section", has=page.get_by_role("heading", name="Is behaviour changing?"))
    expect(movers.get_by_text("-125 points of the way")).to_be_visible()
    page.goto(f"/metrics/{metric_id}")
    assert "2026-02-01: -40%" in chart_points(page)
    expect(digest_preview(page)).to_contain_text("10 → -40")

    page.goto(f"/metrics/{metric_id}/readings")
    page.get_by_role("link", name="Correct the reading of 2026-02-01").click()
    page.get_by_label("Correct value").fill("-45")
    page.get_by_label("Why", exact=True).first.fill("Typed a minus")
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text("below the lowest plausible value, 0%")).to_be_visible()
    page.get_by_label("Correct value").fill("40")
    page.get_by_role("button", name="Save correction").click()

    expect(page.get_by_text("Corrected the reading of 2026-02-01 to 40.")).to_be_visible()
    rows = page.locator(".readings-table tbody tr")
    expect(rows.nth(0)).to_contain_text("Correction")
    expect(rows.nth(0)).to_contain_text("Typed a minus")
    expect(rows.nth(1).locator("s", has_text="-40%")).to_be_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.goto("/")
    expect(movers.get_by_text("+75 points of the way")).to_be_visible()
    page.goto(f"/metrics/{metric_id}")
    points = chart_points(page)
    assert "2026-02-01: 40%" in points and "2026-02-01: -40%" not in points
    body = digest_preview(page)
    expect(body).to_contain_text("10 → 40")
    expect(body).not_to_contain_text("-40")
