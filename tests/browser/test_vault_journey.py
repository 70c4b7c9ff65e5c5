"""A family worker records a resident, sees it, and reads its access history, in Chromium; axe finds nothing."""
import pytest

from .helpers import log_in

pytestmark = pytest.mark.browser

NAME = "Janneke de Vries-Özdemir"



def test_family_worker_records_a_resident_and_reads_its_access_history(page, axe, live_server):
    log_in(page, "gezinswerker@demo.test")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn bewoners").click()
    page.wait_for_url("**/bewoners")
    axe(page)
    page.get_by_role("link", name="Bewoner vastleggen").click()
    page.wait_for_url("**/bewoners/nieuw")
    axe(page)
    page.get_by_label("Naam").fill(NAME)
    page.get_by_label("Geboortedatum").fill("2010-05-03")
    page.get_by_label("Dossiernummer (optioneel)").fill("111222333")  # a BSN: refused, text kept
    page.get_by_role("button", name="Vastleggen").click()
    assert "BSN" in page.locator("#file_number-error").inner_text()
    assert page.get_by_label("Naam").input_value() == NAME
    axe(page)
    page.get_by_label("Dossiernummer (optioneel)").fill("J-2023-0451")
    page.get_by_role("button", name="Vastleggen").click()
    page.wait_for_url("**/bewoners/*")
    assert page.get_by_role("heading", level=1).inner_text() == NAME
    axe(page)
    page.get_by_role("link", name="Wie heeft deze gegevens bekeken?").click()
    page.wait_for_url("**/inzage")
    table = page.locator("table").inner_text()
    assert "Vastgelegd" in table and "Identiteit bekeken" in table and "Anna de Gezinswerker" in table
    assert "Vries" not in page.content()
    axe(page)
    page.goto("/bewoners")
    assert NAME in page.locator("table").inner_text()
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/inloggen")
    page.goto("/bewoners")
    assert NAME not in page.content()
    assert "Vries" not in live_server.log_text() and "J-2023" not in live_server.log_text()


def test_admin_recovery_pages_are_accessible(page, axe):
    log_in(page, "beheerder@demo.test")
    for path in ["/beheer/herstelsleutel", "/beheer/herstel", "/account/sessies", "/account/wachtwoord"]:
        page.goto(path)
        axe(page)
