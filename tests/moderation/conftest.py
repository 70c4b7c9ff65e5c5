"""One deduce worker per test session, shared by every test that needs deduce.

The worker loads deduce once (about 1 GB, 10–30 s from a warm cache). The cache comes from
EXPERTISE_DEDUCE_CACHE or `.venv/deduce-cache`, which `make install` builds. Outside CI a
missing deduce or cache skips these tests; in CI (CI=true) it fails them.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..support.servers import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180


def _cache_dir():
    return Path(os.environ.get("EXPERTISE_DEDUCE_CACHE") or ROOT / ".venv" / "deduce-cache")


@pytest.fixture(scope="session")
def deduce_worker(tmp_path_factory):
    """Start the worker once; yield (socket path, process, output file). Stopped at the end."""
    try:
        import deduce  # noqa: F401
    except ImportError:
        skip_or_fail("deduce is not installed")
    cache = _cache_dir()
    if not (cache / "lookup_structs.pickle").exists() and not (cache / "cache" / "lookup_structs.pickle").exists():
        skip_or_fail(f"no prebuilt deduce cache in {cache} (make install builds it)")
    folder = tmp_path_factory.mktemp("deduce")
    sock = str(folder / "worker.sock")
    output = folder / "worker.out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with open(output, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "expertise.moderation.deduce_worker", "--socket", sock, "--cache", str(cache)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not os.path.exists(sock) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    if not os.path.exists(sock):
        proc.kill()
        pytest.fail("deduce worker did not start: " + output.read_text(errors="replace")[-2000:])
    yield sock, proc, output
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)
