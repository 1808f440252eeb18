"""Browser tests: Playwright drives Debian's Chromium against the app served
by a real WSGI server thread on 127.0.0.1."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tracker.extensions import db

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("TRACKER_REQUIRE_BROWSER"):
            raise pytest.UsageError(f"TRACKER_REQUIRE_BROWSER is set but there is no {CHROMIUM}")
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path, request):
    """The app on SQLite with CSRF on, as a user gets it."""
    app = make_app(tmp_path, "sqlite", request, WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server):
    """A tab on the live app. Whatever the test does, the Content-Security-Policy
    must not have refused anything on any page it visited."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert not refused, refused


def sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    # Wait for the page the form leads to, stylesheets included: before they
    # apply, a page's wide and narrow charts are both in the accessibility tree.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign in").click()
