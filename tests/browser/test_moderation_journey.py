"""The moderation journey in Chromium: a marketing reply is held, a moderator rejects it, the expert sees why.

axe-core checks the review queue and the review page.
"""
import uuid

import pytest

from .helpers import log_in, log_out

pytestmark = pytest.mark.browser

DEMO_QUESTION = "Schoolverzuim bij een jongere met somberheid"


def test_marketing_reply_is_held_then_rejected_with_a_reason(page, axe):
    marker = uuid.uuid4().hex[:8]
    reply = (f"Wij hebben bij Altrecht precies hiervoor de training Somberkracht-{marker}. "
             "Meld je aan via www.altrecht-somberkracht.nl of bel ons op 030-2345678!")
    reason = f"Dit is reclame voor een eigen training ({marker}). Geef advies vanuit je expertise."

    # Eva posts a marketing reply on a demo question: it is held, and she sees why.
    log_in(page, "deskundige@demo.test")
    page.goto("/vragen?status=alle&gebied=&zoek=Schoolverzuim")
    page.get_by_role("link", name=DEMO_QUESTION).click()
    question_url = page.url
    page.get_by_label("Je bericht").fill(reply)
    page.get_by_role("button", name="Advies plaatsen").click()
    assert "Je bericht wacht op beoordeling door een moderator." in page.content()
    held = page.locator("article.post--hidden", has_text=marker)
    assert held.get_by_text("Wacht op beoordeling", exact=True).is_visible()
    assert held.get_by_text("Oproep om contact op te nemen").first.is_visible()
    log_out(page)

    # Another expert does not see it.
    log_in(page, "deskundige2@demo.test")
    page.goto(question_url)
    assert marker not in page.content()
    log_out(page)

    # Mila finds it in the queue, highlighted, and rejects it with a reason.
    log_in(page, "moderator@demo.test")
    page.get_by_role("link", name="Moderatie").first.click()
    page.wait_for_url("**/moderatie")
    item = page.locator(".moderation-item", has_text=marker)
    assert item.locator("mark", has_text="www.altrecht-somberkracht.nl").is_visible()
    axe(page)
    item.get_by_role("link", name="Beoordelen").click()
    page.wait_for_url("**/moderatie/berichten/*")
    axe(page)
    page.get_by_label("Reden (de auteur ziet deze)").first.fill(reason)
    page.get_by_role("button", name="Afwijzen").click()
    page.wait_for_url("**/moderatie")
    assert "Afgewezen. De auteur ziet je reden." in page.content()
    assert marker not in page.locator("main").inner_text()
    axe(page)
    log_out(page)

    # Eva sees that it was rejected, and the moderator's reason.
    log_in(page, "deskundige@demo.test")
    page.goto(question_url)
    rejected = page.locator("article.post--hidden", has_text=marker)
    assert rejected.get_by_text("Afgewezen door een moderator", exact=True).is_visible()
    assert rejected.get_by_text(reason).is_visible()
