"""Serve the platform: `python run.py` (HOST and PORT override 127.0.0.1:5000)."""
import os

from config import config_from_env
from expertise import create_app
from expertise.extensions import socketio

app = create_app(config_from_env())

if __name__ == "__main__":
    socketio.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "5000")),
        allow_unsafe_werkzeug=True,
        debug=False,
    )
