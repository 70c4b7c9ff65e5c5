"""Password rules, the per-account lock with a controllable clock, and Flask-Limiter's 429."""
from datetime import timedelta

import pytest
from flask_migrate import upgrade

from config import TestConfig
from expertise import create_app
from expertise.accounts import service
from expertise.accounts.models import User
from expertise.audit import service as audit
from expertise.audit.models import AuditEvent
from expertise.core.time import utcnow
from expertise.extensions import db, limiter
from expertise.vault import session as vault_session

from ..factories import PASSWORD, make_user

# --- password rules --------------------------------------------------------------------


@pytest.mark.parametrize("password,problem", [
    ("iloveyou12345", "veelgebruikt wachtwoord"),
    ("wachtwoord2026", "zoals wachtwoord, platform of jeugd"),
    ("zxcvbnm,./asdfghjkl", "toetsenbordpatroon"),
    ("aaaaaaaaaaaaaaaa", "herhalingen"),
    ("abcdefghijklmnop", "reeks"),
])
def test_weak_passwords_are_refused_naming_the_problem(app, password, problem):
    with pytest.raises(service.AccountError) as caught:
        service.check_password_rules(password)
    assert problem in str(caught.value.message)
    assert caught.value.field == "password"


def test_a_password_with_the_persons_own_name_is_refused(cast):
    with pytest.raises(service.AccountError) as caught:
        service.check_password_rules("annagezinswerker", cast.anna)
    assert "je naam of je e-mailadres" in str(caught.value.message)


def test_short_passwords_are_refused_and_long_sentences_accepted(app):
    with pytest.raises(service.AccountError, match="minstens 12"):
        service.check_password_rules("Kort#Wacht1")
    service.check_password_rules("de kat zit graag op de vensterbank")
    service.check_password_rules("ö" * 5 + " een zin met unicode " + "é" * 5)
    long = "Op maandag fietsen wij langs de Vecht naar Zuilen en daarna drinken we koffie bij oma Truus. "
    service.check_password_rules((long * 3)[:256])


def test_the_invitation_form_shows_the_strength_problem(cast, login, browser):
    user, token = service.invite_user(cast.ada, email="nieuw@example.org", name="Nina", roles=["expert"], team=None,
                                      organisation=cast.eva.organisation, areas=cast.eva.expertise_areas, now=utcnow())
    db.session.commit()
    response = browser.post(f"/uitnodiging/{token}", {"password": "iloveyou12345", "password_repeat": "iloveyou12345"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "te makkelijk te raden" in body and "veelgebruikt" in body


# --- the per-account lock ----------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes(cast):
    now = utcnow()
    for i in range(4):
        with pytest.raises(service.LoginFailed) as caught:
            service.authenticate(cast.eva.email, "wrong password", now=now + timedelta(seconds=i), vault=vault_session)
        assert not caught.value.locked_now
    with pytest.raises(service.LoginFailed) as caught:
        service.authenticate(cast.eva.email, "wrong password", now=now, vault=vault_session)
    assert caught.value.locked_now
    # Locked: even the right password is refused, with the same message.
    with pytest.raises(service.LoginFailed) as caught:
        service.authenticate(cast.eva.email, PASSWORD, now=now + timedelta(minutes=14, seconds=59), vault=vault_session)
    assert caught.value.locked and caught.value.message == service.LOGIN_FAILED
    user, _material = service.authenticate(cast.eva.email, PASSWORD, now=now + timedelta(minutes=15), vault=vault_session)
    assert user.id == cast.eva.id


def test_the_lock_is_per_account(cast):
    now = utcnow()
    for _ in range(5):
        with pytest.raises(service.LoginFailed):
            service.authenticate(cast.eva.email, "wrong password", now=now, vault=vault_session)
    user, _material = service.authenticate(cast.olaf.email, PASSWORD, now=now, vault=vault_session)
    assert user.id == cast.olaf.id


def test_lock_over_http_is_audited_and_logged_pseudonymously(cast, browser, caplog):
    caplog.set_level("WARNING")
    for _ in range(5):
        browser.post("/inloggen", {"email": cast.eva.email, "password": "wrong password"})
    response = browser.post("/inloggen", {"email": cast.eva.email, "password": PASSWORD})
    assert response.status_code == 200 and "Inloggen is niet gelukt" in response.get_data(as_text=True)
    lock = db.session.scalar(db.select(AuditEvent).filter_by(action=audit.LOGIN_LOCK))
    assert lock.actor_user_id == cast.eva.id
    assert f"account {cast.eva.id} locked" in caplog.text and cast.eva.email not in caplog.text


def test_wrong_codes_count_towards_the_lock(cast, browser):
    now = utcnow()
    eva = db.session.get(User, cast.eva.id)
    for _ in range(4):
        assert not service.register_failure(eva, now)
    db.session.commit()
    browser.post("/inloggen", {"email": cast.eva.email, "password": PASSWORD})
    response = browser.post("/inloggen/code", {"code": "000000"})
    assert response.status_code == 302 and response.headers["Location"] == "/inloggen"
    db.session.refresh(eva)
    assert service.is_locked(eva, utcnow())


def test_a_complete_login_clears_the_failures(cast, login):
    eva = db.session.get(User, cast.eva.id)
    service.register_failure(eva, utcnow())
    db.session.commit()
    login(cast.eva)
    db.session.refresh(eva)
    assert eva.failed_logins == 0


# --- Flask-Limiter -------------------------------------------------------------------------


@pytest.fixture
def limited_app(tmp_path, monkeypatch):
    """An app of its own with the limiter on (the shared test app runs without it)."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # restored afterwards
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'limits.db'}"
    config.INSTANCE_PATH = str(tmp_path)
    config.RATELIMIT_ENABLED = True
    config.RATELIMIT_STORAGE_URI = "memory://"
    app = create_app(config)
    with app.app_context():
        upgrade()
        limiter.reset()
        yield app
        db.session.remove()
    limiter.reset()


def test_login_posts_are_limited_with_a_dutch_429_and_retry_after(limited_app):
    client = limited_app.test_client()
    limited_app.config["WTF_CSRF_ENABLED"] = False
    statuses = [client.post("/inloggen", data={"email": "niemand@example.test", "password": "x" * 12}).status_code
                for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    response = client.post("/inloggen", data={"email": "niemand@example.test", "password": "x" * 12})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Te veel pogingen" in response.get_data(as_text=True)


def test_posting_questions_is_limited_per_account(limited_app):
    from ..conftest import Browser

    limited_app.config["WTF_CSRF_ENABLED"] = False
    from expertise.accounts.models import Role

    from ..factories import make_team

    anna = make_user("Anna", [Role.FAMILY_WORKER], team=make_team())
    db.session.commit()
    browser = Browser(limited_app.test_client())
    browser.login(anna)
    statuses = [browser.post("/vragen/nieuw", {}, csrf=False).status_code for _ in range(31)]
    assert 429 not in statuses[:30] and statuses[30] == 429
