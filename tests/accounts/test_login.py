"""Logging in and out, server-side sessions and their time-outs."""
from datetime import timedelta

from expertise.accounts import service
from expertise.accounts.models import UserSession
from expertise.core.time import utcnow
from expertise.extensions import db

from ..conftest import totp_code
from ..factories import PASSWORD


def test_login_page_is_dutch_and_labelled(browser):
    body = browser.get("/inloggen").get_data(as_text=True)
    assert 'lang="nl"' in body
    assert '<label class="utrecht-form-label" for="email">E-mailadres</label>' in body
    assert 'href="#inhoud"' in body  # skip link


def test_anonymous_visitor_is_sent_to_login(browser):
    response = browser.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


def test_family_worker_logs_in_and_sees_home(cast, browser):
    response = browser.login(cast.anna)
    assert response.headers["Location"] == "/"
    body = browser.get("/").get_data(as_text=True)
    assert "Welkom, Anna Gezinswerker" in body
    assert "Gezinswerker" in body and "Buurtteam Zuilen" in body


def test_login_creates_one_server_session_and_logout_deletes_it(cast, browser):
    browser.login(cast.anna)
    assert db.session.scalar(db.select(db.func.count(UserSession.id))) == 1
    browser.logout()
    assert db.session.scalar(db.select(db.func.count(UserSession.id))) == 0
    assert browser.get("/").status_code == 302


