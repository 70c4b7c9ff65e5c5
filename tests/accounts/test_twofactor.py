"""The second factor: enrolment, codes, replay, recovery codes, pending logins and the admin reset."""
import re
from datetime import timedelta

import pyotp

from expertise.accounts import service, twofactor
from expertise.accounts.models import VAULT_VERIFIED, PendingLogin, RecoveryCode, User, UserSession
from expertise.audit import service as audit
from expertise.audit.models import AuditEvent
from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.vault import session as vault_session

from ..conftest import totp_code
from ..factories import PASSWORD, make_user
from ..support.totp import code_at, current_step

SECRET_ON_PAGE = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
RECOVERY_CODES = re.compile(r'<code class="recovery-code">([A-Z2-7-]+)</code>')


def _fresh(user):
    return db.session.scalar(db.select(User).filter_by(id=user.id).execution_options(populate_existing=True))


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _password_step(browser, user, password=PASSWORD):
    response = browser.post("/inloggen", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def _enrol(browser, user):
    """Log in for the first time and set up the app; return (secret, recovery codes)."""
    assert _password_step(browser, user).headers["Location"] == "/inloggen/tweestaps-instellen"
    page = browser.get("/inloggen/tweestaps-instellen").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    response = browser.post("/inloggen/tweestaps-instellen", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return secret, RECOVERY_CODES.findall(response.get_data(as_text=True))


# --- no session before the second factor ----------------------------------------------


def test_password_alone_opens_no_session_no_vault_key_and_no_vault_cookie(cast, browser, app):
    response = _password_step(browser, cast.anna)
    assert response.headers["Location"] == "/inloggen/code"
    assert _count(UserSession) == 0
    cookie = app.config["VAULT_COOKIE_NAME"]
    assert not any(c.startswith(cookie + "=") for c in response.headers.getlist("Set-Cookie"))
    assert browser.client.get_cookie(cookie) is None
    assert browser.get("/").status_code == 302
    assert browser.get("/bewoners").status_code == 302
    pending = db.session.scalar(db.select(PendingLogin))
    assert pending.user_id == cast.anna.id
    assert PASSWORD.encode() not in (pending.material or b"")


def test_the_code_opens_the_session_and_the_vault_cookie(cast, browser, app):
    _password_step(browser, cast.anna)
    response = browser.post("/inloggen/code", {"code": totp_code(cast.anna)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _count(UserSession) == 1 and _count(PendingLogin) == 0
    assert browser.client.get_cookie(app.config["VAULT_COOKIE_NAME"]) is not None
    assert db.session.scalar(db.select(UserSession)).reauth_at is not None


def test_code_page_without_a_pending_login_sends_to_login(browser):
    response = browser.get("/inloggen/code")
    assert response.status_code == 302 and response.headers["Location"] == "/inloggen"


def test_pending_login_lives_five_minutes(cast):
    now = utcnow()
    token = twofactor.start_pending_login(cast.anna, None, now)
    db.session.commit()
    assert twofactor.find_pending_login(token, now + timedelta(minutes=4, seconds=59)) is not None
    assert twofactor.find_pending_login(token, now + timedelta(minutes=5)) is None
    assert _count(PendingLogin) == 0


def test_pending_material_opens_only_with_the_browser_token(cast):
    now = utcnow()
    token = twofactor.start_pending_login(cast.anna, b"material", now)
    row = twofactor.find_pending_login(token, now)
    assert twofactor.pending_material(row, token) == b"material"
    assert twofactor.pending_material(row, "another-token-of-the-same-length-000000000") is None


# --- codes -------------------------------------------------------------------------------


def test_a_used_code_is_refused_the_second_time(cast, browser):
    code, _ = code_at(twofactor.totp_secret(cast.anna), current_step()), None
    _password_step(browser, cast.anna)
    assert browser.post("/inloggen/code", {"code": code}).status_code == 302
    browser.logout()
    _password_step(browser, cast.anna)
    replay = browser.post("/inloggen/code", {"code": code})
    assert replay.status_code == 200
    assert "klopt niet of is al gebruikt" in replay.get_data(as_text=True)
    assert _count(UserSession) == 0


def test_totp_accepts_one_step_either_side_and_never_an_older_step(cast):
    anna = cast.anna
    secret = twofactor.totp_secret(anna)
    now = utcnow()
    step = int(now.timestamp()) // 30
    assert not twofactor.verify_totp(anna, code_at(secret, step - 2), now)
    assert twofactor.verify_totp(anna, code_at(secret, step - 1), now)
    assert twofactor.verify_totp(anna, code_at(secret, step + 1), now)
    assert not twofactor.verify_totp(anna, code_at(secret, step), now)  # older than the last accepted
    assert not twofactor.verify_totp(anna, "12345", now) and not twofactor.verify_totp(anna, "abcdef", now)


def test_totp_secret_is_encrypted_at_rest(cast):
    secret = twofactor.totp_secret(cast.anna)
    raw = db.session.execute(db.text('SELECT totp_secret_ct FROM "user" WHERE id = :id'), {"id": cast.anna.id}).scalar()
    assert secret.encode() not in bytes(raw)
    assert len(secret) == 32


def test_wrong_codes_end_the_pending_login_after_five(cast, browser):
    _password_step(browser, cast.anna)
    for _ in range(4):
        assert browser.post("/inloggen/code", {"code": "000000"}).status_code == 200
    response = browser.post("/inloggen/code", {"code": "000000"})
    assert response.status_code == 302 and response.headers["Location"] == "/inloggen"
    assert _count(PendingLogin) == 0


# --- enrolment and recovery codes -------------------------------------------------------------


def test_first_login_enrols_the_app_and_shows_ten_recovery_codes_once(cast, browser):
    nina = make_user("Nina Nieuw", totp=False)
    db.session.commit()
    _password_step(browser, nina)
    page = browser.get("/inloggen/tweestaps-instellen")
    body = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert 'src="data:image/svg+xml' in body and "QR-code" in body
    assert _count(UserSession) == 0  # still no session while enrolling
    secret, codes = _enrol_after_password(browser, body)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _fresh(nina).has_totp
    rows = db.session.scalars(db.select(RecoveryCode).filter_by(user_id=nina.id)).all()
    assert len(rows) == 10 and all(code.replace("-", "") not in {r.code_hash for r in rows} for code in codes)
    assert browser.get("/").status_code == 200
    assert db.session.scalar(db.select(AuditEvent).filter_by(action=audit.TOTP_ENROL)).actor_user_id == nina.id


def _enrol_after_password(browser, page):
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    response = browser.post("/inloggen/tweestaps-instellen", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return secret, RECOVERY_CODES.findall(response.get_data(as_text=True))


def test_wrong_code_at_enrolment_is_refused(cast, browser):
    nina = make_user("Nina Nieuw", totp=False)
    db.session.commit()
    _password_step(browser, nina)
    response = browser.post("/inloggen/tweestaps-instellen", {"code": "000000"})
    assert response.status_code == 200 and "Deze code klopt niet" in response.get_data(as_text=True)
    assert not _fresh(nina).has_totp and _count(UserSession) == 0


def test_a_recovery_code_works_once(cast, login):
    nina = make_user("Nina Nieuw", totp=False)
    db.session.commit()
    first = login(None)
    _secret, codes = _enrol(first, nina)
    first.logout()
    second = login(None)
    _password_step(second, nina)
    assert second.post("/inloggen/code", {"code": codes[0].lower()}).status_code == 302
    second.logout()
    third = login(None)
    _password_step(third, nina)
    assert third.post("/inloggen/code", {"code": codes[0]}).status_code == 200
    assert twofactor.unused_recovery_codes(nina) == 9


# --- the admin reset after a lost phone ------------------------------------------------------------


def test_admin_resets_a_lost_second_factor_audited_and_the_person_enrols_again(cast, login):
    bram = login(cast.bram)
    admin = login(cast.ada)
    response = admin.post(f"/beheer/gebruikers/{cast.bram.id}/tweestaps-herstellen")
    assert response.status_code == 302
    assert not _fresh(cast.bram).has_totp
    assert bram.get("/").status_code == 302  # the running session ended
    event = db.session.scalar(db.select(AuditEvent).filter_by(action=audit.TOTP_RESET))
    assert event.actor_user_id == cast.ada.id and event.object_id == str(cast.bram.id)
    again = login(None)
    assert _password_step(again, cast.bram).headers["Location"] == "/inloggen/tweestaps-instellen"


def test_nobody_resets_their_own_second_factor(cast, login):
    admin = login(cast.ada)
    admin.post(f"/beheer/gebruikers/{cast.ada.id}/tweestaps-herstellen")
    assert _fresh(cast.ada).has_totp


def test_a_coordinator_cannot_reset_an_admins_second_factor(cast, login):
    response = login(cast.cas).post(f"/beheer/gebruikers/{cast.ada.id}/tweestaps-herstellen")
    assert response.status_code == 404
    assert _fresh(cast.ada).has_totp


# --- one Argon2id per login for users with a vault key ----------------------------------------------


def test_family_worker_keeps_no_argon2_hash_after_login_and_still_logs_in(cast, login):
    login(cast.anna).logout()  # the first login makes her key pair
    assert vault_session.has_key(cast.anna)
    assert _fresh(cast.anna).password_hash == VAULT_VERIFIED
    again = login(cast.anna)
    assert again.get("/bewoners").status_code == 200
    wrong = login(None)
    response = wrong.post("/inloggen", {"email": cast.anna.email, "password": "not the password at all"})
    assert "Inloggen is niet gelukt" in response.get_data(as_text=True)


def test_experts_keep_their_argon2_hash(cast, login):
    login(cast.eva)
    assert _fresh(cast.eva).password_hash.startswith("$argon2id$")


def test_password_change_works_with_the_vault_verifier(cast, login):
    anna = login(cast.anna)
    new = "een heel nieuw wachtwoord 2026"
    response = anna.post("/account/wachtwoord", {"current_password": PASSWORD, "password": new, "password_repeat": new})
    assert response.status_code == 302
    assert _fresh(cast.anna).password_hash == VAULT_VERIFIED
    ok, material = service.check_password(_fresh(cast.anna), new, vault_session)
    assert ok and material is not None
    assert not service.check_password(_fresh(cast.anna), PASSWORD, vault_session)[0]
