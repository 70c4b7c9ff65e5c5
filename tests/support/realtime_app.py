"""The platform with test-only hooks for real-time tests and the fan-out benchmark.

Served like `run.py` (`python tests/support/realtime_app.py`); the real app
never imports this file, so these hooks exist only in test processes:

- `POST /_test/notify` with JSON `{"email", "kind", "question_id"}` calls
  `realtime.notify` in the server process and commits, as a domain action
  will once questions and posts exist; it answers `{"id": <notification id>}`.
- room kind `probe`: a user may join `probe:<own user id>` and nothing else,
  standing in for the questions area's `register_room("question", ...)`.
- with `BENCHMARK_COMMIT_LOG=<file>` set, every commit that publishes posts
  appends "<post id> <time.time()>" lines to that file just before the events
  go out, so the fan-out benchmark can time from the commit as well as from
  the POST.
- with `EXPERTISE_TEST_FAIL_POST_INSERTS=1` set, every INSERT into `post` fails as SQLite's
  does under concurrent writers ("database is locked", raised by the driver with the post's
  text among the statement's parameters), for the error-page tests.
"""
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flask import Blueprint, abort, jsonify, request  # noqa: E402
from sqlalchemy import event  # noqa: E402

from config import config_from_env  # noqa: E402
from expertise import create_app  # noqa: E402
from expertise.accounts.models import User  # noqa: E402
from expertise.core.time import utcnow  # noqa: E402
from expertise.core.devserver import serve  # noqa: E402
from expertise.extensions import csrf, db  # noqa: E402
from expertise.realtime import notify, register_room  # noqa: E402
from expertise.realtime.service import pending_events  # noqa: E402

app = create_app(config_from_env())
hooks = Blueprint("test_hooks", __name__)


@hooks.route("/_test/notify", methods=["POST"])
def notify_for_test():
    """Create one notification for the user with this e-mail address (test servers only)."""
    if request.remote_addr != "127.0.0.1":
        abort(404)
    data = request.get_json(force=True)
    user = db.session.scalar(db.select(User).filter_by(email=data["email"]))
    if user is None:
        abort(404)
    notification = notify(user, data["kind"], question_id=data.get("question_id"), now=utcnow())
    db.session.commit()
    return jsonify(id=notification.id)


def _log_commit(_session):
    # Runs first of the after-commit hooks, before the events are emitted.
    stamp = time.time()
    published = [payload["post_id"] for name, payload, _room in pending_events() if name == "post_published"]
    if published:
        with open(os.environ["BENCHMARK_COMMIT_LOG"], "a") as log:
            log.writelines(f"{post_id} {stamp}\n" for post_id in published)


def _locked_post_insert(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith("INSERT INTO POST "):
        raise conn.dialect.dbapi.OperationalError("database is locked")


if os.environ.get("EXPERTISE_TEST_FAIL_POST_INSERTS"):
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _locked_post_insert)

if os.environ.get("BENCHMARK_COMMIT_LOG"):
    event.listen(db.session, "after_commit", _log_commit, insert=True)

csrf.exempt(hooks)
app.register_blueprint(hooks)
register_room("probe", lambda user, object_id: user.id == object_id)

if __name__ == "__main__":
    serve(app, "127.0.0.1", int(os.environ["PORT"]))
