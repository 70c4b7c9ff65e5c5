"""The resident a question is about, through HTTP: asking, seeing, handing over, closing."""
import re

from expertise.accounts.models import Role
from expertise.audit.models import AuditEvent
from expertise.extensions import db
from expertise.questions.models import Question, QuestionEvent
from expertise.vault.models import Resident

from ..factories import IDENTITY, ensure_recovery_key, make_post, make_resident, make_user
from .residents import ask, count_questions, find_needles, make_colleague, question_form, question_from


def _residents():
    return db.session.scalar(db.select(db.func.count(Resident.id)))


def _reads(resident_id):
    return db.session.scalar(db.select(db.func.count(AuditEvent.seq)).filter_by(
        action="identity.read", object_type="resident", object_id=str(resident_id)))


# --- asking ---------------------------------------------------------------------


def test_family_worker_asks_about_a_new_resident_whose_identity_goes_only_to_the_vault(cast, login):
    anna = login(cast.anna)
    response = ask(anna, cast)
    assert response.status_code == 302
    question = question_from(response)
    resident = db.session.get(Resident, question.resident_id)
    assert resident.owner_id == cast.anna.id and resident.identity_ct
    stored = " ".join(str(v) for v in (question.title, question.situation, question.request, question.pii_check))
    assert find_needles(stored) == []
    assert question.pii_check == {"warned": {}, "confirmed": False}


def test_question_form_lists_my_residents_decrypted_for_me_only(cast, login):
    resident = make_resident(cast.anna)
    make_resident(cast.bram, {"name": "Pieter Bakker", "date_of_birth": "2012-01-02"})
    db.session.commit()
    page = login(cast.anna).get("/vragen/nieuw")
    text = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Over wie gaat de vraag?" in text
    assert f'<option value="{resident.id}">Janneke de Vries-Özdemir (3 mei 2010)</option>' in text
    assert "Pieter" not in text


def test_family_worker_asks_about_one_of_her_existing_residents(cast, login):
    resident = make_resident(cast.anna)
    db.session.commit()
    anna = login(cast.anna)
    response = anna.post("/vragen/nieuw", question_form(cast, resident=str(resident.id), new_name="", new_date_of_birth="",
                                                        new_file_number=""))
    assert response.status_code == 302
    assert question_from(response).resident_id == resident.id
    assert _residents() == 1


def test_someone_elses_resident_cannot_be_chosen(cast, login):
    other = make_resident(cast.bram, {"name": "Pieter Bakker", "date_of_birth": "2012-01-02"})
    db.session.commit()
    response = login(cast.anna).post("/vragen/nieuw", question_form(cast, resident=str(other.id)))
    assert response.status_code == 200
    assert "Kies een van je eigen bewoners." in response.get_data(as_text=True)
    assert count_questions() == 0


def test_a_bsn_as_file_number_brings_the_form_back_intact_and_writes_nothing(cast, login):
    response = ask(login(cast.anna), cast, new_file_number="111222333")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "burgerservicenummer" in text
    assert 'value="Driftbuien bij een jongen van 9"' in text
    assert "Sinds de scheiding van de ouders heeft hij dagelijks driftbuien." in text
    assert 'value="Janneke de Vries-Özdemir"' in text and 'value="2010-05-03"' in text
    assert count_questions() == 0 and _residents() == 0


def test_a_missing_date_of_birth_brings_the_form_back_and_writes_nothing(cast, login):
    response = ask(login(cast.anna), cast, new_date_of_birth="")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vul een geldige geboortedatum in." in text
    assert 'value="Janneke de Vries-Özdemir"' in text
    assert count_questions() == 0 and _residents() == 0


def test_locked_vault_is_explained_in_dutch_and_the_text_is_kept(cast, login, app):
    anna = login(cast.anna)
    anna.client.delete_cookie(app.config["VAULT_COOKIE_NAME"])
    form_page = anna.get("/vragen/nieuw").get_data(as_text=True)
    assert "Je kluis is vergrendeld" in form_page
    response = ask(anna, cast)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Je kluis is vergrendeld" in text
    assert "Sinds de scheiding van de ouders heeft hij dagelijks driftbuien." in text
    assert count_questions() == 0 and _residents() == 0


def test_a_question_without_a_resident_can_still_be_asked(cast, login):
    response = ask(login(cast.anna), cast, resident="")
    assert response.status_code == 302
    assert question_from(response).resident_id is None


