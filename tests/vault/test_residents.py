"""Owner-only resident pages: add, list, view, erase, access history; 404 for everyone else."""
import pytest

from expertise.audit.models import AuditEvent
from expertise.extensions import db
from expertise.vault.models import Resident, ResidentKeyGrant

from ..factories import ensure_recovery_key, make_resident
from .helpers import IDENTITY_FORM, NAME, add_resident, resident_id_from


@pytest.fixture
def recovery_key(cast):
    key, _kit = ensure_recovery_key()
    db.session.commit()
    return key


def test_family_worker_adds_a_resident_and_sees_it_decrypted(cast, login, recovery_key):
    anna = login(cast.anna)
    response = add_resident(anna)
    assert response.status_code == 302
    rid = resident_id_from(response)
    page = anna.get(f"/bewoners/{rid}")
    assert page.status_code == 200 and NAME in page.get_data(as_text=True)
    assert "3 mei 2010" in page.get_data(as_text=True) and "J-2023-0451" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    listing = anna.get("/bewoners")
    assert NAME in listing.get_data(as_text=True) and listing.headers["Cache-Control"] == "no-store"
    resident = db.session.get(Resident, rid)
    assert resident.owner_id == cast.anna.id and NAME.encode() not in resident.identity_ct
    grants = db.session.scalars(db.select(ResidentKeyGrant).filter_by(resident_id=rid)).all()
    assert sorted(g.holder_type for g in grants) == ["org_recovery", "user"]


def test_a_mistake_comes_back_with_the_text_intact_and_nothing_written(cast, login, recovery_key):
    anna = login(cast.anna)
    response = add_resident(anna, {**IDENTITY_FORM, "file_number": "111222333"})  # passes the elfproef
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="file_number-error"' in body and "BSN" in body
    assert NAME in body  # the name field keeps what was typed
    assert db.session.scalar(db.select(db.func.count(Resident.id))) == 0


def test_a_future_date_of_birth_is_refused_next_to_the_field(cast, login, recovery_key):
    response = add_resident(login(cast.anna), {**IDENTITY_FORM, "date_of_birth": "2999-01-01"})
    assert 'id="date_of_birth-error"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Resident.id))) == 0


def test_creating_a_resident_is_refused_until_a_recovery_key_exists(cast, login):
    response = add_resident(login(cast.anna))
    assert response.status_code == 200
    assert "herstelsleutel" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Resident.id))) == 0


def test_another_family_worker_gets_404_and_the_attempt_is_audited(cast, login):
    rid = make_resident(cast.anna).id
    db.session.commit()
    bram = login(cast.bram)
    for path in [f"/bewoners/{rid}", f"/bewoners/{rid}/inzage", f"/bewoners/{rid}/overdragen"]:
        response = bram.get(path)
        assert response.status_code == 404
        assert NAME not in response.get_data(as_text=True)
    assert bram.post(f"/bewoners/{rid}/wissen").status_code == 404
    denied = db.session.scalars(db.select(AuditEvent).filter_by(action="resident.access_denied")).all()
    assert len(denied) == 4 and {e.actor_user_id for e in denied} == {cast.bram.id}
    assert db.session.get(Resident, rid).identity_ct is not None


def test_missing_resident_is_404_like_someone_elses(cast, login):
    assert login(cast.anna).get("/bewoners/987654").status_code == 404


@pytest.mark.parametrize("role", ["eva", "mila", "cas", "ada"])
def test_other_roles_cannot_open_resident_pages(cast, login, role):
    rid = make_resident(cast.anna).id
    db.session.commit()
    response = login(getattr(cast, role)).get(f"/bewoners/{rid}")
    assert response.status_code == 403 and NAME not in response.get_data(as_text=True)


def test_after_logout_the_cookie_key_alone_opens_nothing(cast, login, recovery_key, app):
    anna = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    cookie = anna.client.get_cookie(app.config["VAULT_COOKIE_NAME"])
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    anna.logout()
    assert anna.client.get_cookie(app.config["VAULT_COOKIE_NAME"]) is None
    again = login(cast.anna)
    again.client.set_cookie(app.config["VAULT_COOKIE_NAME"], cookie.value)
    # A new session has a new blob: the old cookie key does not open it.
    page = again.get(f"/bewoners/{rid}")
    assert "Vergrendeld" in page.get_data(as_text=True) and NAME not in page.get_data(as_text=True)


def test_without_the_vault_cookie_the_resident_is_locked(cast, login, recovery_key, app):
    anna = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    anna.client.delete_cookie(app.config["VAULT_COOKIE_NAME"])
    page = anna.get(f"/bewoners/{rid}")
    assert page.status_code == 200 and "Vergrendeld" in page.get_data(as_text=True)
    assert NAME not in page.get_data(as_text=True)


def test_erasing_asks_for_confirmation_and_removes_the_resident(cast, login, recovery_key):
    anna = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    page = anna.get(f"/bewoners/{rid}").get_data(as_text=True)
    assert "Ja, definitief wissen" in page
    assert anna.post(f"/bewoners/{rid}/wissen").status_code == 302
    assert anna.get(f"/bewoners/{rid}").status_code == 404
    assert NAME not in anna.get("/bewoners").get_data(as_text=True)


def test_access_history_lists_reads_without_names_and_filters_by_period(cast, login, recovery_key):
    anna = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    anna.get(f"/bewoners/{rid}")
    login(cast.bram).get(f"/bewoners/{rid}")  # denied, and shown to the owner
    page = anna.get(f"/bewoners/{rid}/inzage")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Vastgelegd" in body and "Identiteit bekeken" in body and "Toegang geweigerd" in body
    assert "Anna Gezinswerker" in body and "Bram Gezinswerker" in body and "Buurtteam Zuilen" in body
    assert "Vries" not in body and "2010" not in body
    empty = anna.get(f"/bewoners/{rid}/inzage?van=2001-01-01&tot=2001-12-31").get_data(as_text=True)
    assert "Geen gebeurtenissen in deze periode." in empty


def test_menu_and_home_card_show_my_residents_to_family_workers_only(cast, login):
    assert "Mijn bewoners" in login(cast.anna).get("/").get_data(as_text=True)
    assert "Mijn bewoners" not in login(cast.eva).get("/").get_data(as_text=True)


def test_identity_form_values_stay_out_of_the_logs(cast, login, recovery_key, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    anna = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    anna.get(f"/bewoners/{rid}")
    add_resident(anna, {**IDENTITY_FORM, "file_number": "111222333"})
    assert "Vries" not in caplog.text and "J-2023" not in caplog.text and "111222333" not in caplog.text
