"""Keep secrets and user content out of the logs.

Werkzeug's and gunicorn's access logs print request lines, which would carry
invitation tokens and search text; Flask's exception log prints exception
messages, which (for database errors) carry the statement's parameters. Both
are cut down here to what an operator needs: method, route shape, status, type.

A query string is dropped whole, from its `?` to the protocol at the end of
the request line (or the end of the text): it may hold anything a client
sends, quotes and spaces included, so no pattern of "query characters" can
be trusted to find its end.
"""
import logging
import re
from collections.abc import MutableMapping

_SECRET_PATH = re.compile(r"/(uitnodiging|agenda-feed|herstel)/[^\s/?\"]+")
_PROTOCOL = re.compile(r"\s+HTTP/\d(?:\.\d)?")
_TRAILING_STYLE = re.compile(r"(?:\x1b\[[\d;]*m)+\Z")  # the colour reset of werkzeug's lines
REDACTED = "…"

# gunicorn access-log atoms that are the query string itself.
_QUERY_ATOMS = {"q", "{query_string}e"}


def _drop_query(text):
    start = text.find("?")
    if start < 0:
        return text
    protocols = list(_PROTOCOL.finditer(text, start))
    if protocols:
        tail = text[protocols[-1].start():]
    else:
        style = _TRAILING_STYLE.search(text, start)
        tail = style.group(0) if style else ""
    return f"{text[:start]}?{REDACTED}{tail}"


def redact(text):
    """Return a log text without path tokens and without any query string."""
    return _drop_query(_SECRET_PATH.sub(rf"/\1/{REDACTED}", text))


class RedactingFilter(logging.Filter):
    """Rewrite access-log records so they carry no tokens or query strings."""

    def filter(self, record):
        args = record.args
        if isinstance(args, MutableMapping):  # gunicorn: one dict of atoms
            for key, value in list(args.items()):
                if isinstance(value, str):
                    args[key] = REDACTED if key.lower() in _QUERY_ATOMS and value else redact(value)
        elif args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def init_app(app):
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
