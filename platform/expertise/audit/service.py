"""Write and check the audit trail.

`record()` is the one way to write an event. It locks the chain head
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite has a single writer anyway),
computes the next MAC and only flushes: the caller's commit makes the event
part of the same transaction as the change it records.

Reads are the exception (NEN 7513: every access is logged, failed requests
included). An identity read or a refused access has happened once the
service returned, whatever the request does next: when its transaction ends
without a commit (a refused post, an error, a rollback), the read events are
written again in a transaction of their own, after the rollback has released
every lock (so they can never wait on the request's own transaction). The
events of changes (create, handover, erase, …) are rolled back with the
change they record.
"""
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timezone

from flask import current_app
from sqlalchemy import event as sa_event

from ..extensions import db
from .models import AuditChainHead, AuditEvent

log = logging.getLogger(__name__)

# The actions the platform records; the owner's access history shows these.
IDENTITY_CREATE = "identity.create"
IDENTITY_READ = "identity.read"
IDENTITY_HANDOVER = "identity.handover"
IDENTITY_RECOVER = "identity.recover"
IDENTITY_ERASE = "identity.erase"
IDENTITY_TEXTS_REDACT = "identity.texts_redact"  # erasing redacted texts that held the identity (counts only)
RESIDENT_ACCESS_DENIED = "resident.access_denied"
RECOVERY_START = "recovery.start"
RECOVERY_COMPLETE = "recovery.complete"
RECOVERY_KEY_CREATE = "recovery_key.create"
RECOVERY_GRANTS_REWRAP = "recovery_key.rewrap"
LOGIN = "login"
PASSWORD_CHANGE = "password.change"
USER_KEY_RESET = "user_key.reset"
LOGIN_LOCK = "login.lock"
STEP_UP = "step_up"
TOTP_ENROL = "totp.enrol"
TOTP_RESET = "totp.reset"

SUCCESS = "success"
FAILURE = "failure"
DENIED = "denied"

# Accesses that happened even when the request's transaction is rolled back.
READ_ACTIONS = frozenset({IDENTITY_READ, RESIDENT_ACCESS_DENIED})
_READS = "audit.reads"  # session.info key: this transaction's read events, not yet committed

_FIELDS = (
    "seq", "ts", "actor_user_id", "actor_roles", "actor_team_id", "actor_organisation_id",
    "on_behalf_of_user_id", "action", "object_type", "object_id", "outcome", "emergency",
    "source_ip", "detail", "key_id", "prev_mac",
)


class AuditError(Exception):
    """The audit trail cannot be written or checked."""


@dataclass(frozen=True)
class Source:
    """Where a request came from (the NEN 7513 access point)."""

    ip: str | None = None


def _key():
    key = current_app.config.get("AUDIT_MAC_KEY")
    if not key:
        raise AuditError("AUDIT_MAC_KEY is not configured")
    return key.encode() if isinstance(key, str) else bytes(key)


def _canonical(values):
    out = {}
    for name in _FIELDS:
        value = values[name]
        if name == "ts":
            value = value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out[name] = value
    return json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def compute_mac(values, key):
    """Return the hex HMAC-SHA256 of a row's fields chained to the previous MAC."""
    return hmac.new(key, _canonical(values), hashlib.sha256).hexdigest()


def _row_values(event):
    return {name: getattr(event, name) for name in _FIELDS}


def _head():
    head = db.session.scalar(
        db.select(AuditChainHead).filter_by(id=1).with_for_update()
    )
    if head is None:
        head = AuditChainHead(id=1, seq=0, mac="")
        db.session.add(head)
        db.session.flush()
    return head


