"""In Debian's Chromium: stored and reflected payloads do not run, and no CSP violation is reported.

Each payload sets `window.__xss` if it runs. Two controls keep the check
honest: the same payload does run on a page without our CSP and escaping
(so the marker works), and markup injected into our page behind the app's
back is blocked by the CSP and reported (so the violation listener works).

Part of the security suite (marker `security`), kept here because it shares
this folder's one Playwright instance: Playwright's sync API cannot run two.
"""
from urllib.parse import urlencode

import pytest

from ..security.xss_corpus import PAYLOADS
from ..support.servers import AppServer
from .helpers import log_in

pytestmark = [pytest.mark.security, pytest.mark.browser]

# Records every CSP violation the page reports, before any page script runs.
WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
STORED = [p for p in PAYLOADS if len(p) <= 120][:12]


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    server = AppServer(tmp_path_factory.mktemp("xss"), env={"RATELIMIT_ENABLED": "false"}).start()
    yield server
    server.stop()


def _logged_in(chromium, server, email):
    context = chromium.new_context(base_url=server.url, locale="nl-NL")
    context.add_init_script(WATCH)
    page = context.new_page()
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/inloggen")  # the authenticator is found by the page's URL
    log_in(page, email)
    return context, page, console


@pytest.fixture
def admin_page(chromium, xss_server):
    context, page, console = _logged_in(chromium, xss_server, "beheerder@demo.test")
    yield page, console
    context.close()


@pytest.fixture
def expert_page(chromium, xss_server):
    context, page, console = _logged_in(chromium, xss_server, "deskundige@demo.test")
    yield page, console
    context.close()


def _assert_nothing_ran(page, console):
    assert page.evaluate("window.__xss") is None, f"a payload ran on {page.url}"
    assert page.evaluate("window.__cspViolations") == [], page.url
    assert console == [], console


def test_stored_payloads_do_not_run_in_chromium(admin_page):
    page, console = admin_page
    for payload in STORED:
        page.goto("/beheer/teams")
        page.get_by_label("Naam").fill(payload)
        page.get_by_role("button", name="Toevoegen").click()
        page.wait_for_load_state()
        _assert_nothing_ran(page, console)
    page.goto("/beheer/teams")
    body = page.inner_text("main")
    for payload in STORED:
        assert payload.strip() in body, f"not stored and shown as text: {payload!r}"
    _assert_nothing_ran(page, console)


def test_reflected_payloads_do_not_run_in_chromium(admin_page):
    page, console = admin_page
    for payload in STORED:
        page.goto("/beheer/gebruikers?" + urlencode({"zoek": payload}))
        assert page.input_value("#zoek") == payload
        _assert_nothing_ran(page, console)


def test_reflected_payloads_in_question_search_do_not_run_in_chromium(expert_page):
    page, console = expert_page
    for payload in STORED:
        page.goto("/vragen?" + urlencode({"zoek": payload}))
        assert page.input_value("#zoek") == payload
        _assert_nothing_ran(page, console)


def test_control_the_marker_fires_without_escaping_and_csp(chromium):
    page = chromium.new_page()
    try:
        page.set_content('<img src="data:," onerror="window.__xss=1"><svg onload="window.__xss=1"></svg>')
        page.wait_for_function("window.__xss === 1", timeout=5000)
    finally:
        page.close()


def test_control_csp_blocks_and_reports_markup_injected_behind_the_apps_back(admin_page):
    page, console = admin_page
    page.goto("/beheer")
    page.evaluate("""document.querySelector('main').insertAdjacentHTML('beforeend',
        '<img src="data:," onerror="window.__xss=1">')""")
    page.wait_for_function("window.__cspViolations.length > 0", timeout=5000)
    assert page.evaluate("window.__xss") is None
    assert any("script-src" in v for v in page.evaluate("window.__cspViolations"))
