"""Every form with a checkbox or radio button, and the closing form, at desktop and phone width.

Each page is looked at as a person would, at 1280 and at 390 px wide: every visible checkbox's
and radio button's label is measured (getBoundingClientRect) and must be at least 200 px wide,
no id appears twice, no word of a header, heading, legend or label breaks across lines, and
axe-core finds no WCAG 2.1 A/AA violation. With SCREENSHOT_DIR set, each page is also saved as a
PNG per width for a person to look at.

`test_every_template_with_a_checkbox_is_visited` keeps the list of pages complete: a template
that renders a checkbox or radio button and is not visited here fails it.
"""
import os
import re
import uuid
from pathlib import Path

import pytest

from .helpers import (
    QUESTION_PAGE,
    broken_words,
    duplicate_ids,
    log_in,
    log_out,
    narrow_choice_labels,
    required_controls_styled_invalid,
    styled_invalid,
)

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
MIN_LABEL_WIDTH = 200
SCREENSHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None
ROOT = Path(__file__).resolve().parents[2]

ADVISED_QUESTION = "Slaapproblemen en angst na een verhuizing"  # Anna's, with Eva's demo advice
OPEN_QUESTION = "Schoolverzuim bij een jongere met somberheid"  # Anna's, no advice yet
# A phone number: the personal-data guard warns, and the form shows "Dit zijn geen herleidbare gegevens".
WARNED_TEXT = "Moeder is overdag bereikbaar op 06-12345678, vraag naar de situatie thuis."

# The templates that render a checkbox or radio button, each visited below.
VISITED_TEMPLATES = {
    "questions/form.html",
    "questions/post_form.html",
    "questions/index.html",
    "realtime/preferences.html",
    "moderation/review.html",
    "consultations/series_form.html",
    "consultations/triage.html",
    "consultations/triage_settings.html",
    "consultations/attendance.html",
    "accounts/admin/_profile_fields.html",
    "accounts/admin/simple_edit.html",
    "accounts/admin/simple_list.html",
    "knowledge/review_own.html",  # in test_knowledge_journey.py
}


# Their only checkbox is the guard's "Dit zijn geen herleidbare gegevens", shown after a warning;
# the guard reaches these forms since today and their warned state is not laid out in Chromium yet.
NOT_YET_VISITED = {"moderation/flag.html", "questions/close.html", "consultations/nominate.html",
                   "knowledge/review.html"}


def check_layout(page, axe, name, *, choices=True):
    """Check the page at every width; `choices`: it must show at least one checkbox or radio button."""
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            if SCREENSHOTS:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
            where = f"{name} ({page.url}) at {width} px"
            if choices:
                assert page.locator("input[type=checkbox], input[type=radio]").count() > 0, where
            assert narrow_choice_labels(page, MIN_LABEL_WIDTH) == [], where
            assert duplicate_ids(page) == [], where
            assert broken_words(page) == [], where
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})
    axe(page)


def open_question(page, title):
    """Open a demo question by its title; return its id."""
    page.goto(f"/vragen?status=alle&gebied=&zoek={title.split()[0]}")
    page.get_by_role("link", name=title).click()
    page.wait_for_url(QUESTION_PAGE)
    return int(page.url.rsplit("/", 1)[1])


def follow_first(page, selector):
    """Go to the first link matching `selector` on the page."""
    page.goto(page.locator(selector).first.get_attribute("href"))


