"""HR records a promotion with behaviour evidence and an exit that removes a
no-no, reads the quarter's alignment report and downloads it as CSV; a
member sees none of it. Through Chromium, with CSRF on."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import sign_in
from tracker.calendar import Quarter
from tracker.extensions import db

HR_EMAIL = "hannah.hr@example.com"
MEMBER_EMAIL = "max.member@example.com"
# The pages read the clock; the test fixes it (the organisation's time zone is UTC).
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def fill_decision(page, *, name, ref, kind, role_from, role_to, behaviour, what, on, where):
    page.get_by_label("Person's name").fill(name)
    page.get_by_label("Employee reference").fill(ref)
    page.get_by_label("Kind of decision").select_option(kind)
    page.get_by_label("Role from").fill(role_from)
    page.get_by_label("Role to").fill(role_to)
    page.get_by_label("Department").select_option(label="Customer Service")
    page.get_by_label("Decided by").fill("Priya Natarajan (COO)")
    page.get_by_label("Rationale").fill(f"{name}: see the evidence.")
    row = page.get_by_role("group", name="Evidence 1", exact=True)
    row.get_by_label("Behaviour").select_option(label=behaviour)
    row.get_by_label("What the person did").fill(what)
    row.get_by_label("When").fill(on)
    row.get_by_label("Where it is recorded").fill(where)
    page.get_by_role("button", name="Record decision").click()


@pytest.mark.fixed_now(NOW)
def test_hr_records_decisions_reads_the_report_and_downloads_it_and_members_see_nothing(
        live_app, page):
    with live_app.app_context():
        factories.make_department("Customer Service")
        factories.make_user("hr", email=HR_EMAIL, name="Hannah Okafor")
        factories.make_user("member", email=MEMBER_EMAIL, name="Max Member")
        factories.make_behaviour("Frontline bends the rules for the customer")
        factories.make_behaviour("Punishing rule-bending", kind="no_no")
        db.session.commit()
    today = NOW.date()
    earlier = (today - timedelta(days=10)).isoformat()
    quarter = Quarter.containing(today)

    sign_in(page, HR_EMAIL, factories.DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People decisions")).to_be_visible()

    # A promotion that rewards a target behaviour, with evidence.
    page.get_by_role("link", name="Record a decision").click()
    fill_decision(page, name="Aisha Rahman", ref="E-2031", kind="promotion",
                  role_from="Service Agent", role_to="Service Team Lead",
                  behaviour="Frontline bends the rules for the customer",
                  what="Refunded $180 on the spot to a customer whose parcel was lost twice",
                  on=earlier, where="Case CS-48812")
    expect(page.get_by_text("Saved the promotion for Aisha Rahman. It is aligned.")).to_be_visible()
    expect(page.get_by_role("heading", name="Aligned", exact=True)).to_be_visible()
    expect(page.get_by_text("Case CS-48812")).to_be_visible()

    # An exit that removes a no-no. A first try offers the no-no as a target: refused, explained.
    page.goto("/people/new")
    fill_decision(page, name="Brian Holt", ref="E-1190", kind="promotion",
                  role_from="Supervisor", role_to="Senior Supervisor",
                  behaviour="Punishing rule-bending",
                  what="Gave written warnings to two agents for refunding without approval",
                  on=earlier, where="Personnel file W-2209")
    # The reason sits beside the behaviour it is about.
    expect(page.get_by_text("is a no-no, not a target behaviour; it cannot be a reason for a promotion")
           ).to_be_visible()
    page.get_by_label("Kind of decision").select_option("exit")
    page.get_by_label("Role to").fill("")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Saved the exit for Brian Holt. It is aligned.")).to_be_visible()
    expect(page.get_by_text("Punishing rule-bending")).to_be_visible()

    # The quarter's report: two decisions, both aligned, and a trend chart.
    page.get_by_role("link", name="People decisions").click()
    page.get_by_role("link", name="Alignment report").click()
    expect(page.get_by_role("heading", name=f"Alignment report · {quarter.label}")).to_be_visible()
    expect(page.locator(".pp-stat").first).to_contain_text("2")
    expect(page.get_by_text("100%").first).to_be_visible()
    # The wide drawing; the narrow one is for phones.
    expect(page.locator("svg.bar-chart:visible")).to_have_count(1)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"people-report-{quarter.key}.csv"
    with open(download.path(), encoding="utf-8-sig") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    total = next(r for r in rows if r[0] == "Total")
    assert total[4:7] == ["2", "2", "100%"]

    page.get_by_role("button", name="Sign out").click()

    # A member: no People link, and 403 when typing the address.
    sign_in(page, MEMBER_EMAIL, factories.DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", name="Are we acting, or only talking?")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="People")).to_have_count(0)
    response = page.goto("/people/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("Aisha Rahman")).to_have_count(0)
    assert page.request.get("/people/report.csv").status == 403
    assert re.search(r"/people/$", page.url)
