"""Where a `next` or return address may send the browser: only to a path on this site.

Every view that redirects to an address taken from the request (login,
the second factor, the recovery-codes page, step-up, the language switch)
passes it through `safe_next()`. Browsers are lenient in ways a simple
`startswith("/")` check misses: they drop tabs and line breaks anywhere in
a URL (`/\t/evil.example` becomes `//evil.example`, another host), read a
backslash as a slash (`/\\evil.example`), and some servers and proxies decode
percent-escapes once more. So the address is refused when it, or any of its
percent-decoded forms, holds a control character or a backslash, starts with
two slashes, or carries a scheme or a host. A refused address is replaced by
the default page: the person still gets somewhere useful, and a line break
can no longer reach the `Location` header (that was a 500).
"""
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import url_for
from werkzeug.urls import iri_to_uri

MAX_LENGTH = 500  # also the length the pending login keeps
_DECODE_ROUNDS = 3


def _has_control_or_backslash(text):
    return any(ch == "\\" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def _is_local_path(text):
    if not text.startswith("/") or text.startswith("//"):
        return False
    if _has_control_or_backslash(text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def is_safe_next(target):
    """Return whether `target` is a path on this site, in every decoded form."""
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return False
    form = target
    for _round in range(_DECODE_ROUNDS + 1):
        if not _is_local_path(form):
            return False
        decoded = unquote(form)
        if decoded == form:
            return True
        form = decoded
    return False  # still more escapes after several rounds: nobody needs that


def safe_next(target, default_endpoint="accounts.home"):
    """Return `target` when it is a path on this site, else the default page's path.

    The result is ASCII (non-ASCII characters percent-encoded), safe for a
    `Location` header and an `href`.
    """
    if is_safe_next(target):
        return iri_to_uri(target)
    return url_for(default_endpoint)
