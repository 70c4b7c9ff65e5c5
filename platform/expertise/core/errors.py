"""Error pages: short, Dutch, and never a traceback or user content in a log.

Every error a person can see is this platform's page, never the server's bare one:

* The handlers first roll the database session back (a failed flush or commit leaves it
  unusable: rendering the layout would fail again with PendingRollbackError), and never
  raise: when the page itself cannot be rendered, a static Dutch page is sent instead.
* A page answering a POST says whether the text was saved. The request's writes are saved
  only when the view committed (`view_committed`); otherwise the page says nothing was saved
  and shows the person's own text fields again, so they can copy them (passwords, codes,
  keys and hidden fields are never shown; nothing of it is logged).
* Errors are logged by type only (`ExpertiseFlask.log_exception`); SQLAlchemy's engines
  hide statement parameters (`hide_parameters`, config.py), so no post text reaches a log.
"""
import logging

from flask import current_app, g, has_request_context, render_template, request
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

# Form fields whose text is the person's own writing (posts, questions, notes, reasons).
# Anything else (passwords, codes, keys, tokens, identity fields) is never shown back.
TEXT_FIELDS = ("title", "situation", "request", "body", "note", "conclusion", "explanation",
               "reason", "description")
MAX_ECHO = 20_000


@event.listens_for(Session, "after_commit")
def _note_commit(session):
    """Remember that the view (not the session loading before it) committed in this request."""
    if has_request_context() and g.get("_view_started"):
        g._view_committed = True


def view_committed():
    """Return True when the current request's view committed its writes."""
    return bool(has_request_context() and g.get("_view_committed"))


def _rollback():
    from ..extensions import db

    try:
        db.session.rollback()
    except Exception as error:  # noqa: BLE001  (the page must still be sent)
        log.error("rollback before the error page failed: %s", type(error).__name__)


def _saved_state():
    """None for requests that write nothing; "saved" or "not_saved" for the others."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    return "saved" if view_committed() else "not_saved"


def _own_text(saved):
    """The person's own text fields of a failed POST, to show back (never logged)."""
    if saved != "not_saved":
        return []
    try:
        fields = [(name, request.form.get(name, "")) for name in TEXT_FIELDS]
    except Exception:  # noqa: BLE001  (a body that cannot be parsed is not shown)
        return []
    return [(name, value[:MAX_ECHO]) for name, value in fields if value and value.strip()]


def _status(error):
    return error.code if isinstance(error, HTTPException) and error.code else 500


def error_page(error):
    """Render the platform's error page for `error`; never raises."""
    code = _status(error)
    saved, own_text = None, []
    try:
        _rollback()
        saved = _saved_state()
        own_text = _own_text(saved)
        response = current_app.make_response(
            (render_template("errors/error.html", error=error if code < 500 else None, code=code,
                             saved=saved, own_text=own_text), code)
        )
    except Exception as failure:  # noqa: BLE001  (the template, the session, the user: anything)
        log.error("error page for %s could not be rendered: %s", code, type(failure).__name__)
        _rollback()
        response = current_app.response_class(static_page(code, saved, own_text), status=code,
                                              mimetype="text/html")
    if saved is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


def static_page(code, saved=None, own_text=()):
    """A Dutch error page that needs no template, session or database."""
    if saved == "saved":
        state = ("<p>Je wijziging is opgeslagen, maar daarna ging iets mis. Stuur het formulier "
                 "niet opnieuw: laad de pagina opnieuw om het resultaat te zien.</p>")
    elif saved == "not_saved":
        state = "<p><strong>Je tekst is niet opgeslagen.</strong></p>"
        if own_text:
            state += "<p>Dit is wat je schreef; kopieer het voor je het opnieuw probeert.</p>"
            state += "".join(
                f'<p><textarea readonly rows="8" cols="80" aria-label="{escape(name)}">{escape(value)}</textarea></p>'
                for name, value in own_text
            )
        else:
            state += "<p>Ga terug met de knop Vorige van je browser en kopieer je tekst voor je het opnieuw probeert.</p>"
    else:
        state = ""
    title = "Er ging iets mis" if code >= 500 else "Dit verzoek kon niet worden verwerkt"
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{code} · Platform Expertise Jeugd</title></head><body>"
        f"<main><h1>{title}</h1>{state}"
        "<p>Probeer het later nog eens. Blijft het misgaan, meld het dan bij de beheerder.</p>"
        '<p><a href="/">Naar de startpagina</a></p></main></body></html>'
    )


def init_app(app):
    @app.before_request
    def _view_starts():
        # Registered after the session loader (create_app), so its commit does not count.
        g._view_started = True

    @app.errorhandler(HTTPException)
    def _http_error(error):
        return error_page(error)

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        return error_page(error)