def test_family_worker_forms_with_checkboxes(page, axe):
    log_in(page, "gezinswerker@demo.test")
    page.goto("/vragen/nieuw")
    check_layout(page, axe, "vraag-nieuw")

    # The guard warns about a phone number: the form comes back with a second checkbox.
    page.get_by_label("Titel").fill(f"Bereikbaarheid van moeder {uuid.uuid4().hex[:6]}")
    page.get_by_label("Situatie").fill(WARNED_TEXT)
    page.get_by_label("Wat wil je weten?").fill("Hoe plan ik het gesprek?")
    page.get_by_label("Leeftijd van het kind (jaren)").fill("9")
    page.get_by_label("Opvoeding").check()
    page.get_by_label("Het gezin weet dat ik hierover advies vraag.").check()
    page.get_by_role("button", name="Vraag plaatsen").click()
    assert page.get_by_label("Dit zijn geen herleidbare gegevens").is_visible()
    check_layout(page, axe, "vraag-waarschuwing")

    page.goto("/vragen")
    check_layout(page, axe, "vragen-gezinswerker")
    page.goto("/meldingen/instellingen")
    check_layout(page, axe, "meldingen-instellingen")

    # A reply by the owner with the phone number: the post form with the guard's checkbox.
    open_question(page, OPEN_QUESTION)
    page.get_by_label("Je bericht").fill(WARNED_TEXT)
    page.get_by_role("button", name="Aanvulling plaatsen").click()
    assert page.get_by_label("Dit zijn geen herleidbare gegevens").is_visible()
    check_layout(page, axe, "bericht-waarschuwing")


def test_expert_question_filters(page, axe):
    log_in(page, "deskundige@demo.test")
    page.goto("/vragen")
    assert page.get_by_label("mijn organisatie heeft nog niet geantwoord").is_visible()
    check_layout(page, axe, "vragen-deskundige")


def test_moderator_review_and_redaction_form(page, axe):
    log_in(page, "moderator@demo.test")
    open_question(page, ADVISED_QUESTION)
    post_id = page.locator("article.post--advice").first.get_attribute("id").removeprefix("bericht-")
    page.goto(f"/moderatie/berichten/{post_id}")
    assert page.get_by_label(re.compile("^De oorspronkelijke tekst bevatte persoonsgegevens")).is_visible()
    check_layout(page, axe, "moderatie-bericht")


def test_coordinator_forms_with_checkboxes(page, axe):
    log_in(page, "coordinator@demo.test")
    page.goto("/overleg/nieuw")
    check_layout(page, axe, "overleg-nieuw")
    page.goto("/overleg")
    follow_first(page, "main a[href$='/bewerken']")
    check_layout(page, axe, "overleg-bewerken")
    page.goto("/overleg")
    follow_first(page, "main a[href*='/overleg/bijeenkomsten/']")
    page.get_by_role("link", name="Aanwezigheid vastleggen").click()
    check_layout(page, axe, "aanwezigheid")
    question_id = open_question(page, OPEN_QUESTION)
    page.goto(f"/vragen/{question_id}/triage")
    check_layout(page, axe, "triage")
    page.goto("/triage/instellingen")
    check_layout(page, axe, "triage-instellingen")
    page.goto("/beheer/gebruikers/uitnodigen")
    check_layout(page, axe, "uitnodigen-coordinator")


def test_admin_forms_with_checkboxes(page, axe):
    log_in(page, "beheerder@demo.test")
    page.goto("/beheer/gebruikers/uitnodigen")
    check_layout(page, axe, "uitnodigen")
    page.goto("/beheer/gebruikers")
    follow_first(page, "main table a[href^='/beheer/gebruikers/']")
    check_layout(page, axe, "gebruiker-bewerken")
    for kind in ("organisaties", "teams", "expertisegebieden"):
        page.goto(f"/beheer/{kind}")
        check_layout(page, axe, kind)
        follow_first(page, f"main table a[href^='/beheer/{kind}/']")
        check_layout(page, axe, f"{kind}-bewerken")


