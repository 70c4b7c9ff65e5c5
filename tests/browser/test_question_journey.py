"""The question journey in Chromium: ask, find and advise, reply, follow up, mark helpful, close.

Anna asks about a new resident: she sees the identity on her own question
page, the expert's page shows none of it. axe-core checks the question form,
the list and the detail page on the way.
"""
import re
import uuid

import pytest


from .helpers import QUESTION_PAGE, log_in, log_out

pytestmark = pytest.mark.browser




RESIDENT_NAME = "Janneke de Vries-Özdemir"


def test_question_from_asking_to_feedback(page, axe):
    title = f"Boosheid na de scheiding {uuid.uuid4().hex[:6]}"

    # Anna asks, previews first, then posts.
    log_in(page, "gezinswerker@demo.test")
    page.get_by_role("link", name="Stel een vraag").first.click()
    page.wait_for_url("**/vragen/nieuw")
    axe(page)
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Situatie").fill("Sinds de scheiding is de jongen **elke dag** boos op school en thuis.")
    page.get_by_label("Wat wil je weten?").fill("Hoe kan moeder hem helpen zijn boosheid te uiten?")
    page.get_by_label("Leeftijd van het kind (jaren)").fill("10")
    page.get_by_label("GGZ / psychiatrie").check()
    page.get_by_label("Opvoeding").check()
    page.get_by_label("Het gezin weet dat ik hierover advies vraag.").check()
    # The resident: a new one, whose identity goes to Anna's vault only.
    page.get_by_label("Bewoner", exact=True).select_option(label="Een nieuwe bewoner (vul hieronder in)")
    page.get_by_label("Naam", exact=True).fill(RESIDENT_NAME)
    page.get_by_label("Geboortedatum").fill("2010-05-03")
    page.get_by_label("Dossiernummer (optioneel)").fill("J-2023-0451")
    page.get_by_role("button", name="Voorbeeld bekijken").click()
    assert page.locator(".preview strong").inner_text() == "elke dag"
    assert page.get_by_label("Titel").input_value() == title
    assert page.get_by_label("Naam", exact=True).input_value() == RESIDENT_NAME
    axe(page)
    page.get_by_role("button", name="Vraag plaatsen").click()
    page.wait_for_url(QUESTION_PAGE)
    assert page.get_by_role("heading", level=1).inner_text() == title
    question_url = page.url
    box = page.locator(".identity-box")
    assert "Alleen voor jou zichtbaar" in box.inner_text()
    assert RESIDENT_NAME in box.inner_text() and "3 mei 2010" in box.inner_text()
    axe(page)
    # On paper: no navigation or buttons, and the identity only when Anna asks for it.
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Hoofdmenu").is_visible()
    assert not page.get_by_role("button", name="Uitloggen").first.is_visible()
    assert not box.is_visible() and page.get_by_role("heading", level=1).is_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Afdrukken met deze gegevens").click()
    page.wait_for_url("**afdrukken=identiteit")
    page.emulate_media(media="print")
    assert box.is_visible() and RESIDENT_NAME in box.inner_text()
    assert not page.get_by_role("link", name="Toch niet meeprinten").is_visible()
    page.emulate_media(media="screen")
    page.goto(question_url)
    log_out(page)

    # Eva (Altrecht, GGZ) finds it in her areas and advises.
    log_in(page, "deskundige@demo.test")
    page.get_by_role("link", name="Vragen in jouw expertisegebieden").click()
    page.get_by_label("Zoeken in titel en tekst").fill("scheiding boos")
    page.get_by_role("button", name="Toon vragen").click()
    axe(page)
    page.get_by_role("link", name=title).click()
    content = page.content()
    assert RESIDENT_NAME not in content and "Janneke" not in content and "3 mei 2010" not in content
    assert page.locator(".identity-box").count() == 0
    axe(page)
    page.get_by_label("Je bericht").fill("Geef hem een **vaste uitlaatklep**: sport, tekenen of een boos-hoekje.")
    page.get_by_role("button", name="Advies plaatsen").click()
    assert "Je bericht is geplaatst." in page.content()
    assert page.get_by_text("advies vanuit 1 organisatie").is_visible()
    log_out(page)

    # Olaf (Youké) replies to Eva's advice in the thread.
    log_in(page, "deskundige2@demo.test")
    page.goto(question_url)
    page.get_by_role("link", name="Reageren op het bericht van Eva Deskundige").click()
    page.get_by_label("Je bericht").fill("Aanvulling vanuit opvoeding: laat moeder het goede gedrag benoemen.")
    page.get_by_role("button", name="Plaatsen").click()
    page.wait_for_url(question_url + "#bericht-*")
    log_out(page)

    # Anna asks a follow-up, marks Eva's advice helpful and closes with feedback.
    log_in(page, "gezinswerker@demo.test")
    page.goto(question_url)
    page.get_by_role("link", name="Reageren op het bericht van Olaf Opvoedexpert").click()
    page.get_by_label("Je bericht").fill("Dank! Hoe vaak per dag zou ze dat moeten doen?")
    page.get_by_role("button", name="Plaatsen").click()
    page.wait_for_url(question_url + "#bericht-*")
    page.get_by_role("button", name="Markeer als nuttig (advies van Eva Deskundige)").click()
    assert page.locator(".badge--helpful").first.is_visible()
    axe(page)
    page.get_by_role("link", name="Afsluiten met terugkoppeling").click()
    page.get_by_label("Wat heb je met het advies gedaan?").select_option("partly")
    page.get_by_label("Licht kort toe").fill("Tekenen werkt goed; sport past nog niet in het rooster.")
    page.get_by_label(re.compile(r"^Bruikbaarheid van het advies van Eva Deskundige \(Altrecht\) van .+, 1 tot en met 5$")).select_option("4")
    axe(page)
    page.get_by_role("button", name="Vraag afsluiten").click()
    assert page.get_by_role("heading", name="Terugkoppeling").is_visible()
    assert "Het advies is deels gevolgd." in page.content()
    axe(page)
    log_out(page)

    # Eva sees the feedback.
    log_in(page, "deskundige@demo.test")
    page.goto(question_url)
    assert "Tekenen werkt goed" in page.content()
    assert "Bruikbaarheid van jouw advies volgens de gezinswerker: 4 van 5" in page.content()
