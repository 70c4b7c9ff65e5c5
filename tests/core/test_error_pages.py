"""Error pages when a write fails: the platform's Dutch page, saying whether the text was saved,
and nothing of the text in any log.

The failing write is the one seen under load: the driver refuses the post's INSERT with
"database is locked" (SQLAlchemy then holds the statement and its parameters, the post's text,
and the session cannot be used until it is rolled back).
"""
import logging

import pytest
import sqlalchemy as sa
from flask import got_request_exception

from expertise.extensions import db
from expertise.questions.models import Post

from .. import factories

MARKER = "Zwaluwstaart-7731"
BODY = f"Probeer eerst een vast ritme ({MARKER}) met vaste bedtijden en <b>rust</b> in huis."


@pytest.fixture
def failing_post_insert(app):
    """Make every INSERT into post fail in the driver, and let the app's error handlers answer."""

    def locked(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO POST "):
            raise conn.dialect.dbapi.OperationalError("database is locked")

    sa.event.listen(db.engine, "before_cursor_execute", locked)
    propagate = app.config.get("PROPAGATE_EXCEPTIONS")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 handler answers
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = propagate
    sa.event.remove(db.engine, "before_cursor_execute", locked)


@pytest.fixture
def question(cast):
    q = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    db.session.commit()
    return q


def _post_advice(browser, question_id, body=BODY):
    return browser.post(f"/vragen/{question_id}/reageren", {"body": body, "actie": "plaatsen"})


def test_a_failed_write_gets_the_dutch_page_saying_the_text_was_not_saved(
        app, cast, question, login, failing_post_insert, caplog):
    eva = login(cast.eva)
    raised = []
    def note(sender, exception, **kwargs):
        raised.append(exception)

    got_request_exception.connect(note, app, weak=False)
    caplog.set_level(logging.DEBUG)

    response = _post_advice(eva, question.id)

    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert '<html lang="nl"' in page and "site-header" in page  # the platform's own page, layout and all
    assert "Er ging iets mis" in page and "Internal Server Error" not in page
    assert "Je tekst is niet opgeslagen." in page
    # The text is shown back to its author, escaped, so it can be copied.
    assert "(Zwaluwstaart-7731) met vaste bedtijden en &lt;b&gt;rust&lt;/b&gt;" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.body.contains(MARKER))) == 0
    # Logged by type only; the exception itself names no parameters either (hide_parameters).
    assert "unhandled OperationalError" in caplog.text
    assert MARKER not in caplog.text
    assert raised and all(MARKER not in str(e) for e in raised)
    got_request_exception.disconnect(note, app)
    # The session works again afterwards (it was rolled back).
    assert eva.get(f"/vragen/{question.id}").status_code == 200


def test_when_the_page_itself_fails_a_static_dutch_page_is_sent(
        app, cast, question, login, failing_post_insert, monkeypatch, caplog):
    from expertise.core import errors

    def broken(*args, **kwargs):
        raise RuntimeError("template failed")

    eva = login(cast.eva)
    monkeypatch.setattr(errors, "render_template", broken)
    response = _post_advice(eva, question.id)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert '<html lang="nl">' in page and "Er ging iets mis" in page
    assert "Je tekst is niet opgeslagen." in page and "&lt;b&gt;rust&lt;/b&gt;" in page
    assert "could not be rendered: RuntimeError" in caplog.text
    assert MARKER not in caplog.text


def test_an_error_after_the_commit_says_the_text_was_saved(app, cast, question, login, monkeypatch, caplog):
    from expertise.questions import views

    def broken_flash(*args, **kwargs):
        raise RuntimeError("after the commit")

    eva = login(cast.eva)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        monkeypatch.setattr(views, "flash", broken_flash)
        response = _post_advice(eva, question.id)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Je wijziging is opgeslagen" in page and "Stuur het formulier niet opnieuw" in page
    assert "niet opgeslagen" not in page and MARKER not in page
    assert db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.body.contains(MARKER))) == 1


def test_a_refused_post_says_nothing_was_saved_and_a_page_view_says_nothing_of_saving(
        app, cast, question, login):
    eva = login(cast.eva)
    refused = eva.post("/vragen/999999/reageren", {"body": BODY, "actie": "plaatsen"})
    assert refused.status_code == 404
    assert "Je tekst is niet opgeslagen." in refused.get_data(as_text=True)
    missing = eva.get("/vragen/999999")
    assert missing.status_code == 404
    assert "opgeslagen" not in missing.get_data(as_text=True)


def test_password_fields_are_never_shown_back(app, cast, login):
    response = login(None).post("/inloggen", {"email": "x@demo.test", "password": "geheim-wachtwoord"}, csrf=False)
    assert response.status_code == 400
    assert "geheim-wachtwoord" not in response.get_data(as_text=True)


def test_engines_hide_statement_parameters(app):
    assert db.engine.hide_parameters is True
