"""The page's Socket.IO transport across two gevent workers without sticky sessions.

Two gunicorn gevent-websocket workers share one port (the kernel hands each new connection
to either) and events through Redis, with nothing in front that keeps a client on one worker.
The page connects over WebSocket only (static/js/notifications.js): one connection, so one
worker, for the whole session. Every client connecting the page's way must succeed, join its
question room and receive a post made through the other worker. Long-polling sends each
request on its own connection and needs sticky sessions (README, "Real-time and notifications").
"""
import re
from pathlib import Path

import pytest

from ..support.realtime import DEMO_EMAILS, Listener, cookie_header, login_over_http, post_form
from ..support.servers import GunicornServer, RedisServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "Schoolverzuim bij een jongere met somberheid"  # anna's demo question
CLIENTS = 8


def _page_transports():
    """The transports the page itself asks for, read from its script."""
    script = (ROOT / "static" / "js" / "notifications.js").read_text()
    return re.findall(r'"(\w+)"', re.search(r"transports:\s*\[([^\]]*)\]", script).group(1))


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    redis = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        server = GunicornServer(tmp_path_factory.mktemp("two-workers"), {"RATELIMIT_ENABLED": "false"},
                                workers=2, redis_url=redis.url()).start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        redis.stop()


def test_every_client_connecting_as_the_page_does_succeeds_across_two_workers(two_workers):
    server = two_workers
    transports = _page_transports()
    assert transports == ["websocket"]
    eva = login_over_http(server.url, DEMO_EMAILS["eva"])
    listing = eva.get(server.url + "/vragen?status=alle", timeout=10).text
    question_id = int(re.search(r'href="/vragen/(\d+)"[^>]*>\s*' + re.escape(QUESTION), listing).group(1))
    clients = []
    try:
        for _ in range(CLIENTS):
            clients.append(Listener().connect(server.url, cookie_header(eva), transports=transports))
        joined = [c.client.call("join", {"kind": "question", "id": question_id}, timeout=10)["ok"] for c in clients]
        assert joined == [True] * CLIENTS

        response = post_form(eva, server.url, f"/vragen/{question_id}/reageren",
                             {"body": "Een vast ritme helpt vaak.", "actie": "plaatsen"})
        assert response.status_code == 302
        post_id = int(re.search(r"#bericht-(\d+)", response.headers["Location"]).group(1))
        for client in clients:
            client.wait_for("post_published", lambda p: p["post_id"] == post_id, timeout=15)
    finally:
        for client in clients:
            client.close()
    log = server.log_text()
    assert "Invalid session" not in log and "Traceback" not in log, log[-3000:]
