"""The weekly consultation in Chromium: the coordinator sets up a series, a family worker
nominates her question, the coordinator builds the agenda and records a conclusion, and the
family worker reads it in her thread. axe-core checks every consultation page on the way."""
import re
import uuid
from datetime import datetime, timedelta

import pytest

from expertise.core.time import AMSTERDAM
from .helpers import QUESTION_PAGE, log_in, log_out, narrow_cells

pytestmark = pytest.mark.browser


def _ask_question(page, title):
    page.goto("/vragen/nieuw")
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Situatie").fill("De jongere zit veel op zijn kamer en gaat niet meer naar school.")
    page.get_by_label("Wat wil je weten?").fill("Wie betrekken we eerst: school, huisarts of jeugd-GGZ?")
    page.get_by_label("Leeftijd van het kind (jaren)").fill("14")
    page.get_by_label("GGZ / psychiatrie").check()
    page.get_by_label("Het gezin weet dat ik hierover advies vraag.").check()
    page.get_by_role("button", name="Vraag plaatsen").click()
    page.wait_for_url(QUESTION_PAGE)
    return page.url


def test_weekly_consultation_from_series_to_advice_in_the_thread(page, axe):
    marker = uuid.uuid4().hex[:6]
    name = f"Overleg Zuilen {marker}"
    title = f"Somberheid en schoolverzuim {marker}"
    # The meeting starts within the hour, so the agenda is open now (it closes at the start)
    # and the coordinator can record attendance and conclusions today.
    start = (datetime.now(AMSTERDAM) + timedelta(minutes=40)).replace(second=0, microsecond=0)

    # Cas, the coordinator, creates a weekly series for Buurtteam Zuilen with Eva as standing expert.
    log_in(page, "coordinator@demo.test")
    page.get_by_role("link", name="Wekelijks overleg").first.click()
    page.wait_for_url("**/overleg")
    axe(page)
    page.get_by_role("link", name="Nieuw overleg").click()
    page.get_by_label("Naam van het overleg").fill(name)
    page.get_by_label("Dag van de week").select_option(str(start.weekday()))
    page.get_by_label("Begintijd").fill(start.strftime("%H:%M"))
    page.get_by_label("Duur in minuten").fill("60")
    page.get_by_label("Plaats").fill("Wijkbureau Zuilen")
    page.get_by_label("Agenda sluit (uren voor het overleg)").fill("0")
    page.get_by_label("Buurtteam Zuilen", exact=True).check()
    page.get_by_label(re.compile(r"^Eva Deskundige")).check()
    axe(page)
    page.get_by_role("button", name="Overleg aanmaken").click()
    assert "Het overleg is aangemaakt." in page.content()
    axe(page)
    log_out(page)

    # Anna asks a question and nominates it for the meeting, saying what to discuss.
    log_in(page, "gezinswerker@demo.test")
    question_url = _ask_question(page, title)
    page.get_by_role("link", name="Agenderen voor het wekelijks overleg").click()
    option = page.locator("select[name=meeting] option", has_text=name).first
    page.get_by_label("Overleg", exact=True).select_option(option.get_attribute("value"))
    page.get_by_label("Wat wil je bespreken?").fill("Welke volgorde van hulp raden jullie aan?")
    axe(page)
    page.get_by_role("button", name="Op de agenda zetten").click()
    page.wait_for_url(question_url)
    assert "heeft de vraag aangemeld voor het wekelijks overleg" in page.content()
    log_out(page)

    # Cas builds the agenda, records attendance and the conclusion.
    log_in(page, "coordinator@demo.test")
    page.goto("/overleg")
    page.get_by_role("link", name=re.compile(re.escape(name))).first.click()
    page.wait_for_url(re.compile(r".*/overleg/bijeenkomsten/\d+$"))
    assert title in page.content()
    # On a phone the agenda is a stack of cards: no cell, field or header squeezed.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.locator("#agenda ~ form table td").count() >= 6
    assert narrow_cells(page, "#agenda ~ form table td", 120) == []
    assert page.get_by_label("Minuten voor agendapunt 1").bounding_box()["width"] >= 60
    assert page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height") <= 120
    axe(page)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_label("Minuten voor agendapunt 1").fill("30")
    page.get_by_role("button", name="Agenda opslaan").click()
    assert "De agenda is opgeslagen." in page.content()
    axe(page)
    page.get_by_role("link", name="Aanwezigheid vastleggen").click()
    axe(page)
    page.get_by_label("Minuten van Eva Deskundige").fill("45")
    page.get_by_role("button", name="Aanwezigheid opslaan").click()
    assert "De aanwezigheid is vastgelegd." in page.content()
    page.get_by_role("link", name=re.compile(r"^Conclusie vastleggen")).first.click()
    axe(page)
    page.get_by_label("Conclusie en advies").fill("Eerst de huisarts betrekken; daarna een consult bij de jeugd-GGZ.")
    page.get_by_role("button", name="Conclusie in de vraag zetten").click()
    page.get_by_text("De conclusie staat als advies in de draad").wait_for()  # after the redirect has loaded
    axe(page)
    log_out(page)

    # Anna reads the advice in her thread.
    log_in(page, "gezinswerker@demo.test")
    page.goto(question_url)
    assert page.get_by_text(re.compile(r"^Advies uit het wekelijks overleg van \d+ \w+$")).is_visible()
    assert "Eerst de huisarts betrekken" in page.content()
    assert "Eva Deskundige (Altrecht)" in page.content()
    axe(page)