def test_session_cookie_is_httponly_and_lax_and_never_remembered(cast, browser):
    response = browser.login(cast.anna)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("ep_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert not any(c.startswith("remember_token") for c in cookies)


def test_wrong_password_and_unknown_email_get_the_same_message(cast, browser):
    wrong = browser.post("/inloggen", {"email": cast.anna.email, "password": "not the password"})
    unknown = browser.post("/inloggen", {"email": "nobody@example.test", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 200
    message = "Inloggen is niet gelukt. Controleer je e-mailadres en wachtwoord."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    # The e-mail typed stays in the form; the password does not.
    assert f'value="{cast.anna.email}"' in wrong.get_data(as_text=True)
    assert "not the password" not in wrong.get_data(as_text=True)


def test_a_failed_login_starts_with_an_error_summary_that_takes_the_focus(cast, browser):
    import re

    page = browser.post("/inloggen", {"email": cast.anna.email, "password": "not the password"}).get_data(as_text=True)
    summary = re.search(r'<div class="[^"]*error-summary"[^>]*>', page).group(0)
    assert 'tabindex="-1"' in summary and "autofocus" in summary  # focused on load, no script needed
    assert page.index("error-summary") < page.index("<form method=\"post\" novalidate")
    assert '<a class="utrecht-link" href="#password">Wachtwoord: Inloggen is niet gelukt.' in page
    assert "error-summary" not in browser.get("/inloggen").get_data(as_text=True)


def test_deactivated_user_cannot_log_in(cast, browser):
    cast.anna.active = False
    db.session.commit()
    response = browser.post("/inloggen", {"email": cast.anna.email, "password": PASSWORD})
    assert "Inloggen is niet gelukt" in response.get_data(as_text=True)


def test_deactivating_ends_a_running_session(cast, login):
    anna = login(cast.anna)
    assert anna.get("/").status_code == 200
    service.set_user_active(cast.ada, db.session.get(type(cast.anna), cast.anna.id), False)
    db.session.commit()
    assert anna.get("/").status_code == 302


def test_login_with_email_in_other_case_works(cast, browser):
    response = browser.post("/inloggen", {"email": cast.anna.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/inloggen/code"


def test_login_without_csrf_token_is_refused(cast, browser):
    response = browser.post("/inloggen", {"email": cast.anna.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400


def test_login_redirects_only_to_local_paths(cast, browser):
    browser.post("/inloggen?next=//evil.example/x", {"email": cast.anna.email, "password": PASSWORD})
    response = browser.post("/inloggen/code", {"code": totp_code(cast.anna)})
    assert response.headers["Location"] == "/"
    browser.logout()
    browser.post("/inloggen?next=/account", {"email": cast.anna.email, "password": PASSWORD})
    response = browser.post("/inloggen/code", {"code": totp_code(cast.anna)})
    assert response.headers["Location"] == "/account"


def test_session_id_changes_at_login(cast, browser):
    browser.get("/inloggen")
    before = browser.client.get_cookie("ep_session").value
    browser.login(cast.anna)
    after = browser.client.get_cookie("ep_session").value
    assert before != after


def test_idle_session_ends_after_30_minutes(cast, app):
    now = utcnow()
    sid = service.start_session(cast.anna, now)
    db.session.commit()
    assert service.load_session(sid, now + timedelta(minutes=29)) is not None
    db.session.commit()
    assert service.load_session(sid, now + timedelta(minutes=29 + 31)) is None
    assert db.session.scalar(db.select(db.func.count(UserSession.id))) == 0


def test_active_session_ends_after_12_hours(cast):
    now = utcnow()
    sid = service.start_session(cast.anna, now)
    for minutes in range(20, 12 * 60, 20):
        assert service.load_session(sid, now + timedelta(minutes=minutes)) is not None
    assert service.load_session(sid, now + timedelta(hours=12)) is None


def test_password_is_never_logged(cast, browser, caplog):
    caplog.set_level("DEBUG")
    browser.post("/inloggen", {"email": cast.anna.email, "password": "wrong password 123"})
    browser.login(cast.anna)
    assert PASSWORD not in caplog.text
    assert "wrong password 123" not in caplog.text


def test_language_switch_to_english_and_back(cast, login):
    anna = login(cast.anna)
    anna.post("/taal", {"lang": "en", "next": "/account"})
    body = anna.get("/account").get_data(as_text=True)
    assert 'lang="en"' in body
    assert "My account" in body
    anna.post("/taal", {"lang": "nl", "next": "/account"})
    assert "Mijn account" in anna.get("/account").get_data(as_text=True)


def test_unknown_language_is_refused(browser):
    assert browser.post("/taal", {"lang": "xx"}).status_code == 400


# --- next addresses: never off-site, never a 500 (issue 24, items 5 and 6) -------------------------

HOSTILE_NEXT = ["/%09/127.0.0.2:5999/x", "/%0d%0a/evil.example", "//evil.example/x", "/%5Cevil.example",
                "https:%2F%2Fevil.example", "javascript:alert(1)", "/%0aSet-Cookie:%20x=1"]


def _assert_on_site(response):
    assert response.status_code in (200, 302), response.status_code
    location = response.headers.get("Location", "/")
    assert location == "/", location


def test_login_with_a_hostile_next_lands_on_the_home_page(cast, browser):
    from urllib.parse import quote

    for target in HOSTILE_NEXT:
        response = browser.post(f"/inloggen?next={quote(target, safe='%')}",
                                {"email": cast.anna.email, "password": PASSWORD})
        assert response.status_code == 302, (target, response.status_code)
        _assert_on_site(browser.post("/inloggen/code", {"code": totp_code(cast.anna)}))
        browser.logout()


def test_language_switch_with_a_hostile_next_stays_on_the_site(browser):
    from urllib.parse import unquote

    for target in HOSTILE_NEXT:
        _assert_on_site(browser.post("/taal", {"lang": "en", "next": unquote(target)}))
        _assert_on_site(browser.post("/taal", {"lang": "nl", "next": target}))


def test_step_up_with_a_hostile_next_stays_on_the_site(cast, login):
    from urllib.parse import quote

    anna = login(cast.anna)
    for target in HOSTILE_NEXT:
        page = anna.get(f"/bevestigen?next={quote(target, safe='%')}")
        assert page.status_code == 200
        _assert_on_site(anna.post(f"/bevestigen?next={quote(target, safe='%')}", {"step_up_password": PASSWORD}))


def test_recovery_codes_page_continues_on_the_site_after_a_hostile_next(cast, browser):
    import re

    import pyotp

    from ..factories import make_user

    nina = make_user("Nina Nieuw", totp=False)
    db.session.commit()
    response = browser.post("/inloggen?next=/%09/127.0.0.2:5999/x", {"email": nina.email, "password": PASSWORD})
    assert response.headers["Location"] == "/inloggen/tweestaps-instellen"
    page = browser.get("/inloggen/tweestaps-instellen").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    codes = browser.post("/inloggen/tweestaps-instellen", {"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    links = re.findall(r'<a class="utrecht-link" href="([^"]*)">Ik heb de codes bewaard', codes)
    assert links == ["/"]


def test_line_breaks_in_next_never_give_a_server_error(cast, browser, login):
    for target in ("/%0d%0aX-Evil:%201", "/x%0aSet-Cookie:%20y=1", "/%0d/"):
        response = browser.post(f"/inloggen?next={target}", {"email": cast.anna.email, "password": PASSWORD})
        assert response.status_code == 302
        _assert_on_site(browser.post("/inloggen/code", {"code": totp_code(cast.anna)}))
        browser.logout()
        _assert_on_site(browser.post("/taal", {"lang": "en", "next": target.replace("%0d", "\r").replace("%0a", "\n")}))
    anna = login(cast.anna)
    _assert_on_site(anna.post("/bevestigen?next=/%0d%0aX-Evil:%201", {"step_up_password": PASSWORD}))


# --- the session cookie ends with the browser (issue 24, item 8) ----------------------------------


def _cookie_lines(response):
    return [c for c in response.headers.getlist("Set-Cookie") if not c.split("=", 1)[1].startswith(";")]


def test_session_and_vault_cookies_end_when_the_browser_closes(cast, browser):
    """No Expires or Max-Age: closing the browser on a shared computer ends the login there.

    The server still ends the session after 30 idle minutes (see the idle test).
    """
    responses = [browser.get("/inloggen")]
    responses.append(browser.post("/inloggen", {"email": cast.anna.email, "password": PASSWORD}))
    responses.append(browser.post("/inloggen/code", {"code": totp_code(cast.anna)}))
    responses += [browser.get("/"), browser.get("/account"), browser.post("/taal", {"lang": "en", "next": "/"})]
    set_cookies = [line for response in responses for line in _cookie_lines(response)]
    names = {line.split("=", 1)[0] for line in set_cookies}
    assert {"ep_session", "ep_vk"} <= names
    for line in set_cookies:
        attributes = line.lower()
        assert "expires=" not in attributes and "max-age=" not in attributes, line
    assert not any(name.startswith("remember") for name in names)


def test_a_cookie_signed_45_minutes_ago_still_works_while_the_server_session_lives(cast, browser, monkeypatch):
    """The cookie is not re-signed on each request: its signature age must not act as the idle time-out."""
    import time

    from itsdangerous.timed import TimestampSigner

    browser.login(cast.anna)
    later = int(time.time()) + 45 * 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert browser.get("/account").status_code == 200  # the server row was seen just now
