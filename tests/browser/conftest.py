"""Headless Chromium for the browser journeys (Playwright's sync API, Debian's Chromium).

The browser is the system package ``chromium`` at /usr/bin/chromium; Playwright never downloads
one. Networking that Chromium does on its own (updates, sync, QUIC probes) is switched off, so
a journey talks only to the live test server.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an asyncio event loop in this thread; Django would then refuse the
# ORM calls the tests make (building the cast) as "async-unsafe". They are not run concurrently.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENS_DIR = Path(__file__).resolve().parents[2] / "var" / "screens"

# A journey waits for its outcome (a page, a text, a download), however long a busy machine
# takes: the limit only ends a test whose outcome never comes. CI shares two cores with the
# PostgreSQL pass, where a first dossier or a page after a seed can take well over 10 s.
OUTCOME_TIMEOUT_MS = 180_000
expect.set_options(timeout=OUTCOME_TIMEOUT_MS)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
            "Install the package chromium (apt-get install chromium).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh page in its own context (no cookies shared between tests), in a Chinese browser.

    The users are provincial staff whose browsers ask for Chinese; ``base_url`` is the live
    server, so ``page.goto("/")`` opens the registry.
    """
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(OUTCOME_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """``screenshot(page, "name")`` saves var/screens/<test>-<name>.png to look at by eye."""

    def take(page, name):
        SCREENS_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENS_DIR / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
