"""The demo organisation through Chromium, as every role, on a phone and a
laptop: no page scrolls sideways at 390 px, every role's top bar is one row
at 1280 px and folds away on a phone, and no chart draws text over other
text or over a marker."""

import threading
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.conftest import sign_in
from tests.conftest import make_app
from tracker.accounts.models import Department, User
from tracker.behaviours.models import Behaviour
from tracker.checkins.models import CheckIn
from tracker.demo.services import load_demo
from tracker.extensions import db
from tracker.incentives.models import Incentive
from tracker.initiatives.models import Initiative, InitiativeMetric
from tracker.metrics.models import Metric
from tracker.people.models import PeopleDecision

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.fixed_now(NOW)
PHONE, LAPTOP = 390, 1280
ROLES = ("executive", "hr", "member", "admin")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, request):
    """The demo organisation served once for the module: its logins by role
    and the pages to visit."""
    app = make_app(tmp_path_factory.mktemp("layout"), "sqlite", request,
                   WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    with app.app_context():
        logins = {}
        for role, email, password in load_demo(NOW):
            logins.setdefault(role, (email, password))
        db.session.commit()
        member = db.session.scalar(select(User).where(User.email == logins["member"][0]))
        measured = db.session.scalar(select(InitiativeMetric.initiative_id).order_by(InitiativeMetric.id))
        ids = {
            "initiative": measured,
            "own_initiative": db.session.scalar(
                select(Initiative.id).where(Initiative.owner_id == member.id)),
            "checkin": db.session.scalar(select(CheckIn.id).join(Initiative).where(
                Initiative.owner_id == member.id).order_by(CheckIn.state != "open", CheckIn.id.desc())),
            "metric": db.session.scalar(select(Metric.id).order_by(Metric.id)),
            "behaviour": db.session.scalar(select(Behaviour.id).order_by(Behaviour.id)),
            "decision": db.session.scalar(select(PeopleDecision.id).order_by(PeopleDecision.id)),
            "user": member.id,
            "department": db.session.scalar(select(Department.id).order_by(Department.id)),
            "incentive": db.session.scalar(select(Incentive.id).order_by(Incentive.id)),
        }
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pages = [
        "/", "/initiatives/", f"/initiatives/{ids['initiative']}", f"/initiatives/{ids['initiative']}?page=2",
        f"/initiatives/{ids['own_initiative']}", "/initiatives/new",
        f"/initiatives/{ids['own_initiative']}/edit", f"/initiatives/{ids['own_initiative']}/metrics",
        "/metrics/", f"/metrics/{ids['metric']}", f"/metrics/{ids['metric']}/readings", "/metrics/new",
        "/metrics/readings/import", "/behaviours/", f"/behaviours/{ids['behaviour']}", "/behaviours/new",
        "/checkins/", f"/checkins/{ids['checkin']}", "/checkins/saydo",
        f"/checkins/saydo/owners/{ids['user']}", f"/checkins/saydo/departments/{ids['department']}",
        "/checkins/review", "/checkins/classifier", "/people/", "/people/report",
        f"/people/{ids['decision']}", "/people/new", "/account", "/digests/preview",
        "/admin/users", f"/admin/users/{ids['user']}", "/admin/users/new", "/admin/departments",
        "/admin/settings", "/admin/scheduler", "/outbox/", "/admin/tokens", "/account/tokens",
        "/incentives/", "/incentives/new",
        *([f"/incentives/{ids['incentive']}"] if ids["incentive"] else []),
    ]
    yield {"base": f"http://127.0.0.1:{server.server_port}", "logins": logins, "pages": pages,
           "ids": ids}
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def signed_in(browser, demo):
    """A tab signed in as the role asked for: `signed_in("hr")`."""
    contexts = []

    def open_as(role: str):
        context = browser.new_context(base_url=demo["base"], viewport={"width": LAPTOP, "height": 900})
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        sign_in(tab, *demo["logins"][role])
        expect(tab.get_by_role("heading", name="Are we acting, or only talking?")).to_be_visible()
        return tab

    yield open_as
    for context in contexts:
        context.close()


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_on_a_phone(signed_in, demo, role):
    tab = signed_in(role)
    tab.set_viewport_size({"width": PHONE, "height": 800})
    too_wide, seen = {}, 0
    for path in demo["pages"]:
        response = tab.goto(path)
        if response.status != 200:
            continue  # not this role's page; its 403 is another test's business
        seen += 1
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            too_wide[path] = width
    assert seen >= 20
    assert not too_wide, f"{role} at {PHONE} px: {too_wide}"


OVERLAPS = """() => {
  // Every visible chart: the boxes of its text and of its markers (the shapes
  // on the date axis, their dotted lines, the reading dots), as drawn.
  const boxes = (svg, selector) => [...svg.querySelectorAll(selector)]
    .map(el => ({el, r: el.getBoundingClientRect()}))
    .filter(b => b.r.width > 0 && b.r.height > 0);
  const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const name = el => (el.textContent || el.getAttribute('class') || el.tagName).trim().slice(0, 40);
  const found = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const frame = svg.getBoundingClientRect();
    if (!frame.width) continue;
    const texts = boxes(svg, 'text');
    const marks = boxes(svg, '.chart-marker path, .chart-marker line, .chart-point, .chart-latest');
    texts.forEach((a, i) => {
      if (a.r.left < frame.left - 1 || a.r.right > frame.right + 1 || a.r.bottom > frame.bottom + 1)
        found.push(`${svg.id || svg.getAttribute('aria-labelledby')}: "${name(a.el)}" is cut off`);
      texts.slice(i + 1).forEach(b => {
        if (meet(a.r, b.r)) found.push(`"${name(a.el)}" over "${name(b.el)}"`);
      });
      marks.forEach(m => { if (meet(a.r, m.r)) found.push(`"${name(a.el)}" over a ${name(m.el)}`); });
    });
  }
  return found;
}"""


@pytest.mark.parametrize("width", [LAPTOP, PHONE])
def test_no_chart_draws_text_over_text_or_a_marker(signed_in, demo, width):
    tab = signed_in("executive")
    tab.set_viewport_size({"width": width, "height": 900})
    charts = 0
    for path in ("/", f"/initiatives/{demo['ids']['initiative']}", f"/metrics/{demo['ids']['metric']}",
                 "/people/report"):
        tab.goto(path)
        charts += tab.locator("svg.chart:visible").count()
        assert tab.evaluate(OVERLAPS) == [], path
    assert charts >= 4


def test_every_marker_on_a_chart_is_named_in_its_legend(signed_in, demo):
    tab = signed_in("member")
    tab.goto(f"/initiatives/{demo['ids']['initiative']}")
    chart = tab.locator("svg.line-chart:visible").first
    shapes = {c for c in chart.locator(".chart-marker").evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('chart-marker-')))")}
    legend = {c for c in chart.locator(".chart-legend-marker").evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('chart-marker-')))")}
    assert shapes and shapes == legend
    expect(chart.locator(".chart-legend-marker text")).to_have_count(len(legend))
    for name in ("Started or changed status", "Action reported", "Effect expected by"):
        expect(chart.locator(".chart-legend").filter(has_text=name)).to_have_count(1)
    expect(chart.locator(".chart-legend").filter(has_text="Baseline")).to_have_count(1)


