"""Browser defences on every response (CSP with a fresh nonce, no-store) and the production profile (HSTS, cookies, no debug, no demo accounts).

Decision (docs/security.md, "Headers"): every response the app itself sends
carries the CSP and the other headers, error pages (400, 403, 404, 405, 500),
redirects and static files included. One after_request hook covers them all,
and a static SVG or HTML file served without CSP would be a way around it.
`Cache-Control: no-store` is on every response but static files, which may be cached.
"""
import re

import pytest

from config import ProductionConfig, TestConfig
from expertise import create_app

from ..access_matrix import RULES

pytestmark = pytest.mark.security

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
_NONCE = re.compile(r"'nonce-([A-Za-z0-9_\-+/=]+)'")


def _directives(csp):
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in csp.split(";"))
        if part
    }


def assert_strict_csp(response):
    """The response carries the platform's strict CSP; return its nonce."""
    csp = response.headers.get("Content-Security-Policy")
    assert csp, f"no CSP on {response.status_code} {response.request.path}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
    directives = _directives(csp)
    for name, value in REQUIRED_DIRECTIVES.items():
        assert directives.get(name) == value, (name, csp)
    script_src = directives["script-src"].split()
    assert "'self'" in script_src and "data:" not in script_src and "http:" not in script_src
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in response.headers["Permissions-Policy"]
    if response.mimetype == "text/html":
        assert response.headers.get("Cache-Control") == "no-store", response.request.path
    nonce = _NONCE.search(directives["script-src"])
    assert nonce, csp
    return nonce.group(1)


def _responses_of_every_kind(app, cast, login):
    """Yield (label, response) for every page and every kind of error the app sends."""
    admin = login(cast.ada)
    anonymous = login(None)
    for rule in RULES:
        if rule.method == "GET":
            yield f"GET {rule.endpoint}", admin.get(rule.url(cast))
            yield f"anonymous GET {rule.endpoint}", anonymous.get(rule.url(cast))
    yield "404", admin.get("/bestaat-niet")
    yield "400 without CSRF", admin.post("/beheer/teams", {"name": "x"}, csrf=False)
    yield "403 wrong role", login(cast.anna).get("/beheer")
    yield "405", admin.request("DELETE", "/beheer")
    yield "TRACE", admin.request("TRACE", "/")
    yield "static css", admin.get("/static/css/app.css")
    yield "static 404", admin.get("/static/bestaat-niet.svg")
    yield "login redirect", anonymous.get("/beheer")


def test_every_response_carries_the_strict_csp_and_headers(app, cast, login):
    seen = []
    for label, response in _responses_of_every_kind(app, cast, login):
        assert_strict_csp(response)
        seen.append((label, response.status_code))
    statuses = {status for _, status in seen}
    assert {200, 302, 400, 403, 404, 405} <= statuses, seen


def test_server_error_page_carries_the_csp(tmp_path):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.db'}"
    config.INSTANCE_PATH = str(tmp_path)
    app = create_app(config)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/kapot")
    def broken():
        raise RuntimeError("boom")

    response = app.test_client().get("/kapot")
    assert response.status_code == 500
    assert_strict_csp(response)
    assert "Traceback" not in response.get_data(as_text=True)


def test_nonce_is_fresh_per_response_and_matches_every_inline_script(cast, login):
    client = login(cast.ada)
    nonces = set()
    for _ in range(5):
        response = client.get("/beheer/gebruikers")
        nonce = assert_strict_csp(response)
        assert len(nonce) >= 16
        for script_nonce in re.findall(r'<script[^>]*\snonce="([^"]+)"', response.get_data(as_text=True)):
            assert script_nonce == nonce
        nonces.add(nonce)
    assert len(nonces) == 5


def test_pages_have_no_inline_event_handlers_or_unnonced_scripts(cast, login):
    """The CSP would block them; their presence would mean a broken page, or an injection."""
    client = login(cast.ada)
    for rule in RULES:
        if rule.method != "GET":
            continue
        body = client.get(rule.url(cast)).get_data(as_text=True)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", body, re.I), rule.endpoint
        assert not re.search(r"javascript:", body, re.I), rule.endpoint
        for tag in re.findall(r"<script\b[^>]*>", body, re.I):
            assert "nonce=" in tag or re.search(r'src="/static/', tag), (rule.endpoint, tag)


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT"])
def test_trace_and_friends_give_405_everywhere(method, cast, login):
    client = login(cast.ada)
    for rule in RULES:
        assert client.request(method, rule.url(cast)).status_code == 405, rule.endpoint


def _production_app(tmp_path):
    config = ProductionConfig()
    config.SECRET_KEY = "x" * 48
    config.VAULT_PEPPER = "p" * 48
    config.AUDIT_MAC_KEY = "m" * 48
    config.TOTP_ENC_KEY = "t" * 40
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.db'}"
    config.INSTANCE_PATH = str(tmp_path)
    return create_app(config)


def test_production_is_never_in_debug_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = _production_app(tmp_path)
    assert app.debug is False
    assert app.config.get("DEBUG") in (False, None)
    assert app.testing is False


def test_production_sends_hsts(tmp_path):
    response = _production_app(tmp_path).test_client().get("/inloggen", base_url="https://platform.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_strict_csp(response)


def test_production_cookie_is_secure_httponly_and_host_prefixed(tmp_path):
    response = _production_app(tmp_path).test_client().get("/inloggen", base_url="https://platform.example")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies, "the login page sets the session cookie (it carries the CSRF token)"
    for cookie in cookies:
        attributes = [a.strip().lower() for a in cookie.split(";")]
        assert cookie.startswith("__Host-"), cookie
        assert "secure" in attributes and "httponly" in attributes, cookie
        assert "samesite=lax" in attributes or "samesite=strict" in attributes, cookie
        assert "path=/" in attributes and not any(a.startswith("domain=") for a in attributes), cookie


# Policies under which a browser sends a same-origin form POST a Referer of this origin (W3C
# Referrer Policy); "no-referrer" is not one of them.
SENDS_SAME_ORIGIN_REFERER = {"same-origin", "origin", "strict-origin", "origin-when-cross-origin",
                             "strict-origin-when-cross-origin"}


def test_forms_work_over_https_with_the_referer_the_policy_lets_browsers_send(tmp_path):
    from expertise.extensions import db

    app = _production_app(tmp_path)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    page = client.get("/inloggen", base_url="https://platform.example")
    assert page.headers["Referrer-Policy"] in SENDS_SAME_ORIGIN_REFERER
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {"email": "iemand@example.org", "password": "niet-het-wachtwoord", "csrf_token": token}
    # Over HTTPS Flask-WTF refuses a POST without a Referer of this origin: that is what
    # browsers would send under "no-referrer", for every form.
    assert client.post("/inloggen", data=form, base_url="https://platform.example").status_code == 400
    answered = client.post("/inloggen", data=form, base_url="https://platform.example",
                           headers={"Referer": "https://platform.example/inloggen"})
    assert answered.status_code == 200  # the form again, with "wrong e-mail address or password"


def test_login_never_sets_a_remember_me_cookie(cast, browser):
    response = browser.login(cast.ada)
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_production_refuses_to_seed_the_demo_accounts(tmp_path):
    """No default accounts with a known password in production (ASVS 6.3.2)."""
    result = _production_app(tmp_path).test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output
