"""Socket.IO handlers in-process: authentication, rooms, payloads (see tests/realtime/live for a real server)."""
import json

import pytest

from expertise.core.time import utcnow
from expertise.extensions import db, socketio
from expertise.realtime import register_room
from expertise.realtime.events import unregister_room
from expertise.realtime.service import ALLOWED_PAYLOAD_KEYS, mark_all_read, notify


@pytest.fixture
def socket_for(app, login):
    """Return a function giving a Socket.IO test client sharing a logged-in browser's cookie."""
    clients = []

    def _socket_for(user):
        browser = login(user)
        client = socketio.test_client(app, flask_test_client=browser.client)
        clients.append(client)
        client.browser = browser
        return client

    yield _socket_for
    for client in clients:
        if client.is_connected():
            client.disconnect()


@pytest.fixture
def own_room():
    register_room("probe", lambda user, object_id: user.id == object_id)
    yield
    unregister_room("probe")


def test_anonymous_socket_is_refused(app):
    client = socketio.test_client(app, flask_test_client=app.test_client())
    assert not client.is_connected()


def test_user_receives_own_notifications_only(cast, socket_for, qid):
    anna, bram = socket_for(cast.anna), socket_for(cast.bram)
    notify(cast.anna, "new_advice", question_id=qid(5), actor=cast.eva, now=utcnow())
    db.session.commit()
    received = anna.get_received()
    assert [r["name"] for r in received] == ["notification"]
    assert received[0]["args"][0]["unread"] == 1
    assert bram.get_received() == []


def test_no_payload_carries_names_or_text(cast, socket_for, qid):
    clients = [socket_for(person) for person in cast.everyone()]
    for person in cast.everyone():
        notify(person, "new_reply", question_id=qid(77), actor=cast.eva, now=utcnow())
    db.session.commit()
    mark_all_read(cast.anna, utcnow())
    db.session.commit()
    for client in clients:
        for packet in client.get_received():
            for payload in packet["args"]:
                assert set(payload) <= ALLOWED_PAYLOAD_KEYS
            text = json.dumps(packet)
            for person in cast.everyone():
                assert person.name not in text and person.email not in text


def test_join_checks_the_registered_rule(cast, socket_for, own_room):
    anna = socket_for(cast.anna)
    assert anna.emit("join", {"kind": "probe", "id": cast.anna.id}, callback=True) == {"ok": True}
    assert anna.emit("join", {"kind": "probe", "id": cast.bram.id}, callback=True) == {"ok": False}


@pytest.mark.parametrize("data", [{"kind": "question", "id": 1}, {"kind": "user", "id": 2}, {"kind": "probe"}, "probe:1", None])
def test_join_of_unknown_or_malformed_room_is_refused(cast, socket_for, own_room, data):
    anna = socket_for(cast.anna)
    assert anna.emit("join", data, callback=True) == {"ok": False}


def test_a_failing_room_check_refuses(cast, socket_for):
    register_room("broken", lambda user, object_id: 1 / 0)
    try:
        assert socket_for(cast.anna).emit("join", {"kind": "broken", "id": 1}, callback=True) == {"ok": False}
    finally:
        unregister_room("broken")


def test_join_after_logout_disconnects(cast, socket_for, own_room):
    anna = socket_for(cast.anna)
    anna.browser.logout()
    anna.emit("join", {"kind": "probe", "id": cast.anna.id}, callback=True)
    assert not anna.is_connected()
