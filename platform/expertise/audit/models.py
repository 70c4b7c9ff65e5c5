"""The audit trail table and the one-row head of its HMAC chain."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import UtcDateTime
from ..extensions import db


class AuditEvent(db.Model):
    """One audited event (NEN 7513 §5/§7): when, who, in which role, on what, with what outcome.

    Append-only: database triggers refuse UPDATE and DELETE (see the
    migration). Every row carries an HMAC over its fields and the previous
    row's MAC, keyed by AUDIT_MAC_KEY outside the database, so a changed,
    inserted or deleted row breaks the chain. Ids only, never names or text.
    """

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    ts = mapped_column(UtcDateTime, nullable=False, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(sa.Integer)
    actor_roles: Mapped[str] = mapped_column(sa.String(100), default="")
    actor_team_id: Mapped[int | None] = mapped_column(sa.Integer)
    actor_organisation_id: Mapped[int | None] = mapped_column(sa.Integer)
    on_behalf_of_user_id: Mapped[int | None] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(40))
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    emergency: Mapped[bool] = mapped_column(default=False)
    source_ip: Mapped[str | None] = mapped_column(sa.String(45))
    # Pseudonymous extras such as "to_user=12"; never names or free text.
    detail: Mapped[str] = mapped_column(sa.String(200), default="")
    key_id: Mapped[int] = mapped_column(sa.Integer)
    prev_mac: Mapped[str] = mapped_column(sa.String(64))
    mac: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)


class AuditChainHead(db.Model):
    """The last sequence number and MAC; locking this row serialises writers."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"))
    mac: Mapped[str] = mapped_column(sa.String(64))
