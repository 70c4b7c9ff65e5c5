"""The audit trail (T-10): one row per event with the NEN 7513 fields, append-only, chained."""
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from expertise.audit import service as audit
from expertise.audit.models import AuditEvent
from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.vault import service

from ..factories import PASSWORD, ensure_recovery_key, make_resident, private_key_of
from ..vault.helpers import NEEDLES, add_resident, make_colleague, resident_id_from


def _events(action=None):
    query = db.select(AuditEvent).order_by(AuditEvent.seq)
    if action:
        query = query.filter_by(action=action)
    return db.session.scalars(query).all()


def test_each_identity_event_writes_exactly_one_row_with_the_required_fields(cast, login):
    ensure_recovery_key()
    db.session.commit()
    colleague = make_colleague(cast.anna)
    login(colleague)
    anna = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    anna.get(f"/bewoners/{rid}")
    login(cast.bram).get(f"/bewoners/{rid}")
    anna.post(f"/bewoners/{rid}/overdragen", {"colleague": colleague.id})
    expected = {"identity.create": cast.anna, "identity.read": cast.anna, "resident.access_denied": cast.bram,
                "identity.handover": cast.anna}
    for action, actor in expected.items():
        rows = _events(action)
        assert len(rows) == 1, action
        row = rows[0]
        assert row.actor_user_id == actor.id and row.actor_roles == "family_worker"
        assert row.actor_team_id == actor.team_id and row.object_type == "resident" and row.object_id == str(rid)
        assert row.ts is not None and row.source_ip == "127.0.0.1" and len(row.mac) == 64
        assert row.outcome in ("success", "denied")
    assert _events("identity.handover")[0].detail == f"from_user={cast.anna.id} to_user={colleague.id}"


def test_login_success_and_failure_are_recorded_pseudonymously(cast, login, browser):
    login(cast.anna)
    browser.post("/inloggen", {"email": cast.anna.email, "password": "verkeerd wachtwoord"})
    browser.post("/inloggen", {"email": "niemand@example.test", "password": "verkeerd wachtwoord"})
    rows = _events("login")
    assert [(r.actor_user_id, r.outcome) for r in rows] == [
        (cast.anna.id, "success"), (cast.anna.id, "failure"), (None, "failure")]
    text = " ".join(f"{r.detail} {r.object_id}" for r in rows)
    assert "example.test" not in text


def test_the_database_refuses_update_and_delete_of_audit_rows(cast):
    audit.record(audit.LOGIN, actor=cast.anna, now=utcnow())
    db.session.commit()
    for statement in ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"]:
        with pytest.raises(sa.exc.DBAPIError):
            db.session.execute(sa.text(statement))
            db.session.flush()
        db.session.rollback()
    assert len(_events()) == 1


@contextmanager
def _triggers_off():
    """Act as an attacker with database access who disables the append-only triggers."""
    if db.engine.dialect.name == "sqlite":
        triggers = db.session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _sql in triggers:
            db.session.execute(sa.text(f'DROP TRIGGER "{name}"'))
        yield
        for _name, sql in triggers:
            db.session.execute(sa.text(sql))
    else:
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        yield
    db.session.commit()


def _four_events(cast):
    for _ in range(4):
        audit.record(audit.LOGIN, actor=cast.anna, now=utcnow())
    db.session.commit()


def test_verify_reports_ok_for_an_intact_chain(cast, app):
    _four_events(cast)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and result.output.startswith("OK 4 events")


def test_a_changed_middle_row_is_found_at_its_seq(cast, app):
    _four_events(cast)
    with _triggers_off():
        db.session.execute(sa.text("UPDATE audit_event SET action = 'identity.read' WHERE seq = 2"))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and result.output.strip() == "BROKEN at seq 2"


def test_a_deleted_middle_row_is_found_at_its_seq(cast, app):
    _four_events(cast)
    with _triggers_off():
        db.session.execute(sa.text("DELETE FROM audit_event WHERE seq = 3"))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and result.output.strip() == "BROKEN at seq 3"


def test_a_removed_last_row_is_found_against_the_chain_head(cast):
    _four_events(cast)
    with _triggers_off():
        db.session.execute(sa.text("DELETE FROM audit_event WHERE seq = 4"))
    assert audit.verify_chain() == 4


def test_a_row_rewritten_with_a_wrong_key_is_found(cast, app):
    _four_events(cast)
    row = db.session.get(AuditEvent, 3)
    values = {name: getattr(row, name) for name in audit._FIELDS}
    values["outcome"] = "failure"
    forged = audit.compute_mac(values, b"a guessed key")
    with _triggers_off():
        db.session.execute(sa.text("UPDATE audit_event SET outcome = 'failure', mac = :m WHERE seq = 3"), {"m": forged})
    assert audit.verify_chain() == 3


def test_the_audit_trail_holds_no_names_or_identity(cast, login):
    ensure_recovery_key()
    db.session.commit()
    anna = login(cast.anna)
    rid = resident_id_from(add_resident(anna))
    anna.get(f"/bewoners/{rid}")
    anna.post(f"/bewoners/{rid}/wissen")
    text = " ".join(str(v) for e in _events() for v in e.__dict__.values())
    for needle in NEEDLES + [cast.anna.name, cast.anna.email]:
        assert needle not in text


def test_the_chain_stays_valid_across_identity_events_and_erasure(cast):
    _key, kit = ensure_recovery_key()
    resident = make_resident(cast.anna)
    service.reveal_identity(cast.anna, resident, private_key=private_key_of(cast.anna, PASSWORD), now=utcnow())
    service.erase_identity(cast.anna, resident, now=utcnow())
    db.session.commit()
    assert audit.verify_chain() is None
