"""A live server and a headless Chromium (Debian's) driven by Playwright, with office.js faked."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FAKE_OFFICE = (Path(__file__).parent / "fake_office.js").read_text(encoding="utf-8")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    # Module scope: Playwright's sync API keeps an event loop running in this thread until
    # it stops, and later tests that call asyncio.run (the Graph client) must not see it.
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (make test installs Debian's chromium as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    # Playwright's waits evaluate script text, which the panes' Content-Security-Policy forbids
    # (no 'unsafe-eval'); the policy itself is checked in tests/api/test_security.py.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.route(
        "https://appsforoffice.microsoft.com/**",
        lambda route: route.fulfill(body=FAKE_OFFICE, content_type="application/javascript"),
    )
    yield page
    context.close()
