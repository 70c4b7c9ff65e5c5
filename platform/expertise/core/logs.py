"""Keep secrets and user content out of the logs.

Werkzeug's access log prints request lines, which would carry invitation
tokens and search text; Flask's exception log prints exception messages,
which (for database errors) carry the statement's parameters. Both are cut
down here to what an operator needs: method, route shape, status, type.
"""
import logging
import re

_SECRET_PATH = re.compile(r"/(uitnodiging|agenda-feed|herstel)/[^\s/?\"]+")
_QUERY = re.compile(r"\?[^\s\"]*")


def redact(text):
    """Return a log text without path tokens and query strings."""
    return _QUERY.sub("?…", _SECRET_PATH.sub(r"/\1/…", text))


class RedactingFilter(logging.Filter):
    """Rewrite access-log records so they carry no tokens or query strings."""

    def filter(self, record):
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def init_app(app):
    logging.getLogger("werkzeug").addFilter(RedactingFilter())
