"""Anna hands a resident over from the resident page, in Chromium: the questions go with it.

Afterwards Anna has neither the identity nor the owner's buttons on her
question; her colleague Carmen (same buurtteam) has both. axe-core checks the
handover page on the way.
"""
import uuid

import pytest

from .helpers import QUESTION_PAGE, log_in, log_out

pytestmark = pytest.mark.browser

RESIDENT_NAME = "Femke Hoogland-Bakker"


def test_handover_from_the_resident_page_moves_the_questions(page, axe, live_server):
    title = f"Schoolverzuim na de zomer {uuid.uuid4().hex[:6]}"

    log_in(page, "gezinswerker@demo.test")
    page.get_by_role("link", name="Stel een vraag").first.click()
    page.wait_for_url("**/vragen/nieuw")
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Situatie").fill("Sinds de zomervakantie gaat het meisje bijna nooit meer naar school.")
    page.get_by_label("Wat wil je weten?").fill("Hoe krijgen we haar weer stap voor stap naar school?")
    page.get_by_label("Leeftijd van het kind (jaren)").fill("13")
    page.get_by_label("Onderwijs & leerplicht").check()
    page.get_by_label("Het gezin weet dat ik hierover advies vraag.").check()
    page.get_by_label("Bewoner", exact=True).select_option(label="Een nieuwe bewoner (vul hieronder in)")
    page.get_by_label("Naam", exact=True).fill(RESIDENT_NAME)
    page.get_by_label("Geboortedatum").fill("2013-02-11")
    page.get_by_role("button", name="Vraag plaatsen").click()
    page.wait_for_url(QUESTION_PAGE)
    question_url = page.url
    assert RESIDENT_NAME in page.locator(".identity-box").inner_text()

    # From the resident page, not from the question.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn bewoners").click()
    page.get_by_role("link", name=RESIDENT_NAME).first.click()
    page.wait_for_url("**/bewoners/*")
    page.get_by_role("link", name="Overdragen aan een collega").click()
    page.wait_for_url("**/overdragen")
    assert title in page.locator("main").inner_text()  # the question is named as going along
    axe(page)
    page.get_by_label("Collega").select_option(label="Carmen Collega")
    page.get_by_role("button", name="Overdragen").click()
    page.wait_for_load_state()
    assert RESIDENT_NAME not in page.content()

    # Anna: the question is no longer hers to steer, and shows no identity.
    page.goto(question_url)
    content = page.content()
    assert RESIDENT_NAME not in content and "11 februari 2013" not in content
    assert page.locator(".identity-box").count() == 0
    assert page.get_by_role("link", name="Afsluiten met terugkoppeling").count() == 0
    assert page.get_by_role("link", name="Overdragen aan een collega").count() == 0
    assert "Carmen Collega" in page.locator("main").inner_text()  # "Eigenaar nu"
    axe(page)
    log_out(page)

    # Carmen: identity and the owner's buttons.
    log_in(page, "gezinswerker3@demo.test")
    page.goto(question_url)
    assert RESIDENT_NAME in page.locator(".identity-box").inner_text()
    assert page.get_by_role("link", name="Afsluiten met terugkoppeling").is_visible()
    axe(page)
    log_out(page)
    assert RESIDENT_NAME not in live_server.log_text()
