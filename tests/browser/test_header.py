"""The header and the widest pages on a phone and on a wide screen, in Chromium.

On a phone (390 px) the header is one compact block — title, notification counter and a "Menu"
button — no taller than 120 px; the button opens the menu without JavaScript too. On a wide
screen (1280 px) the menu is always open and the header has the same height on every page of the
menu (the current page does not change the number of rows). On a phone the lists, tables, the
agenda, a thread and the question form squeeze no text into a column under 120 px (tables become
stacked cards), nothing is wider than the screen, and axe passes (SCREENSHOT_DIR=dir keeps a
screenshot of each).
"""
import os
from pathlib import Path

import pytest

from .helpers import log_in, narrow_text_columns

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
SCREENSHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None


def _header_height(page):
    return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")


def _menu_paths(page):
    return page.evaluate("[...document.querySelectorAll('.site-nav a')].map(a => new URL(a.href).pathname)")


def _storage_of(chromium, live_server, email):
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    log_in(page, email)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture(scope="module")
def coordinator_state(chromium, live_server):
    return _storage_of(chromium, live_server, "coordinator@demo.test")


@pytest.fixture
def open_page(chromium, live_server, coordinator_state):
    contexts = []

    def open_page(viewport, javascript=True):
        context = chromium.new_context(base_url=live_server.url, locale="nl-NL", viewport=viewport,
                                       storage_state=coordinator_state, java_script_enabled=javascript)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_phone_header_is_compact_and_the_menu_opens_from_a_button(open_page, axe):
    page = open_page(PHONE)
    page.goto("/")
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    paths = _menu_paths(page)
    assert len(paths) >= 6  # the coordinator's menu is the longest
    for path in paths:
        page.goto(path)
        assert _header_height(page) <= 120, path
        assert not menu.is_visible(), path
        assert page.get_by_role("link", name="Meldingen").is_visible()
    page.get_by_text("Menu", exact=True).click()
    assert menu.is_visible()
    assert menu.get_by_role("link", name="Vragen", exact=True).is_visible()
    assert page.get_by_role("button", name="Uitloggen").is_visible()
    axe(page)
    page.get_by_text("Menu", exact=True).click()
    assert not menu.is_visible()


def test_phone_menu_opens_without_javascript(open_page):
    page = open_page(PHONE, javascript=False)
    page.goto("/vragen")
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    assert not menu.is_visible()
    page.get_by_text("Menu", exact=True).click()
    menu.get_by_role("link", name="Wekelijks overleg").click()
    page.wait_for_url("**/overleg")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_wide_header_is_always_open_and_keeps_its_height(open_page, axe, javascript):
    page = open_page(WIDE, javascript=javascript)
    page.goto("/")
    heights = {}
    for path in _menu_paths(page):
        page.goto(path)
        assert page.get_by_role("navigation", name="Hoofdmenu").is_visible(), path
        assert not page.get_by_text("Menu", exact=True).is_visible(), path
        assert page.get_by_role("button", name="Uitloggen").count() == 1  # the menu's copy is hidden
        heights[path] = _header_height(page)
    assert len(set(heights.values())) == 1, heights
    assert max(heights.values()) <= 140, heights
    if javascript:
        axe(page)


@pytest.fixture(scope="module")
def family_worker_state(chromium, live_server):
    return _storage_of(chromium, live_server, "gezinswerker@demo.test")


# The pages with the widest content per person: lists, tables, the agenda, a thread, the question form.
PHONE_PAGES = {
    "coordinator": ["/vragen", "thread", "/overleg", "meeting", "/overleg/uren", "/triage", "/inzicht",
                    "/beheer/gebruikers", "/beheer/teams", "/beheer/expertisegebieden", "/meldingen",
                    "/account/sessies"],
    "family_worker": ["/vragen", "/vragen/nieuw", "thread", "/bewoners", "/meldingen"],
}


@pytest.mark.parametrize("person", sorted(PHONE_PAGES))
def test_phone_pages_have_no_squeezed_text_column_and_a_compact_header(
        chromium, live_server, coordinator_state, family_worker_state, axe, person):
    state = {"coordinator": coordinator_state, "family_worker": family_worker_state}[person]
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL", viewport=PHONE, storage_state=state)
    page = context.new_page()
    try:
        for path in PHONE_PAGES[person]:
            if path == "thread":
                page.goto("/vragen?status=alle")
                path = page.locator("main .question-list__title a").first.get_attribute("href")
            elif path == "meeting":
                page.goto("/overleg")
                path = page.locator("main a[href*='/overleg/bijeenkomsten/']").first.get_attribute("href")
            page.goto(path)
            if SCREENSHOTS:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=SCREENSHOTS / f"telefoon-{person}-{path.strip('/').replace('/', '-') or 'start'}.png",
                                full_page=True)
            assert _header_height(page) <= 120, path
            assert narrow_text_columns(page, 120) == [], path
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
            axe(page)
    finally:
        context.close()
