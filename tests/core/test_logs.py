"""The access logs carry no query text, whatever it holds (issue 24 item 12).

The probe sent a raw `"` in a query string: the old pattern stopped at the
quote and logged the rest. Each test drives the real logger (werkzeug's
development server over a socket, gunicorn's access logger) and reads what
it wrote.
"""
import logging
import socket
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from expertise.core.logs import redact

SECRET = "Sietske Wolderink"
RAW_QUERIES = [
    '/vragen?zoek=a"Sietske Wolderink',
    '/vragen?zoek="Sietske%20Wolderink"&pagina=2',
    "/vragen?zoek=x'Sietske\tWolderink",
    "/vragen?zoek=Sietske Wolderink HTTP/1.0 x",
]


@pytest.mark.parametrize("text", [
    '"GET /vragen?zoek=a"Sietske Wolderink HTTP/1.1" 200 -',
    '"GET /vragen?zoek=Sietske Wolderink HTTP/1.1" 400 -',
    "GET /vragen?q=%22Sietske+Wolderink%22",
])
def test_redact_removes_the_whole_query(text):
    assert "Sietske" not in redact(text) and "Wolderink" not in redact(text)
    assert "?…" in redact(text)


@pytest.fixture
def dev_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(5)


def _raw_request(port, target):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        while connection.recv(65536):
            pass


@pytest.mark.parametrize("target", RAW_QUERIES)
def test_werkzeug_access_log_has_no_query_text(dev_server, caplog, target):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        _raw_request(dev_server, target)
        for _ in range(50):
            if any(r.name == "werkzeug" for r in caplog.records):
                break
            threading.Event().wait(0.05)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert lines, "the server logged nothing"
    for line in lines:
        assert "Sietske" not in line and "Wolderink" not in line, line
        assert "/vragen?…" in line, line  # the path stays: operators need the route


def test_gunicorn_access_log_has_no_query_text(app):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(q)s %(U)s %({query_string}e)s')
    logger = Logger(config)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.access_log.addHandler(handler)
    try:
        for target in RAW_QUERIES:
            path, query = target.split("?", 1)
            environ = {"REQUEST_METHOD": "GET", "RAW_URI": target, "SERVER_PROTOCOL": "HTTP/1.1",
                       "PATH_INFO": path, "QUERY_STRING": query, "REMOTE_ADDR": "127.0.0.1",
                       "HTTP_REFERER": f"http://127.0.0.1{target}"}
            response = SimpleNamespace(status="200 OK", sent=10, headers=[])
            logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    finally:
        logger.access_log.removeHandler(handler)
    assert len(records) == len(RAW_QUERIES)
    for record in records:
        line = record.getMessage()
        assert "Sietske" not in line and "Wolderink" not in line, line
        assert '"GET /vragen?… HTTP/1.1"' in line, line
