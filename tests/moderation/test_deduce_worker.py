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
    assert map_tag("leeftijd") is None


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
