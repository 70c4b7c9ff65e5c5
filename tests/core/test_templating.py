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


def test_dates_are_written_out_in_the_request_language(app):
    from datetime import date, datetime, timezone

    from expertise.core.templating import child_age, local_day, local_month

    late_evening = datetime(2026, 12, 23, 23, 30, tzinfo=timezone.utc)  # 24 December in Amsterdam
    with app.app_context(), app.test_request_context("/"):
        session["lang"] = "nl"
        assert local_day(date(2026, 12, 24)) == "24 december 2026"
        assert local_day(late_evening) == "24 december 2026"
        assert local_month(date(2026, 12, 24)) == "december 2026"
        assert local_day(None) == local_month(None) == ""
        assert child_age(0, 4) == "4 maanden"
        assert child_age(0, 1) == "1 maand"
        assert child_age(0) == "jonger dan 1 jaar"
        assert child_age(1) == "1 jaar" and child_age(12, 3) == "12 jaar"
    with app.app_context(), app.test_request_context("/"):
        session["lang"] = "en"
        assert local_day(date(2026, 12, 24)) == "December 24, 2026"
        assert local_month(date(2026, 12, 24)) == "December 2026"
