"""Templates translate with the request's language, and with a forced one inside `force_locale`."""
from flask import render_template_string, session
from flask_babel import force_locale

TEMPLATE = '{{ _("Vragen") }}|{{ ngettext("%(num)d vraag", "%(num)d vragen", 2) }}'


def render(app, language):
    with app.app_context(), app.test_request_context("/"):  # a fresh `g`, as each request has
        session["lang"] = language
        outside = render_template_string(TEMPLATE)
        with force_locale("nl"):
            forced = render_template_string(TEMPLATE)
        after = render_template_string(TEMPLATE)
    return outside, forced, after


def test_template_strings_follow_the_language_and_force_locale(app):
    outside, forced, after = render(app, "en")
    assert outside == after == "Questions|2 questions"
    assert forced == "Vragen|2 vragen"
    assert render(app, "nl") == ("Vragen|2 vragen",) * 3


def test_without_a_request_templates_use_the_default_language(app):
    with app.app_context():
        assert render_template_string(TEMPLATE) == "Vragen|2 vragen"
