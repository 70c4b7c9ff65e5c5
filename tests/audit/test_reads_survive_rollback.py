"""NEN 7513: an identity read is logged even when the request that needed it then fails.

Each reveal path is tried twice through HTTP, once accepted and once refused
(the guard blocks the text), and must leave the same number of read rows.
"""
import pytest

from expertise.audit import service as audit
from expertise.audit.models import AuditEvent
from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.vault import service as vault

from ..factories import IDENTITY, make_resident, private_key_of
from ..questions.residents import ask, question_form, question_from


def _reads(resident_id):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(AuditEvent.seq)).filter_by(
        action=audit.IDENTITY_READ, object_type="resident", object_id=str(resident_id)))


def _reads_during(resident_id, request):
    before = _reads(resident_id)
    response = request()
    return response, _reads(resident_id) - before


def test_a_refused_owner_reply_keeps_the_audit_row_of_its_identity_read(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    url = f"/vragen/{question.id}/reageren"
    accepted, accepted_reads = _reads_during(question.resident_id, lambda: anna.post(
        url, {"body": "Dank je, dit probeer ik deze week.", "actie": "plaatsen"}))
    assert accepted.status_code == 302 and accepted_reads == 1
    refused, refused_reads = _reads_during(question.resident_id, lambda: anna.post(
        url, {"body": f"Ik spreek {IDENTITY['name']} morgen.", "actie": "plaatsen"}))
    assert refused.status_code == 200 and "Haal dat weg" in refused.get_data(as_text=True)
    assert refused_reads == accepted_reads
    assert audit.verify_chain() is None


def test_a_refused_question_about_an_existing_resident_keeps_its_reads(cast, login):
    resident = make_resident(cast.anna)
    db.session.commit()
    anna = login(cast.anna)
    choice = dict(resident=str(resident.id), new_name="", new_date_of_birth="", new_file_number="")
    accepted, accepted_reads = _reads_during(resident.id, lambda: anna.post(
        "/vragen/nieuw", question_form(cast, **choice)))
    assert accepted.status_code == 302
    refused, refused_reads = _reads_during(resident.id, lambda: anna.post(
        "/vragen/nieuw", question_form(cast, title=f"Vraag over {IDENTITY['name']}", **choice)))
    assert refused.status_code == 200 and "Haal dat weg" in refused.get_data(as_text=True)
    assert accepted_reads >= 2  # the form's list of residents and the chosen one
    assert refused_reads == accepted_reads
    assert audit.verify_chain() is None


def test_a_refused_edit_keeps_the_audit_rows_of_its_reads(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    url = f"/vragen/{question.id}/bewerken"
    form = question_form(cast, resident=str(question.resident_id), new_name="", new_date_of_birth="",
                         new_file_number="", actie="plaatsen")
    accepted, accepted_reads = _reads_during(question.resident_id, lambda: anna.post(
        url, dict(form, request="Welke aanpak helpt thuis?")))
    assert accepted.status_code == 302
    refused, refused_reads = _reads_during(question.resident_id, lambda: anna.post(
        url, dict(form, request=f"Wat helpt {IDENTITY['name']}?")))
    assert refused.status_code == 200
    assert refused_reads == accepted_reads
    assert audit.verify_chain() is None


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_read_survives_the_rollback_of_its_transaction_and_a_change_does_not(cast, end):
    resident = make_resident(cast.anna)
    db.session.commit()
    before = _reads(resident.id)
    vault.reveal_identity(cast.anna, resident, private_key=private_key_of(cast.anna), now=utcnow())
    audit.record(audit.IDENTITY_HANDOVER, actor=cast.anna, now=utcnow(), object_type="resident",
                 object_id=resident.id)
    if end == "rollback":
        db.session.rollback()
    else:  # an exception ended the request: Flask-SQLAlchemy closes the session
        db.session.remove()
    assert _reads(resident.id) == before + 1
    row = db.session.scalars(db.select(AuditEvent).filter_by(action=audit.IDENTITY_READ)
                             .order_by(AuditEvent.seq.desc())).first()
    assert row.actor_user_id == cast.anna.id and row.outcome == audit.SUCCESS
    assert db.session.scalar(db.select(db.func.count(AuditEvent.seq)).filter_by(
        action=audit.IDENTITY_HANDOVER)) == 0
    assert audit.verify_chain() is None


def test_a_committed_read_is_written_once(cast):
    resident = make_resident(cast.anna)
    db.session.commit()
    before = _reads(resident.id)
    vault.reveal_identity(cast.anna, resident, private_key=private_key_of(cast.anna), now=utcnow())
    db.session.commit()
    db.session.rollback()
    assert _reads(resident.id) == before + 1
    assert audit.verify_chain() is None
