"""BASE_URL's origin, and one clear log line when browsers use another.

Socket.IO accepts only the origin of BASE_URL (`cors_allowed_origins`), and
e-mail links are built from BASE_URL. When people reach the server at another
address (`make run PORT=5101` with BASE_URL on port 5000, `localhost` against
`127.0.0.1`, `http` behind a TLS proxy), every live connection is refused and
e-mails link elsewhere. `init_app` wraps the whole WSGI stack, Socket.IO
included, and logs that once per application (one per process) as a
configuration error naming both origins; it logs no path, cookie or other
user data.

Only the browser's own origin counts: a request whose `Origin` header names
the host it was sent to (`Host`). A page elsewhere posting here (cross-site)
is not a configuration error and is not logged.
"""
import logging
import re
import threading
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
# scheme://host[:port] as browsers send it in the Origin header.
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<host>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")


class OriginError(ValueError):
    """The URL has no usable http(s) origin."""


def origin_of(url):
    """Return the origin a browser sends for `url`: `scheme://host[:port]`, lower case, no default port.

    Raises OriginError for anything that is not an absolute http(s) URL.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (AttributeError, ValueError):
        raise OriginError(f"not an http(s) URL: {url!r}") from None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in DEFAULT_PORTS or not host:
        raise OriginError(f"not an absolute http(s) URL: {url!r}")
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _parse_origin(value):
    """Return the normalised origin of an Origin header value, or None when it is not one."""
    match = _ORIGIN.fullmatch(value.strip().lower())
    if not match:
        return None
    return origin_of(match.group(0))


def _host_of(host_header, scheme):
    """Return `host[:port]` of a Host header, without the scheme's default port; None if malformed."""
    try:
        return origin_of(f"{scheme}://{host_header.strip()}").split("://", 1)[1]
    except OriginError:
        return None


class OriginCheck:
    """WSGI middleware: log once when a browser uses another origin than BASE_URL's."""

    def __init__(self, wsgi_app, base_url):
        self.wsgi_app = wsgi_app
        self.expected = origin_of(base_url)
        self.logged = False
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not self.logged:
            self.check(environ)
        return self.wsgi_app(environ, start_response)

    def check(self, environ):
        """Log the mismatch if this request shows one (and none was logged yet)."""
        seen = _parse_origin(environ.get("HTTP_ORIGIN", ""))
        if seen is None or seen == self.expected:
            return
        scheme, netloc = seen.split("://", 1)
        if _host_of(environ.get("HTTP_HOST", ""), scheme) != netloc:
            return  # another site's page, not this server's own
        with self._lock:
            if self.logged:
                return
            self.logged = True
        log.error(
            "Configuration error: BASE_URL's origin is %s, but browsers reach this server at %s. "
            "Socket.IO refuses their live connections and e-mail links point to BASE_URL. "
            "Set BASE_URL to the address people use (logged once per process).",
            self.expected,
            seen,
        )


def init_app(app):
    """Wrap the app (after Socket.IO, so its handshakes pass through too) with the origin check."""
    app.wsgi_app = OriginCheck(app.wsgi_app, app.config["BASE_URL"])