def test_closing_form_tells_the_advices_apart(page, axe):
    """Two advices by the same expert: each row names its time and starts with the advice's own words."""
    marker = uuid.uuid4().hex[:6]
    second = f"Aanvulling {marker}: laat moeder elke avond *hetzelfde* liedje zingen, ook in het weekend."
    log_in(page, "deskundige@demo.test")
    question_id = open_question(page, ADVISED_QUESTION)
    page.get_by_label("Je bericht").fill(second)
    page.get_by_role("button", name="Advies plaatsen").click()
    assert "Je bericht is geplaatst." in page.content()
    log_out(page)

    log_in(page, "gezinswerker@demo.test")
    page.goto(f"/vragen/{question_id}/afsluiten")
    check_layout(page, axe, "afsluiten", choices=False)
    ratings = page.locator("select[name^=rating_]")
    assert ratings.count() >= 2
    labels = [page.locator(f"label[for='{ratings.nth(i).get_attribute('id')}']").inner_text()
              for i in range(ratings.count())]
    hints = [page.locator(f"#{ratings.nth(i).get_attribute('id')}-hint").inner_text() for i in range(ratings.count())]
    assert len(set(zip(labels, hints))) == len(labels), labels
    assert all("()" not in label for label in labels), labels
    # The newest advice: its words as plain text (no Markdown asterisks), after its author and time.
    assert any(f"Aanvulling {marker}: laat moeder elke avond hetzelfde liedje" in hint for hint in hints), hints
    assert all(re.search(r"\d{1,2} \w+\.? \d{4} \d{2}:\d{2}", label) for label in labels), labels
    log_out(page)


def test_required_textarea_looks_invalid_only_after_the_person_left_it_empty(page):
    log_in(page, "deskundige@demo.test")
    open_question(page, ADVISED_QUESTION)
    reply = page.get_by_label("Je bericht")
    assert reply.get_attribute("required") is not None
    # Untouched: it looks like any other field, although it is empty and required.
    assert styled_invalid(reply) == []
    assert required_controls_styled_invalid(page) == []
    # Typed in, emptied and left: now it shows that something is missing.
    reply.fill("x")
    reply.fill("")
    reply.blur()
    assert styled_invalid(reply) != []
    log_out(page)

    log_in(page, "gezinswerker@demo.test")
    question_id = open_question(page, ADVISED_QUESTION)
    page.goto(f"/vragen/{question_id}/afsluiten")
    assert page.get_by_label("Licht kort toe").get_attribute("required") is not None
    assert required_controls_styled_invalid(page) == []


def _choice_field_names():
    """Names of the form fields that render as checkboxes or radio buttons, over every form class."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm
    from wtforms import BooleanField, RadioField, SelectMultipleField

    import expertise

    for module in pkgutil.walk_packages(expertise.__path__, "expertise."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    names = set()
    classes = [FlaskForm]
    while classes:
        cls = classes.pop()
        classes += cls.__subclasses__()
        for name in dir(cls):
            field_class = getattr(getattr(cls, name, None), "field_class", None)
            if isinstance(field_class, type) and issubclass(field_class, (BooleanField, RadioField, SelectMultipleField)):
                names.add(name)
    return names


def test_every_template_with_a_checkbox_is_visited():
    names = _choice_field_names()
    assert {"family_consent", "pii_confirmed", "delete_original", "active", "areas", "roles"} <= names
    by_field = re.compile(r"(?:field|checkboxes)\(\s*\w+\.(" + "|".join(sorted(names)) + r")\b")
    by_markup = re.compile(r"type=\"(?:checkbox|radio)\"|\bCHECKBOX\b|\bRADIO\b")
    found = {
        str(path.relative_to(ROOT / "templates"))
        for path in (ROOT / "templates").rglob("*.html")
        if not path.is_relative_to(ROOT / "templates" / "_macros")
        and (by_field.search(text := path.read_text()) or by_markup.search(text))
    }
    assert found == VISITED_TEMPLATES | NOT_YET_VISITED


def test_the_label_measure_catches_a_squeezed_label_and_passes_a_short_one(page):
    """Positive control: a label in a 24 px column (the trust-pass fault) is caught; a short one is not."""
    page.set_content("""<!doctype html><html lang="nl"><body>
      <div style="display: grid; grid-template-columns: 24px 1fr">
        <label for="a">Het gezin weet dat ik hierover advies vraag.</label><input type="checkbox" id="a"></div>
      <p><label for="b">Cas aanwezig</label><input type="checkbox" id="b"></p>
    </body></html>""")
    problems = narrow_choice_labels(page, MIN_LABEL_WIDTH)
    assert len(problems) == 1 and problems[0].startswith("#a ")