def test_a_draft_keeps_the_chosen_resident(cast, login):
    anna = login(cast.anna)
    response = ask(anna, cast, actie="concept", situation="")
    draft = question_from(response)
    assert draft.is_draft and draft.resident_id is not None
    edit = anna.get(f"/vragen/{draft.id}/bewerken").get_data(as_text=True)
    assert f'<option selected value="{draft.resident_id}">' in edit
    # Finishing the draft keeps the same resident; no second one is made.
    response = anna.post(f"/vragen/{draft.id}/bewerken", question_form(cast, resident=str(draft.resident_id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, draft.id).status == "open"
    assert _residents() == 1


def test_editing_with_a_locked_vault_refuses_and_never_drops_the_resident(cast, login, app):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    anna.client.delete_cookie(app.config["VAULT_COOKIE_NAME"])
    edit = anna.get(f"/vragen/{question.id}/bewerken").get_data(as_text=True)
    assert f'<option selected value="{question.resident_id}">De huidige bewoner (vergrendeld)</option>' in edit
    response = anna.post(f"/vragen/{question.id}/bewerken", question_form(
        cast, title="Nieuwe titel", resident=str(question.resident_id)))
    assert response.status_code == 200 and "Je kluis is vergrendeld" in response.get_data(as_text=True)
    db.session.expire_all()
    changed = db.session.get(Question, question.id)
    assert changed.title == "Driftbuien bij een jongen van 9" and changed.resident_id == question.resident_id


# --- who sees the identity ------------------------------------------------------------


def test_owner_sees_the_identity_in_a_box_only_for_her_and_the_read_is_audited(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    before = _reads(question.resident_id)
    page = anna.get(f"/vragen/{question.id}")
    text = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Alleen voor jou zichtbaar" in text
    assert "Janneke de Vries-Özdemir" in text and "3 mei 2010" in text and "J-2023-0451" in text
    db.session.expire_all()
    assert _reads(question.resident_id) == before + 1


def test_experts_moderators_coordinators_and_team_colleagues_see_the_age_only(cast, login):
    question = question_from(ask(login(cast.anna), cast))
    carla = make_colleague(cast.anna)
    for person in (cast.eva, cast.olaf, cast.mila, cast.cas, carla):
        text = login(person).get(f"/vragen/{question.id}").get_data(as_text=True)
        assert "9 jaar" in text
        assert find_needles(text) == [], person.name
        assert "Alleen voor jou zichtbaar" not in text


def test_list_pages_never_decrypt(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    before = _reads(question.resident_id)
    for url in ("/vragen", "/vragen/zonder-advies"):
        assert find_needles(anna.get(url).get_data(as_text=True)) == []
    db.session.expire_all()
    assert _reads(question.resident_id) == before


# --- handover -----------------------------------------------------------------------


def _colleague_with_key(cast, login):
    carla = make_colleague(cast.anna)
    login(carla)  # the first login gives her a key pair
    return carla


def test_handover_rekeys_the_resident_so_the_colleague_reads_it_and_the_owner_gets_404(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    carla = _colleague_with_key(cast, login)
    response = anna.post(f"/vragen/{question.id}/overdragen", {"colleague": str(carla.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question.id).owner_id == carla.id
    assert db.session.get(Resident, question.resident_id).owner_id == carla.id

    carla_client = login(carla)
    page = carla_client.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Janneke de Vries-Özdemir" in page
    assert "Anna Gezinswerker heeft de vraag overgedragen aan Carla Collega." in page
    assert anna.get(f"/bewoners/{question.resident_id}").status_code == 404
    anna_page = anna.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert find_needles(anna_page) == []


def test_all_questions_about_the_resident_move_with_it(cast, login):
    anna = login(cast.anna)
    first = question_from(ask(anna, cast))
    second = question_from(anna.post("/vragen/nieuw", question_form(
        cast, title="Tweede vraag over slapen", resident=str(first.resident_id))))
    closed = question_from(anna.post("/vragen/nieuw", question_form(
        cast, title="Derde vraag", resident=str(first.resident_id))))
    anna.post(f"/vragen/{closed.id}/afsluiten", {"outcome": "followed", "explanation": "Opgelost."})
    carla = _colleague_with_key(cast, login)
    hand_over_page = anna.get(f"/vragen/{first.id}/overdragen").get_data(as_text=True)
    assert "Ook 2 andere vragen over deze bewoner gaan mee." in hand_over_page
    assert anna.post(f"/vragen/{first.id}/overdragen", {"colleague": str(carla.id)}).status_code == 302
    db.session.expire_all()
    owners = {db.session.get(Question, q.id).owner_id for q in (first, second, closed)}
    assert owners == {carla.id}
    events = db.session.scalars(db.select(QuestionEvent).filter_by(kind="handed_over")).all()
    assert sorted(e.question_id for e in events) == sorted([first.id, second.id, closed.id])


def test_handover_to_a_colleague_without_a_key_changes_nothing(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    carla = make_colleague(cast.anna)  # never logged in: no key pair to wrap to
    response = anna.post(f"/vragen/{question.id}/overdragen", {"colleague": str(carla.id)})
    assert response.status_code == 200
    assert "Je kunt alleen overdragen aan een actieve gezinswerker" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, question.id).owner_id == cast.anna.id
    assert db.session.get(Resident, question.resident_id).owner_id == cast.anna.id


def test_coordinator_hands_over_for_a_departed_owner_after_the_recovery_ceremony(cast, login):
    anna = login(cast.anna)
    _key, kit = ensure_recovery_key()
    db.session.commit()
    question = question_from(ask(anna, cast))
    carla = _colleague_with_key(cast, login)
    second_admin = make_user("Bea Beheerder", [Role.ADMIN])
    db.session.commit()
    cast.anna.active = False
    db.session.commit()

    cas = login(cast.cas)
    detail = cas.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "De eigenaar is niet meer actief" in detail
    page = cas.get(f"/vragen/{question.id}/namens-overdragen").get_data(as_text=True)
    assert "Eerst de bewoner herstellen" in page and "/beheer/herstel" in page
    # Without the ceremony the question cannot move: nobody could read the identity.
    refused = cas.post(f"/vragen/{question.id}/namens-overdragen", {"colleague": str(carla.id)})
    assert refused.status_code == 200 and "Rond eerst het herstel" in refused.get_data(as_text=True)

    # The ceremony: an admin starts it, the coordinator completes it with the kit.
    ada = login(cast.ada)
    assert ada.post("/beheer/herstel", {"from_user": str(cast.anna.id), "to_user": str(carla.id)}).status_code == 302
    from expertise.vault.models import RecoveryRequest

    request_id = db.session.scalar(db.select(RecoveryRequest.id))
    assert kit is not None
    assert cas.post(f"/beheer/herstel/{request_id}", {"kit": kit}).status_code == 302
    response = cas.post(f"/vragen/{question.id}/namens-overdragen", {"colleague": str(carla.id)})
    assert response.status_code == 302
    told = cas.get(response.headers["Location"]).get_data(as_text=True)
    assert "De vraag is namens Anna Gezinswerker overgedragen aan Carla Collega." in told
    db.session.expire_all()
    assert db.session.get(Question, question.id).owner_id == carla.id
    page = login(carla).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Janneke de Vries-Özdemir" in page
    assert "Cas Coordinator heeft de vraag overgedragen aan Carla Collega." in page
    assert second_admin  # a second admin exists, but the coordinator completed the ceremony


def test_coordinator_cannot_hand_over_while_the_owner_is_active(cast, login):
    question = question_from(ask(login(cast.anna), cast))
    cas = login(cast.cas)
    assert "De eigenaar is niet meer actief" not in cas.get(f"/vragen/{question.id}").get_data(as_text=True)
    response = cas.get(f"/vragen/{question.id}/namens-overdragen")
    assert response.status_code == 302 and response.headers["Location"] == f"/vragen/{question.id}"


# --- closing and reopening -------------------------------------------------------------


def test_closing_the_last_open_question_schedules_erasure_and_reopening_clears_it(cast, login):
    anna = login(cast.anna)
    first = question_from(ask(anna, cast))
    second = question_from(anna.post("/vragen/nieuw", question_form(
        cast, title="Tweede vraag over slapen", resident=str(first.resident_id))))
    close = {"outcome": "followed", "explanation": "Het advies hielp."}

    anna.post(f"/vragen/{first.id}/afsluiten", close)
    db.session.expire_all()
    assert db.session.get(Resident, first.resident_id).erase_after is None  # the second is still open

    anna.post(f"/vragen/{second.id}/afsluiten", close)
    db.session.expire_all()
    resident = db.session.get(Resident, first.resident_id)
    closed_at = db.session.get(Question, second.id).closed_at
    assert resident.erase_after is not None and resident.erase_after > closed_at

    assert anna.post(f"/vragen/{second.id}/heropenen").status_code == 302
    db.session.expire_all()
    assert db.session.get(Resident, first.resident_id).erase_after is None


def test_a_new_question_about_a_resident_due_for_erasure_keeps_the_identity(cast, login):
    anna = login(cast.anna)
    first = question_from(ask(anna, cast))
    make_post(cast.eva, db.session.get(Question, first.id))
    db.session.commit()
    anna.post(f"/vragen/{first.id}/afsluiten", {"outcome": "followed", "explanation": "Klaar."})
    db.session.expire_all()
    assert db.session.get(Resident, first.resident_id).erase_after is not None
    anna.post("/vragen/nieuw", question_form(cast, title="Nieuwe zorg", resident=str(first.resident_id)))
    db.session.expire_all()
    assert db.session.get(Resident, first.resident_id).erase_after is None
    assert IDENTITY["name"]  # the identity itself is untouched


def test_handover_from_the_resident_page_moves_every_question_about_the_resident(cast, login):
    anna = login(cast.anna)
    first = question_from(ask(anna, cast))
    closed = question_from(anna.post("/vragen/nieuw", question_form(
        cast, title="Tweede vraag over slapen", resident=str(first.resident_id))))
    anna.post(f"/vragen/{closed.id}/afsluiten", {"outcome": "followed", "explanation": "Opgelost."})
    draft = question_from(anna.post("/vragen/nieuw", question_form(
        cast, title="Concept", resident=str(first.resident_id), actie="concept")))
    carla = _colleague_with_key(cast, login)
    page = anna.get(f"/bewoners/{first.resident_id}/overdragen").get_data(as_text=True)
    assert "De 3 vragen over deze bewoner gaan mee" in page
    response = anna.post(f"/bewoners/{first.resident_id}/overdragen", {"colleague": str(carla.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Resident, first.resident_id).owner_id == carla.id
    assert {db.session.get(Question, q.id).owner_id for q in (first, closed, draft)} == {carla.id}
    events = db.session.scalars(db.select(QuestionEvent).filter_by(kind="handed_over")).all()
    assert sorted(e.question_id for e in events) == sorted([first.id, closed.id])  # a draft has no thread

    # The old owner: no identity, no owner buttons, no false "vault locked".
    for question in (first, closed):
        old = anna.get(f"/vragen/{question.id}").get_data(as_text=True)
        assert find_needles(old) == []
        assert "Jij hebt de regie" not in old and "vergrendeld" not in old
    # The new owner: the identity and the owner's buttons on each.
    carla_client = login(carla)
    for question in (first, closed):
        new = carla_client.get(f"/vragen/{question.id}").get_data(as_text=True)
        assert "Janneke de Vries-Özdemir" in new and "Jij hebt de regie" in new
        assert "Anna Gezinswerker heeft de vraag overgedragen aan Carla Collega." in new


def test_a_resident_handover_that_fails_moves_nothing(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    _colleague_with_key(cast, login)  # someone who could receive it, so the form is there
    carla = make_colleague(cast.anna, name="Cor Zonder Sleutel")  # never logged in: no key pair
    login(cast.bram)  # a key pair, but another team
    for someone in (carla, cast.bram):
        response = anna.post(f"/bewoners/{question.resident_id}/overdragen", {"colleague": str(someone.id)})
        assert response.status_code == 200
        assert 'id="colleague-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, question.id).owner_id == cast.anna.id
    assert db.session.get(Resident, question.resident_id).owner_id == cast.anna.id
    assert db.session.scalar(db.select(db.func.count(QuestionEvent.id)).filter_by(kind="handed_over")) == 0


def test_a_closed_question_is_handed_over_without_reopening_and_keeps_its_feedback(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    anna.post(f"/vragen/{question.id}/afsluiten", {"outcome": "followed", "explanation": "Het ritueel hielp."})
    page = anna.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert f"/vragen/{question.id}/overdragen" in page
    carla = _colleague_with_key(cast, login)
    assert anna.post(f"/vragen/{question.id}/overdragen", {"colleague": str(carla.id)}).status_code == 302
    db.session.expire_all()
    moved = db.session.get(Question, question.id)
    assert moved.owner_id == carla.id and moved.is_closed and moved.outcome_note == "Het ritueel hielp."


def test_asked_by_stays_who_asked_and_the_current_owner_shows_beside_it(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    carla = _colleague_with_key(cast, login)
    anna.post(f"/vragen/{question.id}/overdragen", {"colleague": str(carla.id)})
    page = login(cast.eva).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert re.search(r"Gesteld door</dt><dd>Anna Gezinswerker", page)
    assert re.search(r"Eigenaar nu</dt><dd>Carla Collega", page)
