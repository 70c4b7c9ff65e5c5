"""The client's address, scheme and host behind the reverse proxy, from the proxy alone.

Behind nginx (deploy/nginx/) every request comes from the proxy's address: the
per-address limits (Flask-Limiter, the login lock-out) would count all people as one,
and the audit trail would name the proxy. nginx sends the client's address, scheme and
host in `X-Forwarded-For`, `-Proto` and `-Host` (one hop, its own values, never the
client's). `TRUSTED_PROXIES` names the proxies' addresses: only a request whose socket
peer is one of them has these headers applied (werkzeug's ProxyFix, one hop each). From
anyone else they are ignored, so a client reaching an instance directly cannot choose
its own address. Unset (development, tests), nothing is trusted.
"""
from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    """WSGI middleware: ProxyFix for requests from a trusted proxy; anything else as it came."""

    def __init__(self, wsgi_app, trusted):
        self.wsgi_app = wsgi_app
        self.trusted = frozenset(trusted)
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1)

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.trusted:
            return self.fixed(environ, start_response)
        return self.wsgi_app(environ, start_response)


def init_app(app):
    """Wrap the whole WSGI stack (Socket.IO and the origin check included) when proxies are trusted."""
    trusted = app.config.get("TRUSTED_PROXIES") or ()
    if trusted:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, trusted)
