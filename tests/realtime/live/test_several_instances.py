"""Two app processes share events through Redis (Flask-SocketIO message_queue).

Starts Debian's `redis-server` on a free loopback port (no persistence) and
two server processes on one database; a client connected to the second one
receives what an action on the first one caused. Skipped when `redis-server`
is missing, except under CI=true, where that is a failure.
"""

import pytest
import requests

from ...support.realtime import DEMO_EMAILS, Listener, cookie_header, login_over_http, post_form
from ...support.servers import AppServer, RedisServer
from .conftest import REALTIME_APP

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    redis = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield redis.url()
    finally:
        redis.stop()


@pytest.fixture(scope="module")
def two_servers(redis_url, tmp_path_factory):
    shared = tmp_path_factory.mktemp("shared")
    env = {
        "RATELIMIT_ENABLED": "false",
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "DATABASE_URL": f"sqlite:///{shared / 'shared.db'}",
        "SECRET_KEY": "two-instances-test-secret",
        # One database, so one pepper and one TOTP key: the password and the second factor work on both.
        "VAULT_PEPPER": "two-instances-test-pepper-0123456789",
        "TOTP_ENC_KEY": "two-instances-test-totp-key-0123456789",
    }
    first = AppServer(tmp_path_factory.mktemp("first"), env=env, script=REALTIME_APP).start()
    second = AppServer(tmp_path_factory.mktemp("second"), env=env, script=REALTIME_APP)
    try:
        second.start()
        second.share_authenticator(first)
        yield first, second
    finally:
        second.stop()
        first.stop()


def test_notification_made_through_one_instance_reaches_a_socket_on_the_other(two_servers, listeners):
    first, second = two_servers
    http = login_over_http(second.url, DEMO_EMAILS["anna"])
    anna = Listener().connect(second.url, cookie_header(http))
    listeners.append(anna)

    response = requests.post(
        first.url + "/_test/notify",
        json={"email": DEMO_EMAILS["anna"], "kind": "new_advice", "question_id": 3},
        timeout=10,
    )
    assert response.status_code == 200
    payload = anna.wait_for("notification", lambda p: p["notification_id"] == response.json()["id"])
    assert payload["question_id"] == 3

    # A real page action on the first instance: the counter on the second follows.
    assert post_form(http, first.url, "/meldingen/alles-gelezen").status_code == 302
    assert anna.wait_for("notification_count")["unread"] == 0
