"""The optional deduce worker: tag mapping always; the real worker only where deduce is installed.

The slow tests load deduce (about 1 GB, ~10 s warm). They need a prebuilt cache in
EXPERTISE_DEDUCE_CACHE (see `python -m expertise.moderation.deduce_worker --build-cache DIR`).
"""

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

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


@pytest.fixture(scope="session")
def worker(tmp_path_factory):
    pytest.importorskip("deduce")
    cache = os.environ.get("EXPERTISE_DEDUCE_CACHE")
    if not cache or not (Path(cache) / "cache" / "lookup_structs.pickle").exists():
        pytest.skip("no prebuilt deduce cache in EXPERTISE_DEDUCE_CACHE")
    sock = str(tmp_path_factory.mktemp("deduce") / "worker.sock")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "expertise.moderation.deduce_worker", "--socket", sock, "--cache", cache],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not os.path.exists(sock) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    if not os.path.exists(sock):
        proc.kill()
        pytest.fail("deduce worker did not start")
    yield sock, proc
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.deduce
def test_worker_returns_mapped_spans(worker):
    sock, _ = worker
    text = "Jan de Vries belde op 06-12345678 over zijn dochter."
    spans = deduce_spans(text, timeout=5, path=sock)
    assert spans is not None
    assert ("person_name", "Jan de Vries") in {(s.type, s.text) for s in spans}
    assert "phone" in {s.type for s in spans}
    assert oct(os.stat(sock).st_mode & 0o777) == "0o600"


@pytest.mark.deduce
def test_worker_never_prints_text(worker):
    sock, proc = worker
    deduce_spans("Geheime Naam Pietersen woont hier.", timeout=5, path=sock)
    proc.terminate()
    out, err = proc.communicate(timeout=10)
    assert b"Pietersen" not in out and b"Pietersen" not in err


def test_import_deduce_resets_root_logger(capsys):
    pytest.importorskip("deduce")
    from expertise.moderation.deduce_worker import _import_deduce

    _import_deduce()
    logging.getLogger("probe").debug("secret Jan de Vries")
    assert "secret" not in capsys.readouterr().out
