"""Erasing a resident takes its identity out of the texts about it too (issue 26, item 2)."""
from expertise.audit.models import AuditEvent
from expertise.extensions import db
from expertise.moderation.models import ModerationDecision
from expertise.moderation.service import reason_lines
from expertise.questions.models import PostRevision
from expertise.vault.models import Resident

from .legacy_texts import legacy_world


def _erase(client, resident_id):
    return client.post(f"/bewoners/{resident_id}/wissen")


def test_erasure_redacts_the_identity_in_every_text_on_the_residents_questions(cast, login):
    anna = login(cast.anna)
    world = legacy_world(cast)
    other_before = (world.other_question.title, world.other_question.situation)
    assert _erase(anna, world.resident.id).status_code == 302
    db.session.expire_all()
    q = world.question
    assert db.session.get(Resident, world.resident.id).is_erased
    assert q.situation == "[naam] (geboren [datum]) slaapt slecht. Dossier [dossiernummer]."
    assert world.surname not in q.situation_html and "[naam]" in q.situation_html
    assert q.outcome_note == "Het advies hielp: [naam] slaapt beter."
    assert world.owner_post.body == "Aanvulling: [naam] is op [datum] geboren."  # the disguised name too
    assert "\u200b" not in world.owner_post.body_html and "2011" not in world.owner_post.body_html
    revision = db.session.scalars(db.select(PostRevision).filter_by(post_id=world.owner_post.id)).one()
    assert revision.body == "Eerder: [naam], [dossiernummer]."
    assert world.expert_post.body == "Vraag [naam] wat helpt bij het inslapen."  # others' posts too
    assert world.flag.note == "Hier staat de naam [naam] in."
    assert world.item.discussion_note == "Bespreek [naam], dossier [dossiernummer]."
    # What held nothing of the identity is left as it was.
    assert world.plain_post.body == "Een vast avondritueel helpt vaak."
    assert q.request == "Hoe kunnen ouders helpen met een vast ritme?"
    assert (world.other_question.title, world.other_question.situation) == other_before


def test_the_redaction_is_audited_and_in_the_moderation_history_by_counts_only(cast, login):
    anna = login(cast.anna)
    world = legacy_world(cast)
    assert _erase(anna, world.resident.id).status_code == 302
    audit_row = db.session.scalars(db.select(AuditEvent).filter_by(
        action="identity.texts_redact", object_type="resident", object_id=str(world.resident.id))).one()
    # situation 3, feedback 1, owner's post 2, revision 2, expert's post 1, flag 1, nomination 2
    assert audit_row.detail == "parts=12 questions=1" and audit_row.actor_user_id == cast.anna.id
    decision = db.session.scalars(db.select(ModerationDecision).filter_by(
        question_id=world.question.id, action="redact")).one()
    assert decision.moderator_id is None and decision.reason == "" and decision.original_deleted
    assert reason_lines(decision.reasons) == [
        "Gegevens van de bewoner weggehaald bij het wissen van de identiteit: 12"]
    assert not db.session.scalars(db.select(ModerationDecision).filter_by(
        question_id=world.other_question.id)).all()


def test_erasing_with_a_locked_vault_changes_nothing(cast, login, app):
    anna = login(cast.anna)
    world = legacy_world(cast)
    anna.client.delete_cookie(app.config["VAULT_COOKIE_NAME"])
    response = _erase(anna, world.resident.id)
    assert response.status_code == 200 and "Je kluis is vergrendeld" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Resident, world.resident.id).is_erased
    assert world.surname in world.question.situation


def test_someone_else_cannot_erase_or_learn_anything(cast, login):
    login(cast.anna)
    world = legacy_world(cast)
    assert _erase(login(cast.bram), world.resident.id).status_code == 404
    db.session.expire_all()
    assert world.surname in world.question.situation


def test_a_text_whose_identity_shows_only_once_rendered_is_removed_whole():
    from datetime import date

    from expertise.questions import guard

    known = guard.KnownIdentity("Ymke Wisproef", date(2011, 7, 19), "ZU-1234567")
    # A link splits the name: only the rendered page shows it, there is no span to replace.
    assert guard.redact_identity("Vraag [Ym](https://example.org)ke wat helpt.", known) == (guard.REMOVED_TEXT, 1)
    assert guard.redact_identity("Vraag Ymke wat helpt; ZU 1234567.", known) == (
        "Vraag [naam] wat helpt; [dossiernummer].", 2)
    assert guard.redact_identity("Een vast ritme helpt.", known) == ("Een vast ritme helpt.", 0)
