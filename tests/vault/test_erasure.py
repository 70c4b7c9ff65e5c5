"""Erasure (T-9): crypto-shredding is final, even with the recovery kit; the audit trail stays.

That nothing of it stays in the database files is tested in tests/core/test_erasure.py.
"""
from datetime import timedelta

from expertise.audit import service as audit
from expertise.audit.models import AuditEvent
from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.vault import service
from expertise.vault.models import ErasureTombstone, Resident, ResidentKeyGrant

from ..factories import ensure_recovery_key, make_resident, private_key_of
from .helpers import make_colleague


def test_erasure_removes_ciphertext_and_every_grant_and_leaves_a_tombstone(cast):
    _key, kit = ensure_recovery_key()
    resident = make_resident(cast.anna)
    service.erase_identity(cast.anna, resident, now=utcnow())
    db.session.commit()
    assert resident.identity_ct is None and resident.erased_at is not None
    assert db.session.scalar(db.select(db.func.count(ResidentKeyGrant.id)).filter_by(resident_id=resident.id)) == 0
    assert db.session.get(ErasureTombstone, resident.id) is not None
    # Even the organisation's kit finds nothing to open.
    colleague = make_colleague(cast.anna)
    private_key_of(colleague)
    request = service.start_recovery(cast.ada, cast.anna, colleague, now=utcnow())
    assert service.complete_recovery(request, cast.cas, kit, now=utcnow()) == 0
    db.session.commit()
    events = db.session.scalars(db.select(AuditEvent).filter_by(object_type="resident", object_id=str(resident.id))).all()
    assert [e.action for e in events] == ["identity.create", "identity.erase"]
    assert audit.verify_chain() is None


def test_retention_purge_erases_due_identities_without_any_key(cast, app):
    due = make_resident(cast.anna)
    later = make_resident(cast.anna)
    service.schedule_erasure(due, closed_at=utcnow() - timedelta(days=366))
    service.schedule_erasure(later, closed_at=utcnow())
    db.session.commit()
    assert later.erase_after - utcnow() > timedelta(days=364)
    result = app.test_cli_runner().invoke(args=["vault", "purge"])
    assert result.exit_code == 0 and "Erased 1 identities." in result.output
    db.session.expire_all()
    assert db.session.get(Resident, due.id).identity_ct is None
    assert db.session.get(Resident, later.id).identity_ct is not None
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="identity.erase")).one()
    assert event.actor_user_id is None and event.detail == "retention"


def test_replaying_tombstones_after_a_restore_erases_again(cast, app):
    resident = make_resident(cast.anna)
    db.session.commit()
    backup_ct = resident.identity_ct
    backup_grants = [(g.holder_type, g.holder_id, g.suite, g.wrapped_dek, g.dek_version) for g in resident.grants]
    service.erase_identity(cast.anna, resident, now=utcnow())
    db.session.commit()
    # "Restore" an older backup of these rows: ciphertext and grants come back, the tombstone table is replayed.
    resident.identity_ct, resident.erased_at = backup_ct, None
    for holder_type, holder_id, suite, wrapped, version in backup_grants:
        db.session.add(ResidentKeyGrant(resident_id=resident.id, holder_type=holder_type, holder_id=holder_id,
                                        suite=suite, wrapped_dek=wrapped, dek_version=version, created_at=utcnow()))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["vault", "replay-tombstones"])
    assert "Erased 1 identities again." in result.output
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).identity_ct is None
    assert db.session.scalar(db.select(db.func.count(ResidentKeyGrant.id))) == 0
