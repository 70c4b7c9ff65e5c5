"""Key lifecycle (T-8): password change, resets, the recovery ceremony and handover."""
import logging
import re

import pytest

from expertise.accounts import service as accounts
from expertise.accounts.models import UserSession
from expertise.audit.models import AuditEvent
from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.vault import service
from expertise.vault.models import RecoveryRequest, Resident, ResidentKeyGrant, UserKey

from ..factories import PASSWORD, ensure_recovery_key, make_resident, private_key_of
from .helpers import NAME, add_resident, make_colleague, resident_id_from

NEW_PASSWORD = "een heel nieuw wachtwoord 2026"


@pytest.fixture
def kit(cast):
    _key, kit = ensure_recovery_key()
    db.session.commit()
    return kit


def _reveal(user, resident, password=PASSWORD):
    return service.reveal_identity(user, resident, private_key=private_key_of(user, password), now=utcnow())


def test_password_change_keeps_residents_readable_and_ends_other_sessions(cast, login, kit):
    anna = login(cast.anna)
    other = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    response = anna.post("/account/wachtwoord", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                 "password_repeat": NEW_PASSWORD})
    assert response.status_code == 302
    assert NAME in anna.get(f"/bewoners/{rid}").get_data(as_text=True)  # this session keeps its key
    assert other.get(f"/bewoners/{rid}").status_code == 302  # the other session is gone: to login
    assert db.session.scalar(db.select(db.func.count(UserSession.id)).filter_by(user_id=cast.anna.id)) == 1
    fresh = login(None)
    fresh.login(cast.anna, NEW_PASSWORD)
    assert NAME in fresh.get(f"/bewoners/{rid}").get_data(as_text=True)
    with pytest.raises(service.VaultError):
        private_key_of(cast.anna, PASSWORD)  # the old password no longer opens the key


def test_password_change_needs_the_current_password(cast, login):
    anna = login(cast.anna)
    response = anna.post("/account/wachtwoord", {"current_password": "fout fout fout", "password": NEW_PASSWORD,
                                                 "password_repeat": NEW_PASSWORD})
    assert response.status_code == 200 and 'id="current_password-error"' in response.get_data(as_text=True)


