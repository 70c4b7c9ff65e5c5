"""Invitations: single use, 7 days, set a password, then log in."""
import re
from datetime import timedelta

from expertise.accounts import service
from expertise.accounts.models import Invitation, Role, User
from expertise.core.time import utcnow
from expertise.extensions import db, mail

_LINK = re.compile(r"http://localhost(/uitnodiging/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "een lange nieuwe zin 42"


def _invite(admin, team_id, email="nieuw@example.org"):
    with mail.record_messages() as outbox:
        response = admin.post(
            "/beheer/gebruikers/uitnodigen",
            {"email": email, "name": "Nina Nieuw", "roles": ["family_worker"], "team": str(team_id), "organisation": ""},
        )
    assert response.status_code == 302, re.findall(r"error-message[^>]*>([^<]*)", response.get_data(as_text=True))
    assert len(outbox) == 1
    return outbox[0]


def test_admin_invites_and_the_person_activates_and_logs_in(cast, login, browser):
    admin = login(cast.ada)
    message = _invite(admin, cast.anna.team_id)
    assert message.recipients == ["nieuw@example.org"]
    path = _LINK.search(message.body).group(1)
    page = browser.get(path)
    assert page.status_code == 200 and "Welkom, Nina Nieuw" in page.get_data(as_text=True)
    response = browser.post(path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    # A family worker sees a personal recovery code once (the vault's, see tests/vault).
    assert response.status_code == 200 and "herstelcode" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    response = browser.post("/inloggen", {"email": "nieuw@example.org", "password": NEW_PASSWORD})
    # The first login continues with setting up the second factor.
    assert response.status_code == 302 and response.headers["Location"] == "/inloggen/tweestaps-instellen"
    user = db.session.scalar(db.select(User).filter_by(email="nieuw@example.org"))
    assert user.roles == {Role.FAMILY_WORKER} and user.activated_at is not None


def test_invitation_link_works_only_once(cast, login, app):
    message = _invite(login(cast.ada), cast.anna.team_id)
    path = _LINK.search(message.body).group(1)
    first = login(None)
    first.post(path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    again = login(None)
    assert again.get(path).status_code == 404


def test_expired_invitation_is_refused(cast):
    user, token = service.invite_user(
        cast.ada, email="x@example.test", name="X", roles=[Role.MODERATOR], team=None,
        organisation=None, areas=[], now=utcnow() - timedelta(days=7, seconds=1),
    )
    db.session.commit()
    assert service.find_invitation(token, utcnow()) is None
    assert service.find_invitation(token, utcnow() - timedelta(days=1)) is not None


def test_only_the_token_hash_is_stored(cast):
    user, token = service.invite_user(
        cast.ada, email="x@example.test", name="X", roles=[Role.MODERATOR], team=None,
        organisation=None, areas=[], now=utcnow(),
    )
    db.session.commit()
    stored = db.session.scalar(db.select(Invitation.token_hash))
    assert token not in stored and len(stored) == 64


def test_invited_user_cannot_log_in_before_activation(cast, browser):
    service.invite_user(
        cast.ada, email="x@example.test", name="X", roles=[Role.MODERATOR], team=None,
        organisation=None, areas=[], now=utcnow(),
    )
    db.session.commit()
    response = browser.post("/inloggen", {"email": "x@example.test", "password": ""})
    assert response.status_code == 200


def test_short_password_is_refused_with_the_error_next_to_the_field(cast, login, browser):
    path = _LINK.search(_invite(login(cast.ada), cast.anna.team_id).body).group(1)
    response = browser.post(path, {"password": "kort", "password_repeat": "kort"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-error"' in body and "minstens 12 tekens" in body
    assert db.session.scalar(db.select(User).filter_by(email="nieuw@example.org")).password_hash is None


def test_reinvite_replaces_the_old_link(cast, login):
    admin = login(cast.ada)
    old = _LINK.search(_invite(admin, cast.anna.team_id).body).group(1)
    user = db.session.scalar(db.select(User).filter_by(email="nieuw@example.org"))
    with mail.record_messages() as outbox:
        admin.post(f"/beheer/gebruikers/{user.id}/opnieuw-uitnodigen")
    new = _LINK.search(outbox[0].body).group(1)
    assert login(None).get(old).status_code == 404
    assert login(None).get(new).status_code == 200


def test_invitation_token_never_reaches_the_log(cast, login, caplog):
    caplog.set_level("DEBUG")
    message = _invite(login(cast.ada), cast.anna.team_id)
    token = _LINK.search(message.body).group(1).rsplit("/", 1)[1]
    login(None).get(f"/uitnodiging/{token}")
    assert token not in caplog.text


def test_development_mail_is_written_to_files_not_the_log(cast, login, app, tmp_path, caplog):
    caplog.set_level("DEBUG")
    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    try:
        message = _invite(login(cast.ada), cast.anna.team_id)
    finally:
        app.config["MAIL_FILE_DIR"] = None
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    token = _LINK.search(message.body).group(1)
    assert token in files[0].read_text()
    assert token not in caplog.text


def test_invite_form_with_a_mistake_keeps_the_text(cast, login):
    response = login(cast.ada).post(
        "/beheer/gebruikers/uitnodigen",
        {"email": "nieuw@example.org", "name": "Nina Nieuw", "roles": ["expert"], "team": "", "organisation": ""},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Een deskundige hoort bij een organisatie." in body
    assert 'value="Nina Nieuw"' in body and 'value="nieuw@example.org"' in body
    assert db.session.scalar(db.select(User).filter_by(email="nieuw@example.org")) is None


def test_duplicate_email_is_refused(cast, login):
    from ..factories import make_user

    make_user(email="dubbel@example.org")
    db.session.commit()
    response = login(cast.ada).post(
        "/beheer/gebruikers/uitnodigen",
        {"email": "Dubbel@Example.org", "name": "Dubbel", "roles": ["moderator"], "team": "", "organisation": ""},
    )
    assert "Er is al een account met dit e-mailadres." in response.get_data(as_text=True)


def test_invitation_to_a_test_address_is_accepted_in_development_and_tests(cast, login):
    # Every demo account lives at demo.test, a special-use domain email-validator refuses by default.
    from config import DevelopmentConfig, TestConfig

    assert DevelopmentConfig.EMAIL_ALLOW_TEST_DOMAIN is True and TestConfig.EMAIL_ALLOW_TEST_DOMAIN is True
    message = _invite(login(cast.ada), cast.anna.team_id, email="nieuw@demo.test")
    assert message.recipients == ["nieuw@demo.test"]
    assert db.session.scalar(db.select(User).filter_by(email="nieuw@demo.test")) is not None


def test_production_refuses_an_invitation_to_a_test_address(cast, login, app):
    from config import ProductionConfig

    assert ProductionConfig.EMAIL_ALLOW_TEST_DOMAIN is False
    allowed = app.config["EMAIL_ALLOW_TEST_DOMAIN"]
    app.config["EMAIL_ALLOW_TEST_DOMAIN"] = ProductionConfig.EMAIL_ALLOW_TEST_DOMAIN
    try:
        response = login(cast.ada).post(
            "/beheer/gebruikers/uitnodigen",
            {"email": "nieuw@demo.test", "name": "Nina Nieuw", "roles": ["family_worker"],
             "team": str(cast.anna.team_id), "organisation": ""},
        )
    finally:
        app.config["EMAIL_ALLOW_TEST_DOMAIN"] = allowed
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Dit is geen geldig e-mailadres." in body
    assert 'value="nieuw@demo.test"' in body  # the form keeps what was typed
    assert db.session.scalar(db.select(User).filter_by(email="nieuw@demo.test")) is None
