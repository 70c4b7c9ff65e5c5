"""Numbers from URLs and query strings, bounded to what the database can hold.

SQLite refuses integers past 2**63 with an OverflowError (PostgreSQL
compares an `integer` column with a `bigint` value without complaint); a
number typed into a URL must give a 404 or the page's default, never a 500.
Resident ids are random up to 2**53, so the bound is SQLite's, not 2**31.
"""
from flask import request
from werkzeug.routing import IntegerConverter

SQL_INT_MAX = 2**63 - 1
MAX_PAGE = 10_000  # far beyond any real list; OFFSET stays a small number


def to_int(text, default=None):
    """Return `text` as an int within SQL range, or `default` when it is not one."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if -SQL_INT_MAX <= value <= SQL_INT_MAX else default


def int_arg(name, default=None):
    """An integer query parameter of the current request (see `to_int`)."""
    return to_int(request.args.get(name), default)


def page_arg(name="page"):
    """A page number from the query string, between 1 and MAX_PAGE."""
    return min(max(int_arg(name, 1), 1), MAX_PAGE)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in routes: a number beyond SQL integers does not match, so 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", SQL_INT_MAX)
        super().__init__(map, *args, **kwargs)
