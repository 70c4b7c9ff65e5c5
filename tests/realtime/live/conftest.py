"""A real server process (with test-only hooks) and real python-socketio clients."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from ...support.servers import ROOT, AppServer

REALTIME_APP = ROOT / "tests" / "support" / "realtime_app.py"


@pytest.fixture(autouse=True)
def _app_context():
    """Live tests talk to a server process, not to an app in this process."""
    yield


@pytest.fixture(scope="session")
def realtime_server(tmp_path_factory):
    server = AppServer(
        tmp_path_factory.mktemp("realtime"),
        env={"RATELIMIT_ENABLED": "false", "SOCKETIO_SESSION_CHECK_SECONDS": "0.5"},
        script=REALTIME_APP,
    ).start()
    yield server
    server.stop()


@pytest.fixture
def listeners():
    """Collect Listener objects and close them after the test (in parallel: each takes a while)."""
    opened = []
    yield opened
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda listener: listener.close(), opened))
