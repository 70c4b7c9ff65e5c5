"""Security headers on every response, with a per-response CSP nonce.

Scripts and styles come from our own static files; the nonce exists for the
rare script that must be inline, so `unsafe-inline` is never needed.
"""
import secrets

from flask import abort, g, request


def csp_nonce():
    """Return this response's nonce, creating it on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _content_security_policy():
    nonce = csp_nonce()
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


def set_security_headers(response):
    """Add the browser defences every response carries."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: over HTTPS Flask-WTF refuses a form POST without a Referer
    # of this origin (WTF_CSRF_SSL_STRICT), and with no-referrer browsers send none, so no form
    # would work in production. Nothing goes to other sites either way.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
    )
    _no_store(response)
    return response


def _no_store(response):
    """Say `no-store` on every response but the static files (ASVS 14.3.2).

    Pages, fragments, JSON, CSV and calendar files may show case content, and
    owner pages the resident's identity: no browser or proxy keeps a copy.
    This is the one place that says so, for logged-in people and anonymous
    visitors alike (the calendar feed is anonymous, its token is the key), so
    no view needs to remember it. A view's own value is kept when it already
    says `no-store` ("private, no-store").
    """
    if request.endpoint == "static" and response.status_code < 400:
        return  # our own CSS, JS and images may be cached (an error page may not)
    if "no-store" not in (response.headers.get("Cache-Control") or ""):
        response.headers["Cache-Control"] = "no-store"


def refuse_nul_bytes():
    """Answer 400 to a request whose parameters or form fields hold a NUL byte.

    No form needs one, and PostgreSQL refuses to store or even compare text
    containing NUL, which turned such input into a 500 (found by the fuzzer).
    """
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def init_app(app):
    app.before_request(refuse_nul_bytes)
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    if app.config.get("SESSION_COOKIE_SECURE"):
        @app.after_request
        def _hsts(response):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
            return response
