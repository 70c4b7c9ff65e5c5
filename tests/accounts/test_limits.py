"""Password rules, the lock per account and source with a controllable clock, and Flask-Limiter's 429."""
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


# --- the lock per account and source (issue 24 item 7) ----------------------------------------
#
# Five failures from one address lock that address out of the account for
# fifteen minutes; the holder elsewhere still gets in. Many addresses
# together slow the account down (a growing wait), never for an address the
# holder completed a login from.

ATTACKER = "198.51.100.7"
HOLDER = "192.0.2.10"


def _fail(email, now, source, password="wrong password"):
    with pytest.raises(service.LoginFailed) as caught:
        service.authenticate(email, password, now=now, vault=vault_session, source=source)
    return caught.value


def test_five_failures_lock_the_source_out_of_the_account_for_fifteen_minutes(cast):
    now = utcnow()
    for i in range(4):
        assert not _fail(cast.eva.email, now + timedelta(seconds=i), ATTACKER).locked_now
    assert _fail(cast.eva.email, now, ATTACKER).locked_now
    # That source is locked: even the right password is refused, with the same message.
    refused = _fail(cast.eva.email, now + timedelta(minutes=14, seconds=59), ATTACKER, password=PASSWORD)
    assert refused.locked and refused.message == service.LOGIN_FAILED
    user, _material = service.authenticate(cast.eva.email, PASSWORD, now=now + timedelta(minutes=15),
                                           vault=vault_session, source=ATTACKER)
    assert user.id == cast.eva.id


def test_a_locked_source_does_not_lock_the_holder_elsewhere(cast):
    now = utcnow()
    for i in range(15):  # three locks in a row from the attacker's address
        _fail(cast.eva.email, now + timedelta(seconds=i), ATTACKER)
    user, _material = service.authenticate(cast.eva.email, PASSWORD, now=now + timedelta(seconds=20),
                                           vault=vault_session, source=HOLDER)
    assert user.id == cast.eva.id


def test_the_lock_is_per_account(cast):
    now = utcnow()
    for _ in range(5):
        _fail(cast.eva.email, now, ATTACKER)
    user, _material = service.authenticate(cast.olaf.email, PASSWORD, now=now, vault=vault_session, source=ATTACKER)
    assert user.id == cast.olaf.id


def test_many_sources_slow_the_account_down_but_not_for_a_source_the_holder_used(cast, app):
    now = utcnow()
    eva = db.session.get(User, cast.eva.id)
    service.clear_failures(eva, now - timedelta(days=3), source=HOLDER)  # the holder logged in from here
    ceiling = app.config["LOGIN_ACCOUNT_CEILING"]
    for i in range(ceiling):  # four tries from each of many addresses: no single address is locked
        _fail(cast.eva.email, now, f"203.0.113.{i // 4}")
    # A new address waits, right password or not ...
    assert _fail(cast.eva.email, now, "203.0.113.200", password=PASSWORD).locked
    # ... the holder's own address does not.
    user, _material = service.authenticate(cast.eva.email, PASSWORD, now=now, vault=vault_session, source=HOLDER)
    assert user.id == cast.eva.id
    # The wait grows with each failure after the ceiling, up to the lock duration.
    first_until = eva.locked_until
    _fail(cast.eva.email, first_until, "203.0.113.201")
    assert timedelta(0) < first_until - now < eva.locked_until - first_until <= app.config["LOGIN_LOCK_DURATION"]


def test_the_holder_logs_in_over_http_while_an_attacker_locks_their_own_address(cast, browser, login):
    attacker = login(None)
    for _ in range(10):
        attacker.post("/inloggen", {"email": cast.eva.email, "password": "wrong password"},
                      environ_base={"REMOTE_ADDR": ATTACKER})
    refused = attacker.post("/inloggen", {"email": cast.eva.email, "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": ATTACKER})
    assert refused.status_code == 200 and "Inloggen is niet gelukt" in refused.get_data(as_text=True)
    response = browser.login(cast.eva)  # from the holder's own address, with password and code
    assert response.headers["Location"] == "/"
    assert browser.get("/").status_code == 200


