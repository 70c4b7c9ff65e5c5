"""Serve the platform in development: `python run.py` (HOST and PORT override 127.0.0.1:5000).

BASE_URL follows HOST and PORT unless it is set (config.DevelopmentConfig). Production
runs `run:app` under gunicorn instead (README); this script refuses to serve it.

In development, when EXPERTISE_DEDUCE_CACHE names a built cache (`make run` passes the one
`make install` builds), it also starts the deduce worker (one process, socket in instance/),
starts it again whenever it exits, and stops it when the server stops. Without a cache the
development server does not ask deduce. In production run the worker as its own service,
restarted by the service manager, instead (README, "The deduce worker").
"""
import atexit
import os
import sys
from pathlib import Path

from config import config_from_env, serve_address
from expertise import create_app
from expertise.core.devserver import serve
from expertise.moderation.deduce_worker import Supervisor

app = create_app(config_from_env())


def start_deduce_worker(app):
    """Start the supervised deduce worker next to the development server; return the Supervisor or None.

    When no worker is started, the app stops asking deduce (a configured socket without a worker
    would hold every post for a moderator: the check fails closed).
    """
    socket_path = app.config.get("DEDUCE_SOCKET")
    if app.config["ENV_NAME"] != "development" or not socket_path:
        return None
    cache = Path(os.environ["EXPERTISE_DEDUCE_CACHE"]) if os.environ.get("EXPERTISE_DEDUCE_CACHE") else None
    if cache is None or not (cache / "cache" / "lookup_structs.pickle").exists():
        if cache is not None:
            print(f"deduce cache not found in {cache}: personal-data checks run without deduce", file=sys.stderr)
        app.config["DEDUCE_SOCKET"] = None
        return None
    supervisor = Supervisor(socket_path, str(cache)).start()
    atexit.register(supervisor.stop)
    return supervisor


if __name__ == "__main__":
    host, port = serve_address()
    start_deduce_worker(app)  # development only
    serve(app, host, port)
