"""Serve the platform in development: `python run.py` (HOST and PORT override 127.0.0.1:5000).

BASE_URL follows HOST and PORT unless it is set (config.DevelopmentConfig). Production
runs `run:app` under gunicorn instead (README); this script refuses to serve it.

In development, when EXPERTISE_DEDUCE_CACHE names a built cache (`make run` passes the one
`make install` builds), it also starts the deduce worker (one process, socket in instance/)
and stops it when the server stops. In production
run the worker as its own service instead (README, "Moderation").
"""
import atexit
import os
import subprocess
import sys
from pathlib import Path

from config import config_from_env, serve_address
from expertise import create_app
from expertise.core.devserver import serve

app = create_app(config_from_env())


def start_deduce_worker(app):
    """Start the deduce worker next to the development server; return the process or None."""
    socket_path = app.config.get("DEDUCE_SOCKET")
    if app.config["ENV_NAME"] != "development" or not socket_path:
        return None
    if not os.environ.get("EXPERTISE_DEDUCE_CACHE"):
        return None
    cache = Path(os.environ["EXPERTISE_DEDUCE_CACHE"])
    if not (cache / "cache" / "lookup_structs.pickle").exists():
        print(f"deduce cache not found in {cache}: personal-data checks run without deduce", file=sys.stderr)
        return None
    process = subprocess.Popen([
        sys.executable, "-m", "expertise.moderation.deduce_worker",
        "--socket", socket_path, "--cache", str(cache), "--exit-with-parent",
    ])

    def stop():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    atexit.register(stop)
    return process


if __name__ == "__main__":
    host, port = serve_address()
    start_deduce_worker(app)  # development only
    serve(app, host, port)
