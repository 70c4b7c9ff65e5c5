"""Each role logs in through Chromium, lands on its home page, and axe finds no WCAG 2.1 AA issue."""
import pytest

from expertise.demo import ACCOUNTS

from .helpers import log_in

pytestmark = pytest.mark.browser



def test_login_page_is_dutch_and_accessible(page, axe):
    page.goto("/inloggen")
    assert page.get_attribute("html", "lang") == "nl"
    assert page.get_by_role("heading", level=1).inner_text() == "Inloggen"
    axe(page)


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page):
    page.goto("/inloggen")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"


def test_wrong_password_shows_the_error_next_to_the_field(page, axe):
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill("gezinswerker@demo.test")
    page.get_by_label("Wachtwoord").fill("verkeerd wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    assert page.locator("#password-error").inner_text().startswith("Inloggen is niet gelukt")
    assert page.get_by_label("E-mailadres").input_value() == "gezinswerker@demo.test"
    axe(page)


@pytest.mark.parametrize("email,name,roles", [(a[0], a[1], a[2]) for a in ACCOUNTS], ids=[a[0] for a in ACCOUNTS])
def test_each_role_logs_in_and_lands_on_an_accessible_home_page(page, axe, email, name, roles):
    log_in(page, email)
    assert page.get_by_role("heading", level=1).inner_text() == f"Welkom, {name}"
    assert page.get_by_role("navigation", name="Hoofdmenu").is_visible()
    axe(page)
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/inloggen")
    assert "Je bent uitgelogd." in page.content()


def test_admin_pages_are_accessible(page, axe):
    log_in(page, "beheerder@demo.test")
    for path in ["/beheer", "/beheer/gebruikers", "/beheer/gebruikers/uitnodigen", "/beheer/teams",
                 "/beheer/organisaties", "/beheer/expertisegebieden", "/account"]:
        page.goto(path)
        axe(page)


def test_language_switch_shows_english(page):
    log_in(page, "deskundige@demo.test")
    page.get_by_role("button", name="English").click()
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