def test_coordinator_consultation_pages_are_accessible(page, axe):
    log_in(page, "coordinator@demo.test")
    for url in ("/triage", "/overleg/uren", "/overleg/agenda-feed", "/overleg/nieuw"):
        page.goto(url)
        axe(page)
    page.goto("/triage")
    links = page.locator("main .question-list a")
    if links.count():
        links.first.click()
        axe(page)
    page.goto("/overleg/agenda-feed")
    page.get_by_role("button", name="Agenda-feed maken").click()
    assert "/agenda-feed/" in page.get_by_label("Adres van je agenda-feed").input_value()
    axe(page)


def test_triage_worker_assigns_one_question_that_is_accepted_and_advised_and_one_that_comes_back(
        page, axe, chromium, live_server):
    """Cas, the demo coordinator and triage worker, assigns Anna's first question to Eva, who takes
    it on with a date and advises; he assigns the second to Olaf, who declines it: it is back in
    Cas's queue, and the counter in his open page goes up live."""
    from datetime import date

    marker = uuid.uuid4().hex[:6]
    accepted_title = f"Paniekaanvallen op school {marker}"
    declined_title = f"Ruzie over schermtijd {marker}"
    expected = date.today() + timedelta(days=3)

    log_in(page, "gezinswerker@demo.test")
    accepted_url = _ask_question(page, accepted_title)
    declined_url = _ask_question(page, declined_title)
    accepted_id, declined_id = (int(u.rsplit("/", 1)[1]) for u in (accepted_url, declined_url))
    log_out(page)

    # Cas sees both in his queue, with the counter in the menu, and assigns them.
    log_in(page, "coordinator@demo.test")
    page.get_by_role("link", name=re.compile(r"^Triage")).first.click()
    page.wait_for_url("**/triage")
    assert int(page.locator(".site-nav [data-live-badge=triage] [data-live-count]").inner_text()) >= 2
    axe(page)
    page.get_by_role("link", name=f"#{accepted_id} {accepted_title}").click()
    expert = page.get_by_label(re.compile(r"^Eva Deskundige \(Altrecht\) — aanbevolen"))
    assert "Expertise: GGZ / psychiatrie" in page.locator(f"#{expert.get_attribute('id')}-hint").inner_text()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        axe(page)
    expert.check()
    page.get_by_role("button", name="Toewijzen", exact=True).click()
    page.wait_for_url(accepted_url)
    assert "heeft de vraag doorverwezen naar Eva Deskundige" in page.content()
    page.goto(f"/vragen/{declined_id}/triage")
    page.get_by_label(re.compile(r"^Olaf Opvoedexpert \(Youké\)")).check()
    page.get_by_role("button", name="Toewijzen", exact=True).click()
    page.wait_for_url(declined_url)
    page.goto("/triage")
    assert accepted_title not in page.content() and declined_title not in page.content()

    # Cas keeps his queue open in a second window while the experts answer.
    watcher_context = chromium.new_context(base_url=live_server.url, locale="nl-NL")
    watcher = watcher_context.new_page()
    try:
        log_in(watcher, "coordinator@demo.test")
        watcher.goto("/triage")
        live_count = watcher.locator(".site-nav [data-live-badge=triage] [data-live-count]")
        before = int(live_count.inner_text())
        log_out(page)

        # Eva finds it first in her list, takes it on with a date, and advises.
        log_in(page, "deskundige@demo.test")
        page.goto("/vragen")
        mine = page.locator("section.assigned-to-me")
        assert accepted_title in mine.inner_text()
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            axe(page)
        mine.get_by_role("link", name=f"Oppakken of afwijzen (#{accepted_id})").click()
        page.wait_for_url(f"**/vragen/{accepted_id}/toewijzing")
        axe(page)
        page.get_by_label("Wanneer verwacht je advies te geven?").fill(expected.isoformat())
        page.get_by_role("button", name="Ik pak dit op").click()
        page.wait_for_url(accepted_url)
        assert "Je pakt deze vraag op" in page.content()
        page.get_by_label("Je bericht").fill("Oefen samen een ademhalingsoefening en spreek met school een rustplek af.")
        page.get_by_role("button", name="Advies plaatsen").click()
        assert "Je bericht is geplaatst." in page.content()
        log_out(page)

        # Olaf declines his, with a reason: it goes back to Cas's queue, live in his open page.
        log_in(page, "deskundige2@demo.test")
        page.goto(f"/vragen/{declined_id}/toewijzing")
        page.get_by_label("Reden").select_option(label="Valt buiten mijn expertise")
        page.get_by_role("button", name="Afwijzen").click()
        page.wait_for_url("**/vragen")
        assert "Je hebt de toewijzing afgewezen" in page.content()
        watcher.wait_for_function(
            "n => Number(document.querySelector('.site-nav [data-live-badge=triage] [data-live-count]').textContent) > n",
            arg=before)
        watcher.reload()
        assert declined_title in watcher.content() and accepted_title not in watcher.content()
        assert "Olaf Opvoedexpert heeft de toewijzing afgewezen" in watcher.goto(declined_url).text()
    finally:
        watcher_context.close()
    log_out(page)

    # Anna sees who took her question on, by when, and the advice.
    log_in(page, "gezinswerker@demo.test")
    page.goto(accepted_url)
    content = page.content()
    assert "Eva Deskundige pakt de vraag op." in content
    assert "Eva Deskundige (Altrecht):" in page.locator("section.question-route").inner_text()
    assert "advies verwacht op" in page.locator("section.question-route").inner_text()
    assert "ademhalingsoefening" in content
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        axe(page)
