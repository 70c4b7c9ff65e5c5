"""The factory refuses half-configured starts; headers and errors are safe."""
import pytest

from config import ProductionConfig, TestConfig
from expertise import ConfigError, create_app


def test_production_refuses_to_start_without_its_secrets(monkeypatch):
    config = ProductionConfig()
    config.SECRET_KEY = None
    config.SQLALCHEMY_DATABASE_URI = None
    config.VAULT_PEPPER = None
    config.AUDIT_MAC_KEY = None
    config.TOTP_ENC_KEY = None
    with pytest.raises(
        ConfigError,
        match="missing required config: SECRET_KEY, SQLALCHEMY_DATABASE_URI, VAULT_PEPPER, AUDIT_MAC_KEY, TOTP_ENC_KEY",
    ):
        create_app(config)


def test_production_cookies_are_secure_and_host_prefixed():
    config = ProductionConfig()
    config.SECRET_KEY = "x" * 40
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    config.VAULT_PEPPER = "p" * 40
    config.AUDIT_MAC_KEY = "a" * 40
    config.TOTP_ENC_KEY = "t" * 40
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    response = app.test_client().get("/inloggen")
    assert "Strict-Transport-Security" in response.headers


def test_production_password_hashing_meets_the_owasp_minimum():
    # OWASP ASVS 5.0 appendix C: t>=3 needs m>=12 MiB; t=2 m>=19 MiB; t=1 m>=46 MiB.
    config = ProductionConfig()
    t, m = config.ARGON2_TIME_COST, config.ARGON2_MEMORY_COST
    assert (t >= 3 and m >= 12 * 1024) or (t == 2 and m >= 19 * 1024) or m >= 46 * 1024


def test_every_page_carries_the_security_headers(browser):
    response = browser.get("/inloggen")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]:
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_csp_nonce_is_fresh_on_every_response(browser):
    first = browser.get("/inloggen").headers["Content-Security-Policy"]
    second = browser.get("/inloggen").headers["Content-Security-Policy"]
    assert first != second


def test_unknown_page_gives_the_dutch_404_page(browser):
    response = browser.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_server_error_shows_a_generic_page_and_logs_only_the_type(tmp_path, caplog):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.db'}"
    config.INSTANCE_PATH = str(tmp_path)
    app = create_app(config)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/kapot")
    def broken():
        raise ValueError("Jan de Vries-Özdemir geboren 03-05-2010")

    response = app.test_client().get("/kapot")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Er ging iets mis" in body
    assert "Vries" not in body and "Vries" not in caplog.text
    assert "ValueError" in caplog.text