def record(action, *, actor=None, now, object_type=None, object_id=None, outcome=SUCCESS,
           emergency=False, on_behalf_of=None, source=None, detail=""):
    """Append one event to the chain and return it (flushed, not committed).

    `actor` is a User (or None for the system); only its ids and role names
    are stored. `detail` is for pseudonymous extras such as "to_user=12".
    A read (READ_ACTIONS) is kept even if the transaction is rolled back.
    """
    head = _head()
    fields = {
        "ts": now,
        "actor_user_id": actor.id if actor is not None else None,
        "actor_roles": ",".join(sorted(r.value for r in actor.roles)) if actor is not None else "",
        "actor_team_id": actor.team_id if actor is not None else None,
        "actor_organisation_id": actor.organisation_id if actor is not None else None,
        "on_behalf_of_user_id": on_behalf_of.id if on_behalf_of is not None else None,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else None,
        "outcome": outcome,
        "emergency": bool(emergency),
        "source_ip": (source.ip if source is not None else None),
        "detail": detail or "",
        "key_id": current_app.config["AUDIT_MAC_KEY_ID"],
    }
    event = AuditEvent(seq=head.seq + 1, prev_mac=head.mac, **fields)
    event.mac = compute_mac(_row_values(event), _key())
    db.session.add(event)
    head.seq = event.seq
    head.mac = event.mac
    db.session.flush()
    if action in READ_ACTIONS:
        db.session().info.setdefault(_READS, []).append(fields)
    return event


def _append_on_own_connection(rows):
    """Append events to the chain in a transaction of their own (the chain head locked)."""
    key = _key()
    events, heads = AuditEvent.__table__, AuditChainHead.__table__
    with db.engine.begin() as connection:
        head = connection.execute(
            db.select(heads.c.seq, heads.c.mac).where(heads.c.id == 1).with_for_update()
        ).first()
        seq, mac = (head.seq, head.mac) if head is not None else (0, "")
        if head is None:
            connection.execute(heads.insert().values(id=1, seq=0, mac=""))
        for fields in rows:
            values = dict(fields, seq=seq + 1, prev_mac=mac)
            values["mac"] = compute_mac(values, key)
            connection.execute(events.insert().values(**values))
            seq, mac = values["seq"], values["mac"]
        connection.execute(heads.update().where(heads.c.id == 1).values(seq=seq, mac=mac))


def _after_commit(session):
    session.info.pop(_READS, None)  # committed with the request


def _after_transaction_end(session, transaction):
    # Only the outermost transaction: a rolled-back savepoint's reads are
    # still in the outer transaction, which may yet commit them.
    if transaction.nested or transaction.parent is not None:
        return
    reads = session.info.pop(_READS, None)
    if not reads:
        return
    try:
        _append_on_own_connection(reads)
    except Exception as error:  # never mask the request's own error; say what was lost
        log.error("audit: %d read event(s) of a rolled-back request could not be written: %s",
                  len(reads), type(error).__name__)


def init_app(app):
    """Install the hooks that keep read events of rolled-back transactions, once per process."""
    if not getattr(db.session, "_audit_hooks", False):
        sa_event.listen(db.session, "after_commit", _after_commit)
        sa_event.listen(db.session, "after_transaction_end", _after_transaction_end)
        db.session._audit_hooks = True


def verify_chain():
    """Check every row in order; return None when intact, else the first broken seq.

    A row is broken when its MAC does not match its fields, when it does not
    point at the previous row's MAC, or when a sequence number is missing
    (a deleted row). A truncated tail shows as a mismatch with the chain head.
    """
    key = _key()
    key_id = current_app.config["AUDIT_MAC_KEY_ID"]
    expected_seq, prev_mac = 1, ""
    query = db.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=500)
    for event in db.session.scalars(query):
        if event.seq != expected_seq or event.prev_mac != prev_mac or event.key_id != key_id:
            return expected_seq if event.seq > expected_seq else event.seq
        if not hmac.compare_digest(compute_mac(_row_values(event), key), event.mac):
            return event.seq
        prev_mac = event.mac
        expected_seq += 1
    head = db.session.get(AuditChainHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.mac != prev_mac):
        return expected_seq
    return None


def chain_head():
    """Return (seq, mac) of the last event, for export outside the database."""
    head = db.session.get(AuditChainHead, 1)
    return (head.seq, head.mac) if head is not None else (0, "")


def events_for(object_type, object_id, *, start=None, end=None):
    """Return the events about one object, oldest first, optionally within [start, end)."""
    query = db.select(AuditEvent).filter_by(object_type=object_type, object_id=str(object_id))
    if start is not None:
        query = query.where(AuditEvent.ts >= start)
    if end is not None:
        query = query.where(AuditEvent.ts < end)
    return list(db.session.scalars(query.order_by(AuditEvent.seq)))
