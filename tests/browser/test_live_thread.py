"""Two people, two browsers: advice appears on the family worker's open page without a reload."""
import uuid

import pytest

from .helpers import log_in

pytestmark = pytest.mark.browser

QUESTION = "Schoolverzuim bij een jongere met somberheid"  # anna's demo question, no advice yet


@pytest.fixture
def second_page(chromium, live_server):
    """Another person's browser (its own context), failing the test on a CSP violation too."""
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    assert problems == [], problems


def _unread(page):
    return int(page.locator("[data-unread-count]").inner_text())


def test_advice_appears_live_and_the_counter_goes_up(page, second_page, axe):
    anna, eva = page, second_page
    advice = f"Bel eerst de huisarts en de mentor samen {uuid.uuid4().hex[:6]}."

    log_in(anna, "gezinswerker@demo.test")
    anna.goto("/vragen?status=alle")
    anna.get_by_role("link", name=QUESTION).click()
    anna.wait_for_url("**/vragen/*")
    question_url = anna.url
    anna.wait_for_selector("[data-live-thread][data-live-joined='true']")
    before = _unread(anna)
    anna.evaluate("window.__stillTheSamePage = true")

    log_in(eva, "deskundige@demo.test")
    eva.goto(question_url)
    eva.get_by_label("Je bericht").fill(advice)
    eva.get_by_role("button", name="Advies plaatsen").click()
    eva.wait_for_url("**/vragen/*#bericht-*")

    anna.get_by_text(advice).wait_for(timeout=10_000)
    assert anna.locator("article.post--advice", has_text=advice).count() == 1
    anna.wait_for_function(f"document.querySelector('[data-unread-count]').textContent === '{before + 1}'")
    assert anna.locator("[data-unread-badge]").is_visible()
    assert anna.get_by_role("status").filter(has_text="Ververs de pagina").is_visible()
    assert anna.evaluate("window.__stillTheSamePage") is True  # no reload happened
    axe(anna)

    # A reload shows the same advice, now with the owner's own controls.
    anna.goto(question_url)
    assert anna.locator("article.post--advice", has_text=advice).get_by_role(
        "button", name="Markeer als nuttig").count() == 1
