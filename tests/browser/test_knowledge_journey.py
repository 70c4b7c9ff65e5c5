"""The knowledge-base journey in Chromium: close and publish a case, approve it, find it while asking.

Anna asks and Olaf advises; Anna closes the question and offers it for the
knowledge base, reviews the scrubbed summary and submits it; Mila publishes
it; Bram (another buurtteam) starts a new question, sees the case suggested
while typing (similar.js), opens it and says he found his answer. axe-core
checks the review page, the moderator's page, the question form with the
suggestions and the case, the form and the case at 1280 and 390 px wide.
"""
import uuid

import pytest

from .helpers import QUESTION_PAGE, log_in, log_out
from .test_form_layout import SCREENSHOTS, WARNED_TEXT, check_layout

pytestmark = pytest.mark.browser


def _widths(page, axe, name, widths):
    """Check the page with axe at each width (a screenshot each with SCREENSHOT_DIR)."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        if SCREENSHOTS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        axe(page)


def test_closed_case_is_published_and_suggested_to_another_team(page, axe):
    marker = f"nachtangst{uuid.uuid4().hex[:6]}"
    title = f"Nachtmerries na een brand {marker}"

    log_in(page, "gezinswerker@demo.test")
    page.goto("/vragen/nieuw")
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Situatie").fill(f"Sinds een brand in de flat heeft het meisje elke nacht {marker} en nachtmerries.")
    page.get_by_label("Wat wil je weten?").fill("Hoe kunnen ouders haar 's nachts geruststellen?")
    page.get_by_label("Leeftijd van het kind (jaren)").fill("8")
    page.get_by_label("Opvoeding").check()
    page.get_by_label("Het gezin weet dat ik hierover advies vraag.").check()
    page.get_by_role("button", name="Vraag plaatsen").click()
    page.wait_for_url(QUESTION_PAGE)
    question_url = page.url
    log_out(page)

    log_in(page, "deskundige2@demo.test")
    page.goto(question_url)
    page.get_by_label("Je bericht").fill("Maak een vast ritueel voor het slapengaan en laat een lampje aan.")
    page.get_by_role("button", name="Advies plaatsen").click()
    log_out(page)

    # Anna closes it and offers it for the knowledge base in the same step.
    log_in(page, "gezinswerker@demo.test")
    page.goto(question_url + "/afsluiten")
    page.get_by_label("Wat heb je met het advies gedaan?").select_option("followed")
    page.get_by_label("Licht kort toe").fill("Het ritueel en het lampje hielpen binnen twee weken.")
    page.get_by_label("Bied deze casus aan voor de kennisbank").check()
    page.get_by_role("button", name="Vraag afsluiten").click()
    page.wait_for_url("**/kennisbank/aanbod/*")
    assert page.get_by_label("Titel").input_value() == title
    assert "Youké" in page.get_by_label("Adviezen").input_value()
    axe(page)
    # An edit with a phone number: the guard warns, and the form shows its checkbox (laid out at both widths).
    situation_box = page.get_by_role("textbox", name="Situatie")  # the guard's findings list shares the label
    situation = situation_box.input_value()
    situation_box.fill(situation + " " + WARNED_TEXT)
    page.get_by_role("button", name="Bewaren").click()
    assert page.get_by_label("Dit zijn geen herleidbare gegevens").is_visible()
    check_layout(page, axe, "kennisbank-aanbod-waarschuwing")
    situation_box.fill(situation)
    page.get_by_role("button", name="Indienen voor de kennisbank").click()
    assert "Ingediend: wacht op een moderator" in page.content()
    log_out(page)

    # Mila publishes it.
    log_in(page, "moderator@demo.test")
    page.goto("/moderatie")
    page.get_by_role("link", name="Kennisbank:").click()
    page.get_by_role("link", name=title).click()
    axe(page)
    page.get_by_role("button", name="Publiceren").click()
    assert "Gepubliceerd in de kennisbank." in page.content()
    log_out(page)

    # Bram, of another buurtteam, starts a question: the case is suggested while he types.
    log_in(page, "gezinswerker2@demo.test")
    page.goto("/vragen/nieuw")
    page.get_by_label("Titel").fill(f"Meisje met {marker}")
    page.get_by_label("Situatie").fill(f"Ze heeft {marker} en nachtmerries sinds een brand.")
    suggestion = page.locator("[data-similar-results]").get_by_role("link", name=title)
    suggestion.wait_for(timeout=10000)
    _widths(page, axe, "kennisbank-suggesties", (1280, 390))
    suggestion.click()
    page.wait_for_url("**/kennisbank/*")
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert "Advies van" in page.content() or "Youké" in page.content()
    _widths(page, axe, "kennisbank-casus", (390, 1280))
    page.goto(f"/kennisbank?q={marker}")
    assert page.get_by_role("link", name=title).is_visible()
    _widths(page, axe, "kennisbank-zoeken", (390, 1280))
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Ja, ik hoef mijn vraag niet te stellen").click()
    assert "Fijn dat je je antwoord hebt gevonden." in page.content()
