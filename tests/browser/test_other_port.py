"""`make run PORT=…`: the app on another port than 5000, started as the README says, is live.

The server is `run.py` with `HOST` and `PORT` in the environment, an instance
directory of its own (its SQLite database, secrets and mail) and no
`BASE_URL`, after `flask db upgrade` and `flask seed-demo`, as `make run` does.
"""
import email
import email.policy
import re
import time
import uuid

import pytest

from ..support.servers import AppServer
from .helpers import QUESTION_PAGE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "Schoolverzuim bij een jongere met somberheid"  # anna's demo question, no advice yet


@pytest.fixture(scope="module")
def port_server(tmp_path_factory):
    server = AppServer(
        tmp_path_factory.mktemp("other-port"),
        env={"RATELIMIT_ENABLED": "false"},
        unset=("DATABASE_URL",),
    )
    assert server.port != 5000 and "BASE_URL" not in server.env
    server.start()
    yield server
    server.stop()


def _browser_page(chromium, server, problems):
    context = chromium.new_context(base_url=server.url, locale="nl-NL")
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return context, page


def _mails_to(server, address):
    messages = []
    for path in sorted((server.workdir / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            messages.append(message.get_body(("plain",)).get_content())
    return messages


def test_a_post_arrives_live_and_its_mail_links_to_the_port_in_use(chromium, port_server):
    problems = []
    anna_context, anna = _browser_page(chromium, port_server, problems)
    eva_context, eva = _browser_page(chromium, port_server, problems)
    advice = f"Spreek eerst met school en jongere samen {uuid.uuid4().hex[:6]}."
    try:
        log_in(anna, "gezinswerker@demo.test")
        anna.goto("/vragen?status=alle")
        anna.get_by_role("link", name=QUESTION).click()
        anna.wait_for_url(QUESTION_PAGE)
        question_url = anna.url
        # The socket connected (its origin is accepted) and joined the question's room.
        anna.wait_for_selector("[data-live-thread][data-live-joined='true']", timeout=10_000)
        anna.evaluate("window.__stillTheSamePage = true")

        log_in(eva, "deskundige@demo.test")
        eva.goto(question_url)
        eva.get_by_label("Je bericht").fill(advice)
        eva.get_by_role("button", name="Advies plaatsen").click()
        eva.wait_for_url("**/vragen/*#bericht-*")

        anna.get_by_text(advice).wait_for(timeout=10_000)
        assert anna.locator("article.post--advice", has_text=advice).count() == 1
        assert anna.evaluate("window.__stillTheSamePage") is True  # no reload happened
    finally:
        eva_context.close()
        anna_context.close()
    assert problems == [], problems
    # Development is no production deployment: no werkzeug or Flask-SocketIO warning says so.
    assert "production" not in port_server.log_text().lower()

    # Anna hears of new advice by e-mail at once (the default): its link is on this port.
    bodies = _mails_to(port_server, "gezinswerker@demo.test")
    assert bodies, "no e-mail to the family worker"
    links = re.findall(r"https?://\S+", bodies[-1])
    assert links and all(link.startswith(port_server.url + "/") for link in links), links


@pytest.fixture(scope="module")
def mismatched_server(tmp_path_factory):
    """A server whose BASE_URL names another origin than the one the browser uses."""
    server = AppServer(tmp_path_factory.mktemp("mismatch"), env={"RATELIMIT_ENABLED": "false"})
    server.env["BASE_URL"] = f"http://localhost:{server.port}"  # the browser uses 127.0.0.1
    server.start()
    yield server
    server.stop()


def test_a_refused_socket_backs_off_instead_of_filling_the_connections(chromium, mismatched_server):
    problems = []
    context, page = _browser_page(chromium, mismatched_server, problems)
    attempts = []  # (seconds, url) of each new handshake: a WebSocket or a polling request without sid
    try:
        log_in(page, "gezinswerker@demo.test")  # its page has started the socket already
        page.goto("about:blank")
        start = time.monotonic()

        def handshake(url):
            if "/socket.io/?" in url and "sid=" not in url:
                attempts.append((round(time.monotonic() - start, 2), url))

        page.on("websocket", lambda ws: handshake(ws.url))
        page.on("request", lambda request: handshake(request.url))
        page.goto("/")
        page.wait_for_timeout(14_000)
        still_connected = page.evaluate("window.expertiseRealtime.socket.connected")
    finally:
        context.close()
    assert problems == [], problems
    assert still_connected is False
    times = [at for at, _url in attempts]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    # Delays of 1, 2, 4 … s (±50 %): four or five attempts in 14 s, each wait longer than the one before last.
    assert 4 <= len(attempts) <= 5, attempts
    assert all(later > earlier for earlier, later in zip(gaps, gaps[2:])), gaps
    # The server says once, in plain words, what is wrong.
    errors = [line for line in mismatched_server.log_text().splitlines() if "BASE_URL" in line]
    assert len(errors) == 1, errors
    assert f"http://localhost:{mismatched_server.port}" in errors[0]
    assert f"http://127.0.0.1:{mismatched_server.port}" in errors[0]
