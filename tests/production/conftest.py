"""Tests against DESIGN.md's production shape: gunicorn with gevent(-websocket) workers.

They talk to server processes, not to an app in this process, and need gunicorn and gevent
(`make install-test`); without them they are skipped (failed under CI=true).
"""
import importlib.util

import pytest

from ..support.servers import skip_or_fail


@pytest.fixture(autouse=True)
def _app_context():
    """No app context here: the app runs in the server processes."""
    yield


@pytest.fixture(scope="session", autouse=True)
def _production_extras():
    for module in ("gunicorn", "gevent", "geventwebsocket"):
        if importlib.util.find_spec(module) is None:
            skip_or_fail(f"{module} is not installed (make install-test installs it)")
