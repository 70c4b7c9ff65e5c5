"""Vault tables: user key pairs, the recovery key, residents and their key grants.

Nothing about a resident is stored in clear: the identity is AES-256-GCM
ciphertext under the resident's data key, and the data key exists only as
HPKE wraps to its holders (the owner and the organisation's recovery key).
There is deliberately no blind index over names.
"""
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import UtcDateTime
from ..core.erasure import declare_erasable
from ..extensions import db

# Resident ids are random, not sequential: an id must not tell how many
# residents the platform holds or in which order they were recorded.
# Below 2**53 so they survive JavaScript numbers; collisions are negligible.
ResidentId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def new_resident_id():
    return secrets.randbelow(2**53 - 2**32) + 2**32


HOLDER_USER = "user"
HOLDER_RECOVERY = "org_recovery"


class UserKey(db.Model):
    """A family worker's X25519 key pair: public part in clear, private part wrapped.

    `kdf_params` (JSON) holds the Argon2id salt and cost so the cost can be
    raised later; `auth_verifier` is HKDF(master key, "auth"), checked at
    login next to the argon2-cffi password hash.
    """

    __tablename__ = "user_key"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    kdf_params: Mapped[str] = mapped_column(sa.String(200))
    auth_verifier: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    wrapped_sk_pw: Mapped[bytes] = mapped_column(sa.LargeBinary(100))
    wrapped_sk_rc: Mapped[bytes | None] = mapped_column(sa.LargeBinary(100))
    key_version: Mapped[int] = mapped_column(default=1)
    created_at = mapped_column(UtcDateTime, nullable=False)
    updated_at = mapped_column(UtcDateTime, nullable=False)


class RecoveryKey(db.Model):
    """The public half of the organisation's offline recovery key.

    The private half is printed once as a recovery kit and never stored.
    """

    __tablename__ = "recovery_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32), unique=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(30))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = mapped_column(UtcDateTime, nullable=False)
    retired_at = mapped_column(UtcDateTime)


class Resident(db.Model):
    """A child or family a family worker asks about; identity only as ciphertext."""

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(ResidentId, primary_key=True, autoincrement=False, default=new_resident_id)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    identity_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    dek_version: Mapped[int] = mapped_column(default=1)
    created_at = mapped_column(UtcDateTime, nullable=False)
    erase_after = mapped_column(UtcDateTime, index=True)
    erased_at = mapped_column(UtcDateTime)

    grants = relationship("ResidentKeyGrant", back_populates="resident", cascade="all, delete-orphan")

    @property
    def is_erased(self):
        return self.erased_at is not None


class ResidentKeyGrant(db.Model):
    """One holder's HPKE wrap of a resident's data key; revoking means deleting the row."""

    __tablename__ = "resident_key_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ResidentId, sa.ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    holder_type: Mapped[str] = mapped_column(sa.String(20))
    holder_id: Mapped[int] = mapped_column(sa.Integer)
    suite: Mapped[str] = mapped_column(sa.String(40))
    wrapped_dek: Mapped[bytes] = mapped_column(sa.LargeBinary(100))
    dek_version: Mapped[int] = mapped_column(sa.Integer)
    created_at = mapped_column(UtcDateTime, nullable=False)

    resident = relationship(Resident, back_populates="grants")

    __table_args__ = (sa.UniqueConstraint("resident_id", "holder_type", "holder_id"),)


class ErasureTombstone(db.Model):
    """A record that a resident's identity was erased; replay it after restoring a backup."""

    __tablename__ = "erasure_tombstone"

    resident_id: Mapped[int] = mapped_column(ResidentId, primary_key=True, autoincrement=False)
    erased_at = mapped_column(UtcDateTime, nullable=False)


class RecoveryRequest(db.Model):
    """A recovery ceremony: one admin starts it, another officer completes it with the kit."""

    __tablename__ = "recovery_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    from_user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    to_user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at = mapped_column(UtcDateTime, nullable=False)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    completed_at = mapped_column(UtcDateTime)
    resident_count: Mapped[int | None] = mapped_column(sa.Integer)

    started_by = relationship("User", foreign_keys=[started_by_id])
    from_user = relationship("User", foreign_keys=[from_user_id])
    to_user = relationship("User", foreign_keys=[to_user_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])


# Erasure deletes ciphertexts and wraps: the daily job vacuums their dead row
# versions on PostgreSQL (expertise.core.erasure).
declare_erasable("resident")
declare_erasable("resident_key_grant")
