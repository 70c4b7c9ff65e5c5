"""Socket.IO against a real server process on loopback, with the python-socketio client.

The server is `tests/support/realtime_app.py`: the real app plus a test-only
`POST /_test/notify` hook (standing in for the domain actions that will call
`notify`) and a `probe` room kind a user may join for their own id only.
"""
import json

import pytest
import requests
import socketio

from ...support.realtime import (
    DEMO_EMAILS,
    Listener,
    cookie_header,
    login_over_http,
    post_form,
)

pytestmark = pytest.mark.slow


def _notify(server, who, kind="new_advice", question_id=1):
    response = requests.post(
        server.url + "/_test/notify",
        json={"email": DEMO_EMAILS[who], "kind": kind, "question_id": question_id},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["id"]


def _listen(server, listeners, who, **kwargs):
    http = login_over_http(server.url, DEMO_EMAILS[who])
    listener = Listener().connect(server.url, cookie_header(http), **kwargs)
    listeners.append(listener)
    return http, listener


def test_logged_in_user_receives_their_notification(realtime_server, listeners):
    _http, anna = _listen(realtime_server, listeners, "anna")
    _http, bram = _listen(realtime_server, listeners, "bram")
    assert anna.client.transport() == "websocket"
    notification_id = _notify(realtime_server, "anna", question_id=2)
    payload = anna.wait_for("notification", lambda p: p["notification_id"] == notification_id)
    assert payload["kind"] == "new_advice" and payload["question_id"] == 2
    assert payload["unread"] >= 1
    assert not any(name == "notification" and p["notification_id"] == notification_id
                   for name, p, _at in bram.events)


def test_anonymous_connection_is_refused(realtime_server, listeners):
    listener = Listener()
    listeners.append(listener)
    with pytest.raises(socketio.exceptions.ConnectionError):
        listener.connect(realtime_server.url)


@pytest.mark.parametrize("transports", [["polling"], ["websocket"]])
def test_foreign_origin_is_refused(realtime_server, listeners, transports):
    http = login_over_http(realtime_server.url, DEMO_EMAILS["anna"])
    listener = Listener()
    listeners.append(listener)
    with pytest.raises(socketio.exceptions.ConnectionError):
        listener.connect(realtime_server.url, cookie_header(http), origin="http://evil.example",
                         transports=transports)


def test_foreign_origin_handshake_gets_400(realtime_server):
    response = requests.get(
        realtime_server.url + "/socket.io/?EIO=4&transport=polling",
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert response.status_code == 400


def test_unregistered_and_forbidden_rooms_are_refused(realtime_server, listeners):
    _http, anna = _listen(realtime_server, listeners, "anna")
    _http, bram = _listen(realtime_server, listeners, "bram")
    own = anna.wait_for  # noqa: F841  (connection is up)
    call = anna.client.call
    assert call("join", {"kind": "question", "id": 999999}, timeout=5) == {"ok": False}
    assert call("join", {"kind": "user", "id": 1}, timeout=5) == {"ok": False}
    assert call("join", {"kind": "nonsense", "id": 1}, timeout=5) == {"ok": False}
    # The probe rule lets a user into probe:<own id> only; learn bram's id from his own join.
    ids = [i for i in range(1, 20) if bram.client.call("join", {"kind": "probe", "id": i}, timeout=5)["ok"]]
    assert len(ids) == 1
    assert call("join", {"kind": "probe", "id": ids[0]}, timeout=5) == {"ok": False}


def test_no_event_payload_carries_identity_or_text(realtime_server, listeners):
    sessions = {who: _listen(realtime_server, listeners, who) for who in ("anna", "eva", "mila")}
    _notify(realtime_server, "anna", "new_advice", 1)
    _notify(realtime_server, "eva", "new_question_in_area", 2)
    _notify(realtime_server, "mila", "held_post", 3)
    post_form(sessions["anna"][0], realtime_server.url, "/meldingen/alles-gelezen")
    sessions["anna"][1].wait_for("notification_count", lambda p: p["unread"] == 0)
    for who, (_http, listener) in sessions.items():
        listener.wait_for("notification")
        for name, payload, _at in listener.events:
            assert name in {"notification", "notification_count"}
            assert set(payload) <= {"notification_id", "kind", "question_id", "unread"}
            text = json.dumps(payload)
            for needle in ("@demo.test", "Anna", "Eva", "Mila", "Zuilen", "Altrecht", "advies", "vraag"):
                assert needle not in text


def test_after_a_reconnect_the_missed_notifications_are_fetched(realtime_server, listeners):
    http, anna = _listen(realtime_server, listeners, "anna")
    seen = _notify(realtime_server, "anna", question_id=1)
    anna.wait_for("notification", lambda p: p["notification_id"] == seen)
    anna.close()
    missed = [_notify(realtime_server, "anna", question_id=n) for n in (2, 3)]
    again = Listener().connect(realtime_server.url, cookie_header(http))
    listeners.append(again)
    feed = http.get(f"{realtime_server.url}/meldingen.json?since={seen}", timeout=10).json()
    assert sorted(n["id"] for n in feed["notifications"]) == missed
    assert [n["text"] for n in feed["notifications"]] == [
        "Er is een nieuw advies op je vraag #3",
        "Er is een nieuw advies op je vraag #2",
    ]
    for item in feed["notifications"]:
        assert "Anna" not in json.dumps(item) and "@demo.test" not in json.dumps(item)


def test_mark_all_read_in_one_tab_updates_the_counter_in_another(realtime_server, listeners):
    http, anna = _listen(realtime_server, listeners, "anna")
    _notify(realtime_server, "anna")
    anna.wait_for("notification")
    assert post_form(http, realtime_server.url, "/meldingen/alles-gelezen").status_code == 302
    assert anna.wait_for("notification_count")["unread"] == 0


def test_logout_ends_the_socket(realtime_server, listeners):
    http, anna = _listen(realtime_server, listeners, "anna")
    assert post_form(http, realtime_server.url, "/uitloggen").status_code == 302
    # The server sweeps ended sessions every 0.5 s here (15 s by default).
    assert anna.disconnected.wait(5), "socket still connected after logout"
