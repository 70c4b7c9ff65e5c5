"""Step-up: a password or code from the last five minutes before sensitive actions; the form survives."""
from datetime import timedelta

from expertise.accounts import twofactor
from expertise.accounts.models import User, UserSession
from expertise.audit import service as audit
from expertise.audit.models import AuditEvent
from expertise.core.time import utcnow
from expertise.extensions import db

from ..conftest import totp_code
from ..factories import PASSWORD, make_resident
from ..vault.helpers import make_colleague


def _age_step_up(user, minutes=6):
    """Move the person's last proof back in time (the controllable clock of these tests)."""
    db.session.execute(db.update(UserSession).where(UserSession.user_id == user.id)
                       .values(reauth_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def test_step_up_is_fresh_for_five_minutes(cast):
    now = utcnow()
    row = UserSession(reauth_at=now)
    assert twofactor.step_up_is_fresh(row, now + timedelta(minutes=4, seconds=59))
    assert not twofactor.step_up_is_fresh(row, now + timedelta(minutes=5))
    assert not twofactor.step_up_is_fresh(UserSession(reauth_at=None), now)
    assert not twofactor.step_up_is_fresh(None, now)


def test_right_after_login_no_confirmation_is_asked(cast, login):
    anna = login(cast.anna)
    rid = make_resident(cast.anna).id
    db.session.commit()
    assert anna.post(f"/bewoners/{rid}/wissen").status_code == 302


def test_erasure_after_five_minutes_asks_for_the_password_then_goes_on(cast, login):
    anna = login(cast.anna)
    rid = make_resident(cast.anna).id
    db.session.commit()
    _age_step_up(cast.anna)
    page = anna.post(f"/bewoners/{rid}/wissen")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bevestig dat jij het bent" in body
    assert page.headers["Cache-Control"] == "no-store"
    assert f'action="/bewoners/{rid}/wissen"' in body
    wrong = anna.post(f"/bewoners/{rid}/wissen", {"_step_up": "1", "step_up_password": "not my password at all"})
    assert wrong.status_code == 200 and "klopt niet" in wrong.get_data(as_text=True)
    done = anna.post(f"/bewoners/{rid}/wissen", {"_step_up": "1", "step_up_password": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/bewoners"
    events = db.session.scalars(db.select(AuditEvent).filter_by(action=audit.STEP_UP)).all()
    assert [e.outcome for e in events] == [audit.FAILURE, audit.SUCCESS]


def test_handover_keeps_the_chosen_colleague_through_the_confirmation(cast, login):
    colleague = make_colleague(cast.anna)
    login(colleague).logout()  # gives the colleague a key pair
    anna = login(cast.anna)
    rid = make_resident(cast.anna).id
    db.session.commit()
    _age_step_up(cast.anna)
    page = anna.post(f"/bewoners/{rid}/overdragen", {"colleague": str(colleague.id)})
    body = page.get_data(as_text=True)
    assert f'<input type="hidden" name="colleague" value="{colleague.id}">' in body
    done = anna.post(f"/bewoners/{rid}/overdragen",
                     {"colleague": str(colleague.id), "_step_up": "1", "step_up_code": totp_code(cast.anna)})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    assert "overgedragen" in anna.get("/bewoners").get_data(as_text=True)


def test_role_change_needs_a_recent_confirmation_but_a_name_change_does_not(cast, login):
    admin = login(cast.ada)
    _age_step_up(cast.ada)
    form = {"name": "Bram Hernoemd", "roles": ["family_worker"], "team": str(cast.bram.team_id), "organisation": ""}
    assert admin.post(f"/beheer/gebruikers/{cast.bram.id}", form).status_code == 302
    changed = {**form, "roles": ["family_worker", "moderator"]}
    page = admin.post(f"/beheer/gebruikers/{cast.bram.id}", changed)
    assert page.status_code == 200 and "Bevestig dat jij het bent" in page.get_data(as_text=True)
    assert 'name="roles" value="moderator"' in page.get_data(as_text=True)
    bram = db.session.get(User, cast.bram.id)
    db.session.refresh(bram)
    assert bram.roles == {"family_worker"}
    done = admin.post(f"/beheer/gebruikers/{cast.bram.id}", {**changed, "_step_up": "1", "step_up_password": PASSWORD})
    assert done.status_code == 302
    db.session.refresh(bram)
    assert {r.value for r in bram.roles} == {"family_worker", "moderator"}


def test_deactivation_and_totp_reset_need_a_recent_confirmation(cast, login):
    admin = login(cast.ada)
    _age_step_up(cast.ada)
    for path in [f"/beheer/gebruikers/{cast.bram.id}/deactiveren", f"/beheer/gebruikers/{cast.bram.id}/tweestaps-herstellen"]:
        page = admin.post(path)
        assert page.status_code == 200 and "Bevestig dat jij het bent" in page.get_data(as_text=True)
    bram = db.session.get(User, cast.bram.id)
    db.session.refresh(bram)
    assert bram.active and bram.has_totp


def test_recovery_ceremony_page_asks_first_and_returns_to_it(cast, login):
    from ..access_matrix import _recovery_request

    request_id = _recovery_request(cast)
    coordinator = login(cast.cas)
    _age_step_up(cast.cas)
    page = coordinator.get(f"/beheer/herstel/{request_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bevestig dat jij het bent" in body
    assert f'action="/bevestigen?next=/beheer/herstel/{request_id}"' in body
    done = coordinator.post(f"/bevestigen?next=/beheer/herstel/{request_id}", {"step_up_code": totp_code(cast.cas)})
    assert done.status_code == 302 and done.headers["Location"] == f"/beheer/herstel/{request_id}"
    assert "Bevestig dat jij het bent" not in coordinator.get(f"/beheer/herstel/{request_id}").get_data(as_text=True)


def test_the_recovery_kit_is_never_echoed_into_the_confirmation_page(cast, login):
    from ..access_matrix import _recovery_request

    request_id = _recovery_request(cast)
    coordinator = login(cast.cas)
    _age_step_up(cast.cas)
    page = coordinator.post(f"/beheer/herstel/{request_id}", {"kit": "GEHEIME-HERSTELSLEUTEL-1234"})
    body = page.get_data(as_text=True)
    assert "GEHEIME-HERSTELSLEUTEL" not in body and "plak ze na het bevestigen opnieuw" in body


def test_step_up_page_only_returns_to_local_paths(cast, login):
    anna = login(cast.anna)
    response = anna.post("/bevestigen?next=//evil.example/", {"step_up_password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_five_wrong_confirmations_lock_the_account_and_end_its_sessions(cast, login):
    admin = login(cast.ada)
    _age_step_up(cast.ada)
    path = f"/beheer/gebruikers/{cast.bram.id}/deactiveren"
    for _ in range(4):
        assert admin.post(path, {"_step_up": "1", "step_up_password": "wrong password here"}).status_code == 200
    response = admin.post(path, {"_step_up": "1", "step_up_password": "wrong password here"})
    assert response.status_code == 302 and response.headers["Location"] == "/inloggen"
    assert db.session.scalar(db.select(db.func.count(UserSession.id)).filter_by(user_id=cast.ada.id)) == 0
    assert db.session.scalar(db.select(AuditEvent).filter_by(action=audit.LOGIN_LOCK)).actor_user_id == cast.ada.id
    assert db.session.get(User, cast.bram.id).active


def test_an_empty_confirmation_does_not_count_as_a_failure(cast, login):
    admin = login(cast.ada)
    _age_step_up(cast.ada)
    admin.post(f"/beheer/gebruikers/{cast.bram.id}/deactiveren", {"_step_up": "1"})
    ada = db.session.get(User, cast.ada.id)
    db.session.refresh(ada)
    assert ada.failed_logins == 0
