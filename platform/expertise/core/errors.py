"""Error pages: short, Dutch, and never a traceback or user content."""
from flask import render_template
from werkzeug.exceptions import HTTPException


def init_app(app):
    @app.errorhandler(HTTPException)
    def _http_error(error):
        return render_template("errors/error.html", error=error), error.code

    @app.errorhandler(500)
    def _server_error(error):
        return render_template("errors/error.html", error=None), 500
