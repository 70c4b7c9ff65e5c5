"""A hostile `next` never takes Chromium off the site: after login, and after the language switch.

The probe of issue 24 found `/inloggen?next=/%09/127.0.0.2:5999/x` sending the
browser to 127.0.0.2 (Chromium drops the tab, leaving `//host`). Every
request to another host is recorded and refused, so a redirect off-site
fails the test even when nothing listens there.
"""
from urllib.parse import urlsplit

import pytest

from .helpers import authenticator_for

pytestmark = pytest.mark.browser

HOSTILE = {
    "tab": "/%09/127.0.0.2:5999/x",
    "backslash": "/%5C127.0.0.2:5999/x",
    "double-slash": "//127.0.0.2:5999/x",
    "scheme": "http://127.0.0.2:5999/x",
    "crlf": "/%0d%0a/127.0.0.2:5999/x",
}
ACCOUNTS = dict(zip(HOSTILE, ["gezinswerker@demo.test", "gezinswerker2@demo.test", "deskundige@demo.test",
                              "deskundige2@demo.test", "moderator@demo.test"]))


def _refuse_other_hosts(page, base_url):
    off_site = []

    def handle(route):
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            off_site.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return off_site


@pytest.mark.parametrize("form", list(HOSTILE))
def test_login_with_a_hostile_next_lands_on_the_site(page, live_server, form):
    off_site = _refuse_other_hosts(page, live_server.url)
    email = ACCOUNTS[form]
    page.goto(f"/inloggen?next={HOSTILE[form]}")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill("demo-wachtwoord-2026")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/inloggen/code")
    page.get_by_label("Code").fill(authenticator_for(page).code(email))
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("load")
    assert off_site == []
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welkom")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/inloggen")


def test_language_switch_with_a_hostile_next_stays_on_the_site(page, live_server):
    off_site = _refuse_other_hosts(page, live_server.url)
    for form, target in HOSTILE.items():
        page.goto("/inloggen")
        # The switch posts the page's own path; a tampered form posts this instead.
        page.evaluate("t => document.querySelector('input[name=next]').value = decodeURIComponent(t)", target)
        page.locator("form:has(input[name=next]) button").first.click()
        page.wait_for_load_state("load")
        assert off_site == [], form
        assert urlsplit(page.url).netloc == urlsplit(live_server.url).netloc, (form, page.url)
        page.goto("/inloggen")
