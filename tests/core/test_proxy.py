"""X-Forwarded-* are believed from the trusted proxy only (expertise.core.proxy)."""
from werkzeug.test import Client
from werkzeug.wrappers import Response

from config import TestConfig
from expertise import create_app
from expertise.core.proxy import TrustedProxyFix

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "expertise.example.nl"}


def _echo(environ, start_response):
    seen = f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']} {environ['HTTP_HOST']}"
    return Response(seen)(environ, start_response)


def _seen(app, peer, headers):
    return Client(app).get("/", headers=headers, environ_base={"REMOTE_ADDR": peer}).get_data(as_text=True)


def test_the_trusted_proxy_names_the_client_address_scheme_and_host():
    app = TrustedProxyFix(_echo, ["127.0.0.1"])
    assert _seen(app, "127.0.0.1", FORWARDED) == "203.0.113.7 https expertise.example.nl"


def test_anyone_else_cannot_choose_their_address():
    app = TrustedProxyFix(_echo, ["127.0.0.1"])
    assert _seen(app, "198.51.100.2", FORWARDED) == "198.51.100.2 http localhost"


def test_only_the_last_hop_counts_when_a_client_sends_its_own_header_through_the_proxy():
    # nginx overwrites X-Forwarded-For (deploy/nginx); were one appended, one hop is all that is read.
    app = TrustedProxyFix(_echo, ["127.0.0.1"])
    headers = {**FORWARDED, "X-Forwarded-For": "10.0.0.1, 203.0.113.7"}
    assert _seen(app, "127.0.0.1", headers).split()[0] == "203.0.113.7"


def _app_with(trusted):
    config = TestConfig()
    config.TRUSTED_PROXIES = trusted
    app = create_app(config)

    @app.get("/_peer")
    def peer():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    return app


def test_the_app_is_wrapped_only_when_proxies_are_configured():
    trusting = _app_with(("127.0.0.1",)).test_client()
    plain = _app_with(()).test_client()
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert trusting.get("/_peer", headers=headers).get_data(as_text=True) == "203.0.113.7 https"
    assert plain.get("/_peer", headers=headers).get_data(as_text=True) == "127.0.0.1 http"
