"""Socket.IO handlers: who may connect, which rooms they may join.

A socket belongs to the same server-side session as the browser's pages: the
Flask session cookie sent with the handshake holds `sid`, which
`accounts.service.load_session` resolves (and which logout and time-outs
delete). Anonymous sockets are refused in `connect`; foreign origins are
refused by Engine.IO itself (`cors_allowed_origins`: BASE_URL's origin). Every
connected socket joins `user:<id>`; other rooms are joined with a `join`
event whose kind a domain area has registered together with its access rule
(`register_room("question", check)`), re-checking the session each time.
A background sweep disconnects the sockets whose session has ended.
"""
import logging
import threading

from flask import current_app, request, session
from flask_socketio import ConnectionRefusedError, disconnect, join_room, leave_room

from ..core.time import utcnow
from ..extensions import db, socketio

log = logging.getLogger(__name__)

_ROOM_CHECKS = {}

# Sockets connected to this process: socket sid -> (user id, session row id).
_SOCKETS = {}
_SOCKETS_LOCK = threading.Lock()
_SWEEPER = {"started": False}


def register_room(kind, check):
    """Let sockets join rooms `<kind>:<id>` when `check(user, object_id)` returns True.

    The domain area that owns the object passes its own access rule, e.g.
    `register_room("question", lambda user, qid: can_see_question(user, qid))`,
    so this module never imports the domains. `user` is the live `User`.
    """
    if not kind.isidentifier() or not kind.islower() or kind == "user":
        raise ValueError(f"invalid room kind {kind!r}")
    _ROOM_CHECKS[kind] = check


def unregister_room(kind):
    """Remove a room kind (for tests and benchmarks)."""
    _ROOM_CHECKS.pop(kind, None)


def room_name(kind, object_id):
    """Return the room name for an object: `question:12`, `user:3`."""
    return f"{kind}:{int(object_id)}"


def _session_user():
    """Return (user, session row) of the live server-side session of this socket, or (None, None)."""
    from ..accounts.service import load_session

    row = load_session(session.get("sid"), utcnow())
    db.session.commit()  # load_session touches or deletes the row
    if row is None:
        return None, None
    return row.user, row


@socketio.on("connect")
def _connect(auth=None):
    """Accept only sockets of a live session, and put each in its user's room."""
    user, row = _session_user()
    if user is None:
        raise ConnectionRefusedError("unauthorized")
    with _SOCKETS_LOCK:
        _SOCKETS[request.sid] = (user.id, row.id)
    join_room(room_name("user", user.id))
    _start_sweeper(current_app._get_current_object())


@socketio.on("disconnect")
def _disconnect(reason=None):
    with _SOCKETS_LOCK:
        _SOCKETS.pop(request.sid, None)


def _parse_room(data):
    if not isinstance(data, dict):
        return None, None
    kind, object_id = data.get("kind"), data.get("id")
    if not isinstance(kind, str) or isinstance(object_id, bool) or not isinstance(object_id, int):
        return None, None
    return kind, object_id


@socketio.on("join")
def _join(data=None):
    """Join `<kind>:<id>` if the registered rule allows it; answer {"ok": bool}.

    An unknown kind and a forbidden object get the same answer. A socket
    whose session has ended is disconnected instead.
    """
    user, _row = _session_user()
    if user is None:
        disconnect()
        return {"ok": False}
    kind, object_id = _parse_room(data)
    check = _ROOM_CHECKS.get(kind)
    try:
        allowed = check is not None and bool(check(user, object_id))
    except Exception as error:  # a failing check refuses; it never lets in
        log.error("room check for %s failed: %s", kind, type(error).__name__)
        allowed = False
    finally:
        db.session.rollback()
    if not allowed:
        return {"ok": False}
    join_room(room_name(kind, object_id))
    return {"ok": True}


@socketio.on("leave")
def _leave(data=None):
    kind, object_id = _parse_room(data)
    if kind is None or kind == "user":
        return {"ok": False}
    leave_room(room_name(kind, object_id))
    return {"ok": True}


# --- ending sockets whose session ended -----------------------------------------


def _start_sweeper(app):
    if not app.config.get("SOCKETIO_SESSION_CHECK_SECONDS"):
        return
    with _SOCKETS_LOCK:
        if _SWEEPER["started"]:
            return
        _SWEEPER["started"] = True
    socketio.start_background_task(_sweep_forever, app)


def _sweep_forever(app):
    interval = app.config["SOCKETIO_SESSION_CHECK_SECONDS"]
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                sweep_ended_sessions(utcnow())
        except Exception as error:
            log.error("socket session sweep failed: %s", type(error).__name__)


def sweep_ended_sessions(now):
    """Disconnect this process's sockets whose server-side session is gone or timed out."""
    from ..accounts.models import UserSession

    with _SOCKETS_LOCK:
        sockets = dict(_SOCKETS)
    if not sockets:
        return 0
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    session_ids = {row_id for _user_id, row_id in sockets.values()}
    live = set(
        db.session.scalars(
            db.select(UserSession.id).filter(
                UserSession.id.in_(session_ids),
                UserSession.expires_at > now,
                UserSession.last_seen_at > now - idle,
            )
        )
    )
    db.session.rollback()
    ended = [sid for sid, (_user_id, row_id) in sockets.items() if row_id not in live]
    for sid in ended:
        with _SOCKETS_LOCK:
            _SOCKETS.pop(sid, None)
        socketio.server.disconnect(sid, ignore_queue=True)
    return len(ended)
