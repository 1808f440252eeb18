"""Issue 3's path in a real browser: an executive logs an initiative with its
burning platform, attaches a behaviour and a metric, sees the metric chart;
the metric's owner uploads a CSV of readings."""

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tracker.extensions import db


def test_executive_logs_initiative_links_metric_and_owner_uploads_readings(live_app, page, tmp_path):
    with live_app.app_context():
        ceo = factories.make_user("executive", email="ceo@example.com", name="Cora CEO")
        owner = factories.make_user("member", email="owner@example.com", name="Owen Owner")
        factories.make_behaviour("Frontline bends the rules", actor=ceo)
        factories.make_metric("Refunds decided on the frontline", owner=owner, baseline=10, target=80)
        db.session.commit()

    sign_in(page, "ceo@example.com", factories.DEFAULT_PASSWORD)
    page.goto("/initiatives/new")
    page.get_by_label("Title").fill("Frontline refund authority up to $200")
    page.get_by_label("Kind of move").select_option("policy_change")
    page.get_by_label("Burning platform").fill("Three escalations to refund $30 cost us the customer.")
    # The owner is typed: part of a name brings suggestions from the server,
    # and the one offered ("Name <email>") is what the field takes.
    owner_field = page.get_by_label("Owner")
    expect(owner_field).to_have_value("Cora CEO <ceo@example.com>")
    owner_field.fill("")
    owner_field.press_sequentially("owen", delay=30)
    suggestion = page.locator("#owner_id-options option")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_have_attribute("value", "Owen Owner <owner@example.com>")
    owner_field.fill(suggestion.get_attribute("value"))
    page.get_by_label("Frontline bends the rules").check()
    page.get_by_role("button", name="Log initiative").click()
    expect(page.get_by_role("heading", name="Frontline refund authority up to $200")).to_be_visible()
    expect(page.get_by_text("this initiative is still talk until a metric is linked")).to_be_visible()
    expect(page.get_by_text("Owen Owner").first).to_be_visible()

    page.get_by_role("link", name="Link a metric").click()
    page.get_by_label("Metric", exact=True).select_option(
        label="Refunds decided on the frontline (higher is better)")
    page.get_by_label("By how much").fill("40")
    page.get_by_label("By when").fill("2027-06-30")
    page.get_by_role("button", name="Link metric").click()
    expect(page.get_by_role("heading", name="Refunds decided on the frontline")).to_be_visible()
    expect(page.get_by_text("this initiative is still talk until a metric is linked")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    csv = tmp_path / "readings.csv"
    csv.write_text("metric,observed_on,value,note\n"
                   "Refunds decided on the frontline,2026-01-31,14,January\n"
                   "Refunds decided on the frontline,2026-02-28,27,February\n")
    sign_in(page, "owner@example.com", factories.DEFAULT_PASSWORD)
    page.goto("/metrics/readings/import")
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_text("Imported 2 readings")).to_be_visible()
    page.goto("/initiatives/")
    page.get_by_role("link", name="Frontline refund authority up to $200").click()
    chart = page.get_by_role("img", name="Refunds decided on the frontline").first
    expect(chart).to_be_visible()
    expect(page.locator("svg circle, svg .chart-point").first).to_be_attached()
