"""Accessibility in a real browser: axe-core's WCAG 2.1 A and AA rules find
nothing on any page any role reaches, and a form works by keyboard alone.

axe-core comes from the installed axe-playwright-python package (its
axe.min.js), injected into each page by Playwright: nothing is fetched from
the network. The pages are found by following links from the dashboard, as
each role sees them, on the demo organisation (which has a record of every
kind): one page per route and set of query keys, so /initiatives/3 stands
for every initiative."""

import re
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import axe_playwright_python
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import make_app
from tracker.extensions import db

AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ROLES = {"executive": "ceo@example.com", "hr": "hr@example.com", "member": "service@example.com",
         "admin": "admin@example.com"}
# Links that change something or leave the HTML pages: signing out, files to download.
SKIPPED = re.compile(r"/logout|/unsubscribe|\.csv|/export|/download|/healthz")
MAX_PAGES_PER_ROLE = 80


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, request):
    """The demo organisation served once for the whole module: (address, logins)."""
    from tracker import clock
    from tracker.demo.services import load_demo

    app = make_app(tmp_path_factory.mktemp("a11y"), "sqlite", request,
                   WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    with app.app_context():
        logins = {email: password for _, email, password in load_demo(clock.now())}
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", logins
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def _shape(url: str) -> str:
    """The route a URL stands for: ids as {id}, the query's keys without their values."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/{id}", parts.path)
    keys = sorted({key for key, _ in parse_qsl(parts.query)} - {"page"})
    return path + ("?" + "&".join(keys) if keys else "")


def _axe_violations(page) -> list[str]:
    page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"],
         # A framed page (the digest mail) is visited as a page of its own.
         "iframes": False},
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            + (f" … {len(v['nodes'])} elements" if len(v["nodes"]) > 5 else "")
            for v in result["violations"]]


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href], iframe[src]", "els => els.map(e => e.href || e.src)")
    return [href.split("#")[0] for href in hrefs
            if href.startswith(origin) and not SKIPPED.search(href)]


def _crawl(browser, origin: str, logins: dict, role: str, *, width: int, max_pages: int):
    """Sign in as `role` at `width` px and check each page found by following links
    from the dashboard: (pages seen, {url: violations})."""
    # bypass_csp: the digest mail's own policy (no script at all) would keep axe out.
    context = browser.new_context(base_url=origin, viewport={"width": width, "height": 900},
                                  bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, ROLES[role], logins[ROLES[role]])
        # On a phone the sign-out button is in the folded menu: signed in means away from /login.
        expect(page).not_to_have_url(re.compile(r"/login"))
        queue, seen, problems = [f"{origin}/"], set(), {}
        while queue and len(seen) < max_pages:
            url = queue.pop(0)
            if _shape(url) in seen:
                continue
            seen.add(_shape(url))
            response = page.goto(url)
            if response is None or response.status != 200 or "html" not in response.headers.get(
                    "content-type", ""):
                continue
            if found := _axe_violations(page):
                problems[url.removeprefix(origin)] = found
            queue.extend(link for link in _links(page, origin) if _shape(link) not in seen)
    finally:
        context.close()
    return seen, problems


def _report(problems: dict) -> str:
    return "\n".join(f"{url}\n  " + "\n  ".join(found) for url, found in problems.items())


@pytest.mark.parametrize("role", ROLES)
def test_no_page_breaks_a_wcag_21_aa_rule_for_any_role(browser, demo_server, role):
    origin, logins = demo_server
    seen, problems = _crawl(browser, origin, logins, role, width=1280, max_pages=MAX_PAGES_PER_ROLE)
    assert len(seen) >= 10, seen  # the crawl reached the app, not only the sign-in page
    assert problems == {}, _report(problems)


@pytest.mark.parametrize("role", ROLES)
def test_the_main_pages_on_a_phone_break_no_wcag_21_aa_rule(browser, demo_server, role):
    """At 390 px the menu folds and the charts are drawn narrow: the pages nearest
    the dashboard (breadth first) are checked again at that width."""
    origin, logins = demo_server
    seen, problems = _crawl(browser, origin, logins, role, width=390, max_pages=15)
    assert len(seen) >= 10, seen
    assert problems == {}, _report(problems)


def test_a_form_can_be_filled_and_sent_by_keyboard_alone_with_a_visible_focus(live_app, page):
    with live_app.app_context():
        factories.make_user("member", email="kim@example.com", name="Kim Keys")
        factories.make_behaviour("Answer within a day")
        db.session.commit()
    page.goto("/login")
    # Signing in: the email box has the focus, Tab leads to the password, Enter sends.
    assert page.evaluate("document.activeElement.id") == "email"
    _assert_focus_visible(page)
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type(factories.DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    # From the top of any page, Tab reaches the skip link first.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    _assert_focus_visible(page)

    page.goto("/initiatives/new")
    page.get_by_label("Title").focus()
    page.keyboard.type("Answer every complaint within a day")
    _assert_focus_visible(page)
    page.keyboard.press("Tab")  # the kind of move: a select, chosen with the arrow keys
    assert page.evaluate("document.activeElement.id") == "kind"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Complaints wait a week; customers leave.")
    _tab_to(page, "document.activeElement.id", "behaviour_ids-0")
    _assert_focus_visible(page)
    page.keyboard.press("Space")
    assert page.get_by_label("Answer within a day").is_checked()
    _tab_to(page, "document.activeElement.textContent.trim()", "Log initiative")
    _assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Answer every complaint within a day")).to_be_visible()
    expect(page.get_by_role("link", name="Answer within a day")).to_be_visible()


def _tab_to(page, expression: str, wanted: str, limit: int = 60) -> None:
    """Press Tab until `expression` (about the focused element) is `wanted`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(expression) == wanted:
            return
    raise AssertionError(f"Tab never reached {wanted}")


def _assert_focus_visible(page) -> None:
    """The focused element draws an outline (or a ring) a sighted keyboard user can see."""
    style = page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow,
                visible: document.activeElement.matches(':focus-visible')};
    }""")
    assert style["visible"], style
    assert (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] != "none", style
