"""BASE_URL: development follows HOST and PORT, Socket.IO accepts its origin, a mismatch is logged once."""
import logging

import pytest

from config import DevelopmentConfig, ProductionConfig, TestConfig, serve_address
from expertise import ConfigError, create_app
from expertise.core.devserver import serve
from expertise.core.origins import OriginError, origin_of

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture(autouse=True)
def _app_context():
    """These tests build their own apps."""
    yield


@pytest.fixture
def no_address(monkeypatch):
    for name in ("BASE_URL", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_development_base_url_follows_host_and_port(no_address):
    assert DevelopmentConfig().BASE_URL == "http://127.0.0.1:5000"
    no_address.setenv("PORT", "5101")
    assert DevelopmentConfig().BASE_URL == "http://127.0.0.1:5101"
    no_address.setenv("HOST", "LocalHost")
    assert DevelopmentConfig().BASE_URL == "http://localhost:5101"
    no_address.setenv("BASE_URL", "https://expertise.example.org")
    assert DevelopmentConfig().BASE_URL == "https://expertise.example.org"


@pytest.mark.parametrize(
    ("host", "expected"),
    [("0.0.0.0", "http://127.0.0.1:8080"), ("::", "http://[::1]:8080"), ("::1", "http://[::1]:8080")],
)
def test_a_server_on_every_address_or_ipv6_gets_a_base_url_a_browser_can_open(no_address, host, expected):
    no_address.setenv("HOST", host)
    no_address.setenv("PORT", "8080")
    assert DevelopmentConfig().BASE_URL == expected


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1"])
def test_a_bad_port_is_a_clear_error(no_address, port):
    no_address.setenv("PORT", port)
    with pytest.raises(SystemExit, match="PORT must be a port number"):
        serve_address()


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://expertise.example.org/", "https://expertise.example.org"),
        ("HTTPS://Expertise.Example.org:443/platform", "https://expertise.example.org"),
        ("http://127.0.0.1:5101", "http://127.0.0.1:5101"),
        ("http://example.org:80", "http://example.org"),
        ("http://[::1]:5000/", "http://[::1]:5000"),
    ],
)
def test_origin_of_base_url_is_what_browsers_send(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize("url", ["", "expertise.example.org", "ftp://example.org", "http://", "http://x:99999"])
def test_origin_of_refuses_what_is_no_http_url(url):
    with pytest.raises(OriginError):
        origin_of(url)


def _test_app(tmp_path, base_url):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.db'}"
    config.INSTANCE_PATH = str(tmp_path)
    config.BASE_URL = base_url
    return create_app(config)


def test_an_unusable_base_url_stops_the_app_with_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="BASE_URL must be the public address"):
        _test_app(tmp_path, "expertise.example.org")


def test_socket_io_accepts_base_urls_origin_however_base_url_is_spelled(tmp_path):
    client = _test_app(tmp_path, "HTTPS://Expertise.Example.org/").test_client()
    accepted = client.get(HANDSHAKE, headers={"Origin": "https://expertise.example.org"})
    assert accepted.status_code == 200 and accepted.get_data(as_text=True).startswith("0{")
    refused = client.get(HANDSHAKE, headers={"Origin": "https://other.example.org"})
    assert refused.status_code == 400


def _production_app(base_url):
    config = ProductionConfig()
    config.SECRET_KEY = "x" * 40
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    config.VAULT_PEPPER = "p" * 40
    config.AUDIT_MAC_KEY = "a" * 40
    config.TOTP_ENC_KEY = "t" * 40
    config.BASE_URL = base_url
    return create_app(config)


def _config_errors(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and "BASE_URL" in r.getMessage()]


def test_production_logs_a_browser_at_another_origin_once(caplog):
    client = _production_app("https://expertise.example.org").test_client()
    caplog.set_level(logging.INFO)

    # The right origin, and another site's page posting here: no configuration error.
    client.get("/inloggen", base_url="https://expertise.example.org",
               headers={"Origin": "https://expertise.example.org"})
    client.post("/inloggen", base_url="https://expertise.example.org",
                headers={"Origin": "https://evil.example"})
    assert _config_errors(caplog) == []

    # People reach it over plain http on another port: their browsers' requests, pages and
    # socket handshakes alike, name that origin.
    client.set_cookie("ep_session", "jan-de-vries-cookie")
    for path in ("/inloggen?email=jan.de.vries@example.org", HANDSHAKE, "/"):
        client.post(path, base_url="http://expertise.example.org:8000",
                    headers={"Origin": "http://expertise.example.org:8000"})
    errors = _config_errors(caplog)
    assert len(errors) == 1, errors
    assert "https://expertise.example.org" in errors[0]
    assert "http://expertise.example.org:8000" in errors[0]
    assert "jan" not in caplog.text and "inloggen" not in errors[0]


def test_a_malformed_origin_header_is_neither_logged_nor_an_error(caplog):
    client = _production_app("https://expertise.example.org").test_client()
    for origin in ("http://evil\nexample", "null", "http://evil example", "javascript:alert(1)"):
        host = origin.split("://", 1)[-1]
        response = client.get("/inloggen", environ_overrides={"HTTP_ORIGIN": origin, "HTTP_HOST": host})
        assert response.status_code < 500
    assert _config_errors(caplog) == []


def test_the_development_server_refuses_the_production_configuration():
    with pytest.raises(SystemExit, match="production runs under gunicorn"):
        serve(_production_app("https://expertise.example.org"), "127.0.0.1", 0)