@pytest.mark.parametrize("role", ROLES)
def test_top_bar_is_one_row_on_a_laptop_and_a_menu_on_a_phone(signed_in, role):
    tab = signed_in(role)
    tab.goto("/")
    nav = tab.get_by_role("navigation", name="Main")
    # One row: every item of the bar starts on the same line.
    tops = tab.locator(".topbar-inner > *:visible, .mainnav > *:visible").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); "
        "return Math.round(r.top + r.height / 2); })")
    assert max(tops) - min(tops) <= 4, tops
    assert tab.locator(".topbar").evaluate("e => e.offsetHeight") < 64

    tab.set_viewport_size({"width": PHONE, "height": 800})
    expect(nav.get_by_role("link", name="Initiatives")).to_be_hidden()
    # The menu opens from the keyboard: the toggle is in the tab order, with a visible focus.
    tab.locator(".brand").focus()
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "nav-toggle"
    outline = tab.locator(".nav-toggle-label").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    tab.keyboard.press("Space")
    expect(nav.get_by_role("link", name="Initiatives")).to_be_visible()
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE


def test_admin_pages_are_one_menu_that_works_from_the_keyboard(signed_in):
    tab = signed_in("admin")
    nav = tab.get_by_role("navigation", name="Main")
    admin = nav.locator("details.navmenu > summary")
    expect(nav.get_by_role("link", name="Outbox")).to_be_hidden()
    admin.focus()
    assert tab.locator(".navmenu summary").evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    tab.keyboard.press("Enter")
    for name in ("Users", "Departments", "Settings", "Scheduler", "Classifier", "Outbox", "API tokens"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", name="Users")).to_be_visible()
    # On an admin page, the menu says where you are.
    expect(admin).to_have_class("navmenu-current")
    # Like any menu, it closes on a click outside it and on Escape.
    admin.click()
    expect(nav.get_by_role("link", name="Outbox")).to_be_visible()
    tab.get_by_role("heading", name="Users").click()
    expect(nav.get_by_role("link", name="Outbox")).to_be_hidden()
    admin.click()
    expect(nav.get_by_role("link", name="Outbox")).to_be_visible()
    tab.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="Outbox")).to_be_hidden()
    expect(admin).to_be_focused()


def test_initiative_page_links_to_its_sections_and_opens_the_folded_history(signed_in, demo):
    tab = signed_in("member")
    tab.set_viewport_size({"width": PHONE, "height": 800})
    tab.goto(f"/initiatives/{demo['ids']['initiative']}")
    sections = tab.get_by_role("navigation", name="On this page")
    history = tab.get_by_role("heading", name="History", exact=True)
    expect(history).to_be_hidden()
    sections.get_by_role("link", name="History").click()
    expect(history).to_be_in_viewport()
    sections.get_by_role("link", name="Timeline").click()
    expect(tab.get_by_role("heading", name="Timeline")).to_be_in_viewport()
    # The timeline is paged; the next page comes back to the timeline.
    tab.get_by_role("link", name="Next →").click()
    assert tab.url.endswith("?page=2#timeline")
    expect(tab.get_by_text("Entries 21–", exact=False)).to_be_visible()
