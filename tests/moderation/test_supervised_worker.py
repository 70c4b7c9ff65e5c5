"""Moderation fails closed while the deduce worker is dead, and the supervisor brings it back.

The worker is run by `deduce_worker.Supervisor` (what run.py uses), killed with SIGKILL,
and a post naming another person is made while it is gone: it is held for a moderator with
the reason "Automatische controle niet beschikbaar"; the health endpoint says so; the log
says so once. Then the supervisor has started the worker again and deduce finds the name.
"""
import logging
import os
import signal
import subprocess
import sys
import time

import pytest

from expertise.extensions import db
from expertise.moderation import deduce_worker, service
from expertise.questions.models import Post, PostStatus

from .. import factories
from .conftest import START_TIMEOUT, _cache_dir

NAMING = "Volgens Gerritsen werkt een vast ritme met vaste bedtijden het best."
UNAVAILABLE = {"code": "check_unavailable", "label": "Automatische controle niet beschikbaar"}


def _wait_answering(sock, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if deduce_worker.probe(sock, timeout=2):
            return True
        time.sleep(0.5)
    return False


def _advise(cast, body):
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    post = factories.make_post(cast.eva, question, body)
    db.session.commit()
    return db.session.get(Post, post.id)


@pytest.mark.deduce
def test_killed_worker_holds_posts_and_comes_back(app, cast, tmp_path, caplog):
    pytest.importorskip("deduce")
    cache = _cache_dir()
    if not (cache / "cache" / "lookup_structs.pickle").exists() and not (cache / "lookup_structs.pickle").exists():
        pytest.skip(f"no prebuilt deduce cache in {cache}")
    client = app.test_client()
    sock = str(tmp_path / "deduce.sock")
    output = open(tmp_path / "worker.out", "wb")
    supervisor = deduce_worker.Supervisor(
        sock, str(cache), min_wait=0.5, stdout=output, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ).start()
    app.config["DEDUCE_SOCKET"] = sock
    app.config["DEDUCE_TIMEOUT"] = 5
    caplog.set_level(logging.INFO)
    try:
        assert _wait_answering(sock, START_TIMEOUT), "the worker did not start"
        assert client.get("/gezondheid").get_json()["status"] == "ok"

        caplog.clear()
        first = supervisor.process
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        before = deduce_worker.fallbacks()
        posts = [_advise(cast, NAMING) for _ in range(2)]
        assert [p.status for p in posts] == [PostStatus.HELD] * 2
        assert [p.moderation_reasons for p in posts] == [[UNAVAILABLE]] * 2
        assert sum(deduce_worker.fallbacks().values()) == sum(before.values()) + 2
        health = client.get("/gezondheid")
        assert health.status_code == 200 and health.headers["Cache-Control"] == "no-store"
        assert health.get_json()["status"] == "degraded"
        assert health.get_json()["deduce"]["available"] is False
        outage = [r for r in caplog.records if "deduce worker unavailable" in r.getMessage()]
        assert len(outage) == 1

        # The moderator sees why.
        assert service.reason_lines(posts[0].moderation_reasons) == ["Automatische controle niet beschikbaar"]

        assert _wait_answering(sock, START_TIMEOUT + 30), "the supervisor did not start the worker again"
        assert supervisor.restarts >= 1 and supervisor.process is not first
        assert "deduce worker exited (code -9)" in caplog.text
        assert client.get("/gezondheid").get_json()["status"] == "ok"
        again = _advise(cast, NAMING)
        assert again.status == PostStatus.HELD
        assert again.moderation_reasons == [
            {"code": "personal_data", "label": "Mogelijk persoonsgegevens", "categories": {"person_name": 1}}
        ]
        assert "answers again" in caplog.text
        assert "Gerritsen" not in caplog.text
    finally:
        app.config["DEDUCE_SOCKET"] = None
        supervisor.stop()
        output.close()
    assert "Gerritsen" not in (tmp_path / "worker.out").read_text(errors="replace")
