"""A real server process and Debian's Chromium driven by Playwright."""
import os
import shutil

import pytest

from ..support.servers import AppServer, skip_or_fail
from .helpers import broken_words, duplicate_ids

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    # Many logins from one address in a minute: the limiter is tested elsewhere.
    server = AppServer(tmp_path_factory.mktemp("live"), env={"RATELIMIT_ENABLED": "false"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context per test; fails the test on a CSP violation."""
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    assert problems == [], problems


@pytest.fixture(scope="session")
def axe():
    """Check a page with axe-core for WCAG 2.1 A/AA, and for what axe no longer checks.

    axe-core 4.12 no longer fails a page on a duplicate id (`duplicate-id` is deprecated with
    WCAG 4.1.1; `duplicate-id-aria` only asks for a review), but a second id="reason" sends a
    label or aria-describedby to the wrong field. And no word of a table header, heading, legend
    or label may break across lines ("Leeft ijd").
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        results = axe.run(page, options=WCAG_21_AA)
        violations = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
            for v in results.response["violations"]
        ]
        violations += [f"duplicate id: {problem}" for problem in duplicate_ids(page)]
        violations += [f"word broken across lines: {problem}" for problem in broken_words(page)]
        assert violations == [], f"{page.url}: " + "\n".join(violations)

    return check