def test_accepting_an_invitation_shows_a_recovery_code_once_and_stores_only_its_wrap(cast, login, browser):
    user, token = accounts.invite_user(cast.ada, email="nina@example.test", name="Nina", roles=["family_worker"],
                                       team=cast.anna.team, organisation=None, areas=[], now=utcnow())
    db.session.commit()
    response = browser.post(f"/uitnodiging/{token}", {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    code = re.search(r'class="recovery-code">([0-9A-Z-]+)<', response.get_data(as_text=True)).group(1)
    row = db.session.get(UserKey, user.id)
    assert row.wrapped_sk_rc is not None
    compact = code.replace("-", "").encode()
    for column in (row.wrapped_sk_rc, row.wrapped_sk_pw, row.kdf_params.encode()):
        assert code.encode() not in column and compact not in column


def test_reset_with_the_recovery_code_keeps_the_residents_and_issues_a_new_code(cast, kit):
    code = service.enrol_user(cast.anna, PASSWORD, now=utcnow())
    resident = make_resident(cast.anna)
    db.session.commit()
    new_code = service.reset_user_key(cast.anna, NEW_PASSWORD, now=utcnow(), recovery_code=code)
    db.session.commit()
    assert new_code != code
    assert _reveal(cast.anna, resident, NEW_PASSWORD).name == NAME
    with pytest.raises(service.VaultError):
        service.reset_user_key(cast.anna, PASSWORD, now=utcnow(), recovery_code=code)  # the old code is spent


def test_admin_reset_then_new_password_without_code_locks_until_the_ceremony(cast, login, kit, app):
    resident = make_resident(cast.anna)
    db.session.commit()
    admin = login(cast.ada)
    assert admin.post(f"/beheer/gebruikers/{cast.anna.id}/wachtwoord-herstellen").status_code == 302
    db.session.refresh(cast.anna)
    assert cast.anna.password_hash is None
    # The link went out by e-mail; a fresh one (replacing it) stands in for it here.
    token = accounts._new_invitation(cast.ada, cast.anna, utcnow())
    db.session.commit()
    fresh = login(None)
    page = fresh.get(f"/uitnodiging/{token}").get_data(as_text=True)
    assert "herstelcode" in page.lower()
    response = fresh.post(f"/uitnodiging/{token}", {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert response.status_code == 200  # a new personal recovery code, shown once
    anna = login(None)
    anna.login(cast.anna, NEW_PASSWORD)
    listing = anna.get("/bewoners").get_data(as_text=True)
    assert "Vergrendeld" in listing and NAME not in listing
    # The ceremony: ada starts, cas (coordinator) completes with the kit.
    assert admin.post("/beheer/herstel", {"from_user": cast.anna.id, "to_user": cast.anna.id}).status_code == 302
    request_id = db.session.scalar(db.select(db.func.max(RecoveryRequest.id)))
    cas = login(cast.cas)
    wrong = cas.post(f"/beheer/herstel/{request_id}", {"kit": ensure_other_kit()})
    assert wrong.status_code == 200 and "hoort niet bij dit platform" in wrong.get_data(as_text=True)
    assert "Vergrendeld" in anna.get("/bewoners").get_data(as_text=True)
    done = cas.post(f"/beheer/herstel/{request_id}", {"kit": kit})
    assert done.status_code == 302
    assert NAME in anna.get("/bewoners").get_data(as_text=True)
    recovered = db.session.scalars(db.select(AuditEvent).filter_by(action="identity.recover")).all()
    assert len(recovered) == 1 and recovered[0].emergency and recovered[0].actor_user_id == cast.cas.id
    assert recovered[0].on_behalf_of_user_id == cast.ada.id


def ensure_other_kit():
    from expertise.vault import crypto

    return crypto.generate_recovery_keypair()[1]


def test_the_starter_cannot_complete_their_own_ceremony(cast, kit):
    colleague = make_colleague(cast.anna)
    private_key_of(colleague)
    make_resident(cast.anna)
    request = service.start_recovery(cast.ada, cast.anna, colleague, now=utcnow())
    with pytest.raises(service.VaultError):
        service.complete_recovery(request, cast.ada, kit, now=utcnow())


def test_the_ceremony_moves_a_leavers_residents_to_a_colleague(cast, kit):
    colleague = make_colleague(cast.anna)
    private_key_of(colleague)
    resident = make_resident(cast.anna)
    request = service.start_recovery(cast.ada, cast.anna, colleague, now=utcnow())
    assert service.complete_recovery(request, cast.cas, kit, now=utcnow()) == 1
    db.session.commit()
    assert _reveal(colleague, resident).name == NAME
    with pytest.raises(service.VaultError):
        _reveal(cast.anna, resident)
    grants = db.session.scalars(db.select(ResidentKeyGrant).filter_by(resident_id=resident.id)).all()
    assert len(grants) == 2 and {g.holder_type for g in grants} == {"user", "org_recovery"}


def test_a_wrong_or_mistyped_kit_changes_nothing(cast, kit):
    colleague = make_colleague(cast.anna)
    private_key_of(colleague)
    resident = make_resident(cast.anna)
    db.session.commit()
    before = [(g.holder_type, g.holder_id, g.wrapped_dek) for g in resident.grants]
    request = service.start_recovery(cast.ada, cast.anna, colleague, now=utcnow())
    for bad in [ensure_other_kit(), kit[:-1] + ("0" if kit[-1] != "0" else "1"), "EPR1-XXXX"]:
        with pytest.raises(service.VaultError):
            service.complete_recovery(request, cast.cas, bad, now=utcnow())
    db.session.commit()
    db.session.expire_all()
    assert [(g.holder_type, g.holder_id, g.wrapped_dek) for g in resident.grants] == before
    assert resident.owner_id == cast.anna.id and request.completed_at is None


def test_the_kit_is_never_stored_nor_logged(cast, login, kit, caplog, app):
    caplog.set_level(logging.DEBUG)
    colleague = make_colleague(cast.anna)
    private_key_of(colleague)
    make_resident(cast.anna)
    db.session.commit()
    login(cast.ada).post("/beheer/herstel", {"from_user": cast.anna.id, "to_user": colleague.id})
    cas = login(cast.cas)
    request_id = db.session.scalar(db.text("SELECT max(id) FROM recovery_request"))
    page = cas.post(f"/beheer/herstel/{request_id}", {"kit": kit[:-2] + "ZZ"})  # a typo: page re-rendered
    assert kit[:20] not in page.get_data(as_text=True)
    cas.post(f"/beheer/herstel/{request_id}", {"kit": kit})
    forms = [kit, kit.replace("-", ""), kit.split("-", 1)[1].replace("-", "")]
    dump = _all_values()
    for form in forms:
        assert form not in dump and form not in caplog.text


def test_a_new_recovery_key_is_shown_once_and_only_its_public_half_kept(cast, login):
    admin = login(cast.ada)
    page = admin.post("/beheer/herstelsleutel")
    body = page.get_data(as_text=True)
    kit = re.search(r'class="recovery-kit">(EPR1-[0-9A-Z-]+)<', body).group(1)
    assert page.headers["Cache-Control"] == "no-store"
    assert kit not in admin.get("/beheer/herstelsleutel").get_data(as_text=True)
    assert kit not in _all_values() and kit.split("-", 1)[1].replace("-", "") not in _all_values()


def _all_values():
    """Return every value of every table as one text (hex for bytes)."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            for value in row:
                parts.append(value.hex() if isinstance(value, (bytes, memoryview)) else str(value))
    return "\n".join(parts)


def test_handover_gives_the_colleague_access_and_leaves_the_owner_nothing(cast, login, kit):
    colleague = make_colleague(cast.anna)
    carla = login(colleague)  # her key pair is made at login
    anna = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    resident = db.session.get(Resident, rid)
    old_ct = resident.identity_ct
    old_dek = service.crypto.unwrap_data_key(
        resident.grants[0].wrapped_dek if resident.grants[0].holder_type == "user" else resident.grants[1].wrapped_dek,
        private_key_of(cast.anna), rid, service.crypto.user_holder(cast.anna.id))
    assert anna.post(f"/bewoners/{rid}/overdragen", {"colleague": colleague.id}).status_code == 302
    assert NAME in carla.get(f"/bewoners/{rid}").get_data(as_text=True)
    assert anna.get(f"/bewoners/{rid}").status_code == 404
    db.session.expire_all()
    resident = db.session.get(Resident, rid)
    grants = db.session.scalars(db.select(ResidentKeyGrant).filter_by(resident_id=rid)).all()
    assert len(grants) == 2 and {(g.holder_type, g.holder_id) for g in grants} >= {("user", colleague.id)}
    assert all(g.holder_id != cast.anna.id or g.holder_type != "user" for g in grants)
    assert resident.identity_ct != old_ct and resident.dek_version == 2
    with pytest.raises(service.crypto.VaultCryptoError):
        service.crypto.open_identity(old_dek, resident.identity_ct, rid, resident.dek_version)
    assert db.session.scalar(db.select(db.func.count(AuditEvent.seq)).filter_by(action="identity.handover")) == 1


def test_handover_to_another_team_is_refused(cast, kit):
    private_key_of(cast.bram)  # bram works in another team
    resident = make_resident(cast.anna)
    with pytest.raises(service.VaultError):
        service.hand_over(cast.anna, resident, cast.bram, private_key=private_key_of(cast.anna), now=utcnow())
    db.session.rollback()


def test_handover_form_refuses_a_colleague_from_another_team(cast, login, kit):
    login(cast.bram)
    login(make_colleague(cast.anna))  # so the form is shown
    anna = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    response = anna.post(f"/bewoners/{rid}/overdragen", {"colleague": cast.bram.id})
    assert response.status_code == 200 and 'id="colleague-error"' in response.get_data(as_text=True)
    assert NAME in anna.get(f"/bewoners/{rid}").get_data(as_text=True)


def test_a_family_worker_who_gets_the_role_later_gets_a_key_pair_at_login(cast, login):
    assert db.session.get(UserKey, cast.anna.id) is None
    login(cast.anna)
    assert db.session.get(UserKey, cast.anna.id) is not None
    login(cast.eva)
    assert db.session.get(UserKey, cast.eva.id) is None


def test_after_a_new_recovery_key_the_owners_grants_move_to_it_at_login(cast, login, kit):
    resident = make_resident(cast.anna)
    old_key = service.current_recovery_key()
    new_key, new_kit = service.create_recovery_key(cast.ada, now=utcnow())
    db.session.commit()
    login(cast.anna)
    db.session.expire_all()
    holders = {(g.holder_type, g.holder_id) for g in db.session.scalars(
        db.select(ResidentKeyGrant).filter_by(resident_id=resident.id))}
    assert holders == {("user", cast.anna.id), ("org_recovery", new_key.id)}
    # The new kit now recovers the resident; the old one no longer does.
    colleague = make_colleague(cast.anna)
    private_key_of(colleague)
    request = service.start_recovery(cast.ada, cast.anna, colleague, now=utcnow())
    assert service.complete_recovery(request, cast.cas, kit, now=utcnow()) == 0
    assert old_key.retired_at is not None
    request = service.start_recovery(cast.ada, cast.anna, colleague, now=utcnow())
    assert service.complete_recovery(request, cast.cas, new_kit, now=utcnow()) == 1


def test_a_new_pepper_re_wraps_each_user_at_login_while_the_old_one_is_a_fallback(cast, login, app, kit):
    resident = make_resident(cast.anna)
    db.session.commit()
    old = app.config["VAULT_PEPPER"]
    try:
        app.config.update(VAULT_PEPPER="a-brand-new-pepper-for-version-2", VAULT_PEPPER_VERSION=2,
                          VAULT_PEPPER_FALLBACKS={1: old})
        assert NAME in login(cast.anna).get(f"/bewoners/{resident.id}").get_data(as_text=True)
        db.session.expire_all()
        assert '"pepper_version":2' in db.session.get(UserKey, cast.anna.id).kdf_params
        app.config["VAULT_PEPPER_FALLBACKS"] = {}
        assert NAME in login(cast.anna).get(f"/bewoners/{resident.id}").get_data(as_text=True)
    finally:
        app.config.update(VAULT_PEPPER=old, VAULT_PEPPER_VERSION=1, VAULT_PEPPER_FALLBACKS={})
