"""The development server of `python run.py` (`make run`): werkzeug, threaded.

Flask-SocketIO's threading mode needs nothing more than a threaded werkzeug
server (its WebSockets run on simple-websocket through `werkzeug.socket`).
`socketio.run` would start the same server through `app.run`, which prints
werkzeug's "do not use it in a production deployment" banner and, without a
terminal, Flask-SocketIO's "Werkzeug appears to be used in a production
deployment" warning: noise in development. Production never gets here: it
runs under gunicorn (README), and `serve` refuses the production
configuration.
"""
from werkzeug.serving import make_server


def serve(app, host, port):
    """Serve `app` on host:port until interrupted (Ctrl-C); refuse the production configuration."""
    if app.config.get("ENV_NAME") == "production":
        raise SystemExit("run.py serves development only; production runs under gunicorn (see README)")
    server = make_server(host, port, app, threaded=True)
    print(f"Development server on {host}:{server.port}: open {app.config['BASE_URL']} (Ctrl-C stops it)",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
