"""The deduce worker: tag mapping, the client when the worker is down, and the real worker.

The real worker is one session-wide process (tests/moderation/conftest.py).
"""

import logging
import os
import time

import pytest

from expertise.moderation.deduce_worker import deduce_spans, map_tag



def test_deduce_tags_map_to_our_span_types():
    assert map_tag("persoon") == "person_name"
    assert map_tag("patient") == "person_name"
    assert map_tag("prefix+persoon") == "person_name"
    assert map_tag("telefoonnummer") == "phone"
    assert map_tag("zorginstelling") == "institution"
    assert map_tag("leeftijd") == "age"  # shown only next to a name (pii.usable_deduce_spans)


def test_client_returns_none_when_worker_is_down(tmp_path):
    assert deduce_spans("Jan de Vries", timeout=0.1, path=str(tmp_path / "absent.sock")) is None


@pytest.mark.deduce
def test_worker_returns_mapped_spans(deduce_worker):
    sock, _proc, _out = deduce_worker
    text = "Jan de Vries belde op 06-12345678 over zijn dochter."
    spans = deduce_spans(text, timeout=5, path=sock)
    assert spans is not None
    assert ("person_name", "Jan de Vries") in {(s.type, s.text) for s in spans}
    assert "phone" in {s.type for s in spans}
    assert oct(os.stat(sock).st_mode & 0o777) == "0o600"


@pytest.mark.deduce
def test_place_names_only_for_whoever_asks_for_them(deduce_worker):
    """The guard does not warn on "woont in Almere"; the knowledge base's scrub replaces it."""
    sock = deduce_worker[0]
    text = "Vader woont in Almere en werkt in Utrecht."
    assert not [s for s in deduce_spans(text, timeout=5, path=sock) if s.text == "Almere"]
    places = [s for s in deduce_spans(text, timeout=5, path=sock, places=True) if s.text in ("Almere", "Utrecht")]
    assert {s.text for s in places} == {"Almere", "Utrecht"}


@pytest.mark.deduce
def test_worker_never_prints_text(deduce_worker):
    sock, _proc, output = deduce_worker
    assert deduce_spans("Geheime Naam Pietersen woont hier.", timeout=5, path=sock) is not None
    assert deduce_spans("not json at all {", timeout=5, path=sock) is not None
    time.sleep(0.2)
    assert "Pietersen" not in output.read_text(errors="replace")


def test_import_deduce_resets_root_logger(capsys):
    pytest.importorskip("deduce")
    from expertise.moderation.deduce_worker import _import_deduce

    before = logging.getLogger().level
    _import_deduce()
    assert logging.getLogger().level == before != logging.DEBUG
    logging.getLogger("probe").debug("secret Jan de Vries")
    captured = capsys.readouterr()
    assert "secret" not in captured.out and "secret" not in captured.err


@pytest.mark.deduce
def test_worker_answers_every_development_text(deduce_worker):
    """Every text of the development sets gets spans back: no reply the worker cannot serialise."""
    import json
    from pathlib import Path

    from expertise.moderation import deduce_worker as client

    sock, proc, _out = deduce_worker
    data = Path(__file__).resolve().parents[2] / "data" / "dev"
    texts = [json.loads(line)["text"] for name in ("pii_dev.jsonl", "marketing_dev.jsonl")
             for line in (data / name).read_text().splitlines() if line.strip()]
    assert len(texts) == 350
    before = client.fallbacks()
    unanswered = [i for i, text in enumerate(texts) if deduce_spans(text, timeout=10, path=sock) is None]
    assert unanswered == []
    assert client.fallbacks() == before
    assert proc.poll() is None


def test_fallbacks_are_counted_by_type_and_an_outage_logged_once(tmp_path, caplog):
    import socket as socketlib
    import threading

    from expertise.moderation import deduce_worker as client

    absent = str(tmp_path / "absent.sock")
    before = client.fallbacks()
    caplog.set_level(logging.INFO, logger="expertise.moderation.deduce_worker")
    for _ in range(3):
        assert deduce_spans("Jan Pietersen", timeout=0.1, path=absent) is None
    assert client.fallbacks().get("unreachable", 0) == before.get("unreachable", 0) + 3
    assert client.status()["available"] is False
    outage_lines = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(outage_lines) <= 1  # once per outage (none when an earlier test began it)

    # A worker that answers an error counts as a fallback of its own kind; one that answers
    # spans ends the outage.
    path = str(tmp_path / "w.sock")
    server = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
    server.bind(path)
    server.listen(2)
    replies = [b'{"error": "bad request"}\n', b'{"spans": [[0, 3, "person_name"]]}\n']

    def serve():
        for reply in replies:
            conn, _ = server.accept()
            with conn:
                conn.makefile("rb").readline()
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    assert deduce_spans("Jan Pietersen", timeout=2, path=path) is None
    assert client.fallbacks().get("worker_error", 0) == before.get("worker_error", 0) + 1
    assert [s.text for s in deduce_spans("Jan Pietersen", timeout=2, path=path)] == ["Jan"]
    assert client.status()["available"] is True
    assert "answers again" in caplog.text
    assert "Pietersen" not in caplog.text
    server.close()
