"""The session key cookie: HttpOnly, SameSite=Strict, and __Host-/Secure in production."""
from config import ProductionConfig
from expertise import create_app
from expertise.vault import session as vault_session


def _production_app(tmp_path):
    config = ProductionConfig()
    config.SECRET_KEY = "s" * 40
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.db'}"
    config.VAULT_PEPPER = "p" * 40
    config.AUDIT_MAC_KEY = "a" * 40
    config.TOTP_ENC_KEY = "t" * 40
    config.INSTANCE_PATH = str(tmp_path)
    return create_app(config)


def test_production_vault_cookie_is_host_prefixed_secure_strict_and_session_only(tmp_path):
    app = _production_app(tmp_path)
    with app.test_request_context("/"):
        response = app.response_class("ok")
        vault_session.set_cookie(response, b"k" * 32)
        header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-ep_vk=")
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"]:
        assert attribute in header
    assert "Expires" not in header and "Max-Age" not in header and "Domain" not in header


def test_login_sets_the_vault_cookie_only_for_family_workers(cast, login, app):
    name = app.config["VAULT_COOKIE_NAME"]
    assert login(cast.anna).client.get_cookie(name) is not None
    assert login(cast.eva).client.get_cookie(name) is None
