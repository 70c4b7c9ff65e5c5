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
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
    )
    if response.mimetype == "text/html":
        # Pages may show case content; no browser or proxy keeps a copy.
        headers.setdefault("Cache-Control", "no-store")
    return response


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
