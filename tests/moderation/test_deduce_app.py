"""The app with the deduce worker up and down: names others write are held; rules carry on alone."""
import json
import logging
import socket
import threading

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


UNAVAILABLE = {"code": "check_unavailable", "label": "Automatische controle niet beschikbaar"}


def test_a_post_is_held_for_a_moderator_when_the_worker_is_down(cast, deduce_socket, tmp_path, caplog):
    """Fail closed: a check that cannot run holds the post, with the reason, instead of publishing it."""
    deduce_socket(str(tmp_path / "no-worker.sock"))
    post = _advise(cast, ONLY_DEDUCE)
    assert post.status == PostStatus.HELD
    assert post.moderation_reasons == [UNAVAILABLE]
    # The rules still run alongside, and their findings are kept with it.
    held = _advise(cast, "Zijn moeder is bereikbaar op 06-12345678, bel haar gerust.")
    assert held.status == PostStatus.HELD
    assert {"code": "personal_data", "label": "Mogelijk persoonsgegevens", "categories": {"phone": 1}} in held.moderation_reasons
    assert UNAVAILABLE in held.moderation_reasons
    assert "Gerritsen" not in caplog.text


def test_without_a_configured_worker_the_rules_decide_alone(cast):
    """No socket configured (the deployment does not use deduce): nothing is held for its absence."""
    assert _advise(cast, ONLY_DEDUCE).status == PostStatus.PUBLISHED


def test_importing_the_app_leaves_the_root_logger_alone(app):
    assert logging.getLogger().level != logging.DEBUG


class _FakeWorker:
    """A Unix socket that notes what it was sent and answers `spans` after `release` is set."""

    def __init__(self, path, spans=()):
        self.received = threading.Event()
        self.release = threading.Event()
        self.closed_by_client = threading.Event()
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(1)
        self.spans = list(spans)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.server.accept()
        self.server.close()
        with conn:
            conn.makefile("rb").readline()
            self.received.set()
            self.release.wait(5)
            try:
                conn.sendall(json.dumps({"spans": self.spans}).encode() + b"\n")
                conn.settimeout(5)
                if conn.recv(1) == b"":
                    self.closed_by_client.set()
            except OSError:
                self.closed_by_client.set()


class _NoOrganisation:
    """An author without an organisation (the marketing check asks for its names)."""

    organisation = None


def test_deduce_reads_while_the_rules_run(app, deduce_socket, tmp_path, monkeypatch):
    """The text goes to the worker before the rules start; its names still count afterwards."""
    from expertise.moderation import service

    marketing_decision = service.marketing_decision
    text = "Volgens Gerritsen helpt een vast ritme."
    worker = _FakeWorker(str(tmp_path / "fake.sock"), spans=[[8, 17, "person_name"]])
    deduce_socket(str(tmp_path / "fake.sock"))
    seen_by_worker_first = []

    def rules(*args, **kwargs):
        seen_by_worker_first.append(worker.received.wait(5))
        worker.release.set()
        return marketing_decision(*args, **kwargs)

    monkeypatch.setattr(service, "marketing_decision", rules)

    reasons = service.check_text(text, author=_NoOrganisation, personal_data=True)
    assert seen_by_worker_first == [True]
    assert {"code": "personal_data", "label": "Mogelijk persoonsgegevens", "categories": {"person_name": 1}} in reasons
    assert worker.closed_by_client.wait(5)


def test_the_query_is_closed_when_the_rules_fail(app, deduce_socket, tmp_path, monkeypatch):
    from expertise.moderation import service

    worker = _FakeWorker(str(tmp_path / "fake.sock"))
    worker.release.set()
    deduce_socket(str(tmp_path / "fake.sock"))

    def broken(*args, **kwargs):
        raise RuntimeError("rules failed")

    monkeypatch.setattr(service, "marketing_decision", broken)

    with pytest.raises(RuntimeError):
        service.check_text("Een vast ritme helpt.", author=_NoOrganisation, personal_data=True)
    assert worker.closed_by_client.wait(5)


@pytest.mark.deduce
def test_the_owners_warning_marks_what_only_deduce_found_and_names_it(cast, login, deduce_worker, deduce_socket):
    """Issue 19 item 4: deduce reads the owner's texts too; the warning says which detector found each span."""
    from ..questions.residents import ask, count_questions

    deduce_socket(deduce_worker[0])
    page = ask(login(cast.anna), cast, situation=ONLY_DEDUCE).get_data(as_text=True)
    assert count_questions() == 0
    assert '<mark class="pii pii--person_name">Gerritsen</mark>' in page
    assert "gevonden door: deduce" in page


@pytest.mark.deduce
def test_rules_and_deduce_together_on_the_development_set(deduce_worker):
    """A regression floor on the development set (the figures were reached after reading it)."""
    from pathlib import Path

    from expertise.moderation.deduce_worker import deduce_spans
    from expertise.moderation.evaluate import evaluate_privacy

    lines = evaluate_privacy(Path(__file__).resolve().parents[2] / "data" / "dev" / "pii_dev.jsonl", detectors="all",
                             deduce=lambda text: deduce_spans(text, 10.0, path=deduce_worker[0]))
    p, r = (float(part.split("=")[1]) for part in lines[-1].split()[:2])
    assert r >= 0.97 and p >= 0.90, lines[-1]
    assert any(line.strip().startswith("found by deduce:") for line in lines)