def test_lock_over_http_is_audited_and_logged_pseudonymously(cast, browser, caplog):
    caplog.set_level("WARNING")
    for _ in range(5):
        browser.post("/inloggen", {"email": cast.eva.email, "password": "wrong password"})
    response = browser.post("/inloggen", {"email": cast.eva.email, "password": PASSWORD})
    assert response.status_code == 200 and "Inloggen is niet gelukt" in response.get_data(as_text=True)
    lock = db.session.scalar(db.select(AuditEvent).filter_by(action=audit.LOGIN_LOCK))
    assert lock.actor_user_id == cast.eva.id
    assert f"account {cast.eva.id} locked" in caplog.text and cast.eva.email not in caplog.text
    assert "127.0.0.1" not in caplog.text


def test_the_holder_hears_of_the_lock_in_dutch_without_a_secret(cast, browser):
    from expertise.extensions import mail
    from expertise.realtime.models import Notification

    with mail.record_messages() as outbox:
        for _ in range(10):  # two locks: still one e-mail in the window
            browser.post("/inloggen", {"email": cast.eva.email, "password": "geheim-fout-wachtwoord"},
                         environ_base={"REMOTE_ADDR": ATTACKER})
    assert [m.recipients for m in outbox] == [[cast.eva.email]]
    body = outbox[0].body
    assert "verkeerd wachtwoord" in body and "tijdelijk geblokkeerd" in body and "Was jij dit niet?" in body
    assert "geheim-fout-wachtwoord" not in body and ATTACKER not in body
    notices = db.session.scalars(db.select(Notification).filter_by(user_id=cast.eva.id)).all()
    assert [n.kind for n in notices] == ["login_attempts"]


def test_wrong_codes_count_towards_the_lock(cast, browser):
    now = utcnow()
    eva = db.session.get(User, cast.eva.id)
    for _ in range(4):
        assert not service.register_failure(eva, now, source="127.0.0.1")
    db.session.commit()
    browser.post("/inloggen", {"email": cast.eva.email, "password": PASSWORD})
    response = browser.post("/inloggen/code", {"code": "000000"})
    assert response.status_code == 302 and response.headers["Location"] == "/inloggen"
    db.session.refresh(eva)
    assert service.is_locked(eva, utcnow(), source="127.0.0.1")
    assert not service.is_locked(eva, utcnow(), source=HOLDER)


def test_a_complete_login_clears_the_failures(cast, login):
    eva = db.session.get(User, cast.eva.id)
    service.register_failure(eva, utcnow(), source="127.0.0.1")
    db.session.commit()
    login(cast.eva)
    db.session.refresh(eva)
    assert eva.failed_logins == 0
    assert not service.is_locked(eva, utcnow(), source="127.0.0.1")


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
    from ..conftest import IsolatedClient

    app.test_client_class = IsolatedClient  # each request its own `g`, as in production
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


def test_actions_that_notify_others_are_limited_per_account(limited_app):
    """Asking for more perspectives (which e-mails experts) stops at 30 an hour (issue 24 item 11)."""
    from expertise.accounts.models import Role

    from ..conftest import Browser
    from ..factories import make_area, make_question, make_team

    limited_app.config["WTF_CSRF_ENABLED"] = False
    anna = make_user("Anna", [Role.FAMILY_WORKER], team=make_team())
    question = make_question(anna, areas=[make_area("Gebied")])
    db.session.commit()
    browser = Browser(limited_app.test_client())
    browser.login(anna)
    statuses = [browser.post(f"/vragen/{question.id}/meer-perspectieven", {}, csrf=False).status_code
                for _ in range(31)]
    assert 429 not in statuses[:30] and statuses[30] == 429
    other = Browser(limited_app.test_client())  # another person from the same address is not limited with her
    bram = make_user("Bram", [Role.FAMILY_WORKER], team=anna.team)
    db.session.commit()
    other.login(bram)
    assert other.post(f"/vragen/{question.id}/meer-perspectieven", {}, csrf=False).status_code != 429
