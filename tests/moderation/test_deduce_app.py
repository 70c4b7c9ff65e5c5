"""The app with the deduce worker up and down: names others write are held; rules carry on alone."""
import logging

import pytest

from expertise.extensions import db
from expertise.questions.models import Post, PostStatus

from .. import factories

# The rule detectors miss this name; deduce finds "Volgens Gerritsen".
ONLY_DEDUCE = "Volgens Gerritsen werkt een vast ritme met vaste bedtijden het best."


@pytest.fixture
def deduce_socket(app):
    """Point the app at a socket for one test, and back at none afterwards."""
    def use(path):
        app.config["DEDUCE_SOCKET"] = path
    yield use
    app.config["DEDUCE_SOCKET"] = None


def _advise(cast, body):
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    post = factories.make_post(cast.eva, question, body)
    db.session.commit()
    return db.session.get(Post, post.id)


@pytest.mark.deduce
def test_another_persons_name_is_held_when_the_worker_is_up(cast, deduce_worker, deduce_socket, caplog):
    sock, _proc, output = deduce_worker
    deduce_socket(sock)
    caplog.set_level(logging.DEBUG)
    post = _advise(cast, ONLY_DEDUCE)
    assert post.status == PostStatus.HELD
    assert post.moderation_reasons == [
        {"code": "personal_data", "label": "Mogelijk persoonsgegevens", "categories": {"person_name": 1}}
    ]
    # No text reaches a log: not the app's, not the worker's, and the root logger is not DEBUG.
    assert "Gerritsen" not in caplog.text
    assert "Gerritsen" not in output.read_text(errors="replace")


def test_rule_checks_work_on_when_the_worker_is_down(cast, deduce_socket, tmp_path):
    deduce_socket(str(tmp_path / "no-worker.sock"))
    assert _advise(cast, ONLY_DEDUCE).status == PostStatus.PUBLISHED
    held = _advise(cast, "Zijn moeder is bereikbaar op 06-12345678, bel haar gerust.")
    assert held.status == PostStatus.HELD
    assert {"code": "personal_data", "label": "Mogelijk persoonsgegevens", "categories": {"phone": 1}} in held.moderation_reasons


def test_importing_the_app_leaves_the_root_logger_alone(app):
    assert logging.getLogger().level != logging.DEBUG
