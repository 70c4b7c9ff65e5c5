"""Log in over HTTP and listen on a real Socket.IO connection, as a browser would.

Used by the live real-time tests and by the fan-out benchmark (`benchmarks/question_room_fanout.py`).
"""
import re
import threading
import time

import requests
import socketio

from expertise.demo import DEMO_PASSWORD

from .totp import AUTHENTICATORS

_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

DEMO_EMAILS = {
    "anna": "gezinswerker@demo.test",
    "bram": "gezinswerker2@demo.test",
    "eva": "deskundige@demo.test",
    "olaf": "deskundige2@demo.test",
    "mila": "moderator@demo.test",
    "cas": "coordinator@demo.test",
    "ada": "beheerder@demo.test",
}


def csrf_token(http, base_url, path="/inloggen"):
    """Return the CSRF token from a page's <meta name="csrf-token">."""
    response = http.get(base_url + path, timeout=10)
    match = _CSRF.search(response.text)
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


# Logged-in sessions by (base URL, e-mail), reused while they are still logged in.
_SESSIONS = {}


def login_over_http(base_url, email, password=DEMO_PASSWORD):
    """Return a requests.Session logged in as this demo account (password, then its TOTP code).

    With the demo password, the session of an earlier call is reused while the
    server still knows it: the server refuses a TOTP code of a step it has
    accepted, so a third login within 30 seconds would wait for the next step.
    """
    key = (base_url, email) if password == DEMO_PASSWORD else None
    known = _SESSIONS.get(key)
    if known is not None and _still_logged_in(known, base_url):
        return known
    http = requests.Session()
    # As a browser does under Referrer-Policy: same-origin; over HTTPS Flask-WTF requires it.
    http.headers["Referer"] = base_url + "/"
    token = csrf_token(http, base_url)
    response = http.post(
        base_url + "/inloggen",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.status_code
    if response.headers["Location"].endswith("/inloggen/code"):
        code = AUTHENTICATORS[base_url].code(email)
        response = http.post(
            base_url + "/inloggen/code",
            data={"code": code, "csrf_token": csrf_token(http, base_url, "/inloggen/code")},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.status_code
    if key is not None:
        _SESSIONS[key] = http
    return http


def _still_logged_in(http, base_url):
    return http.get(base_url + "/account", allow_redirects=False, timeout=10).status_code == 200


def cookie_header(http):
    """Return the Cookie header a browser would send with the socket handshake."""
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def post_form(http, base_url, path, data=None, csrf_page="/meldingen"):
    """POST a form with a fresh CSRF token, as the page's form would."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(http, base_url, csrf_page)
    return http.post(base_url + path, data=data, allow_redirects=False, timeout=10)


class Listener:
    """A python-socketio client that records every event with its arrival time."""

    def __init__(self):
        self.client = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        self.events = []  # (event, payload, time.time())
        self.disconnected = threading.Event()
        self._cond = threading.Condition()
        self.client.on("*", self._record)
        self.client.on("disconnect", lambda *a: self.disconnected.set())

    def _record(self, event, *args):
        with self._cond:
            self.events.append((event, args[0] if args else None, time.time()))
            self._cond.notify_all()

    def connect(self, base_url, cookie=None, origin=None, transports=None):
        # websocket-client sends the page's own Origin itself; a second header
        # would be joined to "a,b" and refused. Only a foreign one is added.
        headers = {"Origin": origin} if origin else {}
        if cookie:
            headers["Cookie"] = cookie
        self.client.connect(base_url, headers=headers, transports=transports, wait_timeout=10)
        return self

    def wait_for(self, event, predicate=lambda payload: True, timeout=10.0):
        """Return the first payload of `event` matching `predicate`, waiting up to `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for name, payload, _at in self.events:
                    if name == event and predicate(payload):
                        return payload
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {event!r} event within {timeout} s; got {self.events!r}")
                self._cond.wait(remaining)

    def close(self):
        try:
            self.client.disconnect()
        except Exception:
            pass
