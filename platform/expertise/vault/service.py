"""Identity vault rules: key pairs, residents, handover, recovery and erasure.

This is the only module that imports `vault.crypto`. Only owner-only code
paths import it (an architecture test checks that). Services take the
owner's unlocked private key as an argument (views get it from
`vault.session.unlock()`), never touch the request, raise VaultError with a
Dutch message, write an audit event for every identity operation, and only
flush: the caller commits once.
"""
import base64
import json
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import Role, User
from ..audit import service as audit
from ..core import erasure
from ..extensions import db
from ..moderation.pii import find_bsn
from . import crypto
from .models import (
    HOLDER_RECOVERY,
    HOLDER_USER,
    ErasureTombstone,
    RecoveryKey,
    RecoveryRequest,
    Resident,
    ResidentKeyGrant,
    UserKey,
)

log = logging.getLogger(__name__)

RESIDENT = "resident"
NAME_MAX = 120
FILE_NUMBER_MAX = 40


class VaultError(Exception):
    """A vault rule was broken; `field` names the form field, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class VaultLocked(VaultError):
    """The key needed is not available in this session (or was never granted)."""

    def __init__(self, message=None):
        super().__init__(message or _l("Vergrendeld: log opnieuw in om de gegevens van je bewoners te zien."))


@dataclass(frozen=True)
class Identity:
    """A resident's identity, in memory only."""

    name: str
    date_of_birth: date
    file_number: str = ""

    def to_json(self):
        return {"name": self.name, "date_of_birth": self.date_of_birth.isoformat(), "file_number": self.file_number}

    @classmethod
    def from_json(cls, data):
        return cls(data["name"], date.fromisoformat(data["date_of_birth"]), data.get("file_number", ""))


# --- configuration -------------------------------------------------------------


def _pepper(version=None):
    """Return the pepper of this version (default: the current one)."""
    config = current_app.config
    if version is None or version == config["VAULT_PEPPER_VERSION"]:
        pepper = config["VAULT_PEPPER"]
    else:
        pepper = config.get("VAULT_PEPPER_FALLBACKS", {}).get(version)
        if pepper is None:
            raise VaultError(_l("Het wachtwoord opent de sleutel niet."))
    return pepper.encode() if isinstance(pepper, str) else bytes(pepper)


def _pepper_version():
    return current_app.config["VAULT_PEPPER_VERSION"]


def _kdf_cost():
    return crypto.KdfCost(*current_app.config["VAULT_KDF"])


def self_test():
    """Refuse to start when Argon2id or HPKE is missing from this build."""
    crypto.self_test()


# --- user key pairs ------------------------------------------------------------


def user_key(user):
    return db.session.get(UserKey, user.id)


def can_own_residents(user):
    return user.is_active and user.has_role(Role.FAMILY_WORKER) and user.team_id is not None


def _wrap_for_password(key_row, user, sk, password, now):
    params = crypto.KdfParams.new(_pepper_version(), _kdf_cost())
    mk = crypto.derive_master_key(password, params, _pepper())
    key_row.kdf_params = params.to_json()
    key_row.auth_verifier = crypto.auth_verifier(mk)
    key_row.wrapped_sk_pw = crypto.wrap_private_key(crypto.kek(mk), sk, user.id)
    key_row.updated_at = now


def _new_recovery_code(key_row, user, sk):
    code = crypto.new_recovery_code()
    key_row.wrapped_sk_rc = crypto.wrap_private_key_rc(crypto.recovery_code_key(code), sk, user.id)
    return code


def enrol_user(user, password, *, now, with_recovery_code=True):
    """Give a family worker a key pair wrapped under their password; return the recovery code.

    The personal recovery code is returned once, to be shown once; only the
    private key wrapped under it is stored.
    """
    if user_key(user) is not None:
        raise VaultError(_l("Dit account heeft al een sleutelpaar."))
    sk, pk = crypto.generate_user_keypair()
    row = UserKey(user_id=user.id, public_key=pk, created_at=now, key_version=1)
    _wrap_for_password(row, user, sk, password, now)
    code = _new_recovery_code(row, user, sk) if with_recovery_code else None
    db.session.add(row)
    db.session.flush()
    return code


def _unwrap_with_password(row, user, password):
    """Return the private key; raise VaultError when the password does not open it."""
    try:
        params = crypto.KdfParams.from_json(row.kdf_params)
        mk = crypto.derive_master_key(password, params, _pepper(params.pepper_version))
        if not crypto.verify_auth(mk, row.auth_verifier):
            raise VaultError(_l("Het wachtwoord opent de sleutel niet."))
        return crypto.unwrap_private_key(crypto.kek(mk), row.wrapped_sk_pw, user.id), params
    except crypto.VaultCryptoError:
        raise VaultError(_l("Het wachtwoord opent de sleutel niet.")) from None


def check_login_password(user, password):
    """Verify a password with the user's auth verifier; return the login material, or None without a key pair.

    One Argon2id (with the server pepper) both checks the password and gives
    the master key, so the accounts side needs no hash of its own for users
    with a key pair. The returned bytes are opaque to the caller: it keeps
    them (sealed) until the second factor, then passes them to
    `unlock_at_login`. The password itself is only in them when the stored
    Argon2id parameters must be upgraded, which needs it. Raises VaultError
    when the password does not open the key.
    """
    row = user_key(user)
    if row is None:
        return None
    try:
        params = crypto.KdfParams.from_json(row.kdf_params)
        mk = crypto.derive_master_key(password, params, _pepper(params.pepper_version))
    except crypto.VaultCryptoError:
        raise VaultError(_l("Het wachtwoord opent de sleutel niet.")) from None
    if not crypto.verify_auth(mk, row.auth_verifier):
        raise VaultError(_l("Het wachtwoord opent de sleutel niet."))
    upgrade = crypto.kdf_needs_upgrade(params, _kdf_cost(), _pepper_version())
    return _material(mk=mk, password=password if upgrade else None)


def new_key_material(user, password):
    """Return login material for a family worker who has no key pair yet (made after the second factor)."""
    if user_key(user) is not None or not can_own_residents(user):
        return None
    return _material(password=password)


def _material(mk=None, password=None):
    data = {"mk": base64.b64encode(mk).decode("ascii") if mk else None, "pw": password}
    return json.dumps(data, separators=(",", ":")).encode()


def _parse_material(material):
    try:
        data = json.loads(material)
        mk = base64.b64decode(data["mk"]) if data.get("mk") else None
        return mk, data.get("pw")
    except (ValueError, TypeError, KeyError):
        raise VaultError(_l("Het wachtwoord opent de sleutel niet.")) from None


def unlock_at_login(user, material, user_session, *, now):
    """Seal the user's private key into the new session row; return the cookie key or None.

    `material` comes from `check_login_password` or `new_key_material`,
    after the second factor. Users who cannot own residents get no vault. A
    family worker without a key pair (the role was added later) gets one
    now, without a recovery code. Stored Argon2id parameters below the
    configured cost, or an old pepper version, are upgraded here.
    """
    if material is None:
        return None
    mk, password = _parse_material(material)
    row = user_key(user)
    if row is None:
        if not can_own_residents(user) or not password:
            return None
        enrol_user(user, password, now=now, with_recovery_code=False)
        row = user_key(user)
        sk, _params = _unwrap_with_password(row, user, password)
    else:
        if mk is None:
            raise VaultError(_l("Het wachtwoord opent de sleutel niet."))
        try:
            sk = crypto.unwrap_private_key(crypto.kek(mk), row.wrapped_sk_pw, user.id)
        except crypto.VaultCryptoError:
            raise VaultError(_l("Het wachtwoord opent de sleutel niet.")) from None
        if password and crypto.kdf_needs_upgrade(crypto.KdfParams.from_json(row.kdf_params), _kdf_cost(),
                                                 _pepper_version()):
            _wrap_for_password(row, user, sk, password, now)
    rewrap_recovery_grants(user, sk, now=now)
    k_sess = crypto.new_session_key()
    user_session.vault_blob = crypto.seal_session_key(k_sess, sk, user_session.id)
    db.session.flush()
    return k_sess


def open_session(user_session, k_sess):
    """Return the private key sealed in this session row; raise VaultLocked otherwise."""
    if user_session is None or user_session.vault_blob is None or not k_sess:
        raise VaultLocked()
    try:
        return crypto.open_session_key(k_sess, user_session.vault_blob, user_session.id)
    except crypto.VaultCryptoError:
        raise VaultLocked() from None


def change_password_keys(user, old_password, new_password, *, now):
    """Re-wrap the private key under a new password (no resident data changes)."""
    row = user_key(user)
    if row is None:
        return
    sk, _params = _unwrap_with_password(row, user, old_password)
    _wrap_for_password(row, user, sk, new_password, now)
    db.session.flush()


def reset_user_key(user, new_password, *, now, recovery_code=None, source=None):
    """Set up the key after a forgotten password; return the new personal recovery code.

    With the personal recovery code the private key is kept (re-wrapped under
    the new password). Without it a new key pair is made: the user's
    residents stay locked until a recovery ceremony re-grants them.
    """
    row = user_key(user)
    if row is None:
        return enrol_user(user, new_password, now=now)
    if recovery_code:
        try:
            sk = crypto.unwrap_private_key_rc(crypto.recovery_code_key(recovery_code), row.wrapped_sk_rc or b"", user.id)
        except crypto.VaultCryptoError:
            raise VaultError(_l("Deze herstelcode klopt niet."), "recovery_code") from None
        detail = "with_code"
    else:
        sk, row.public_key = crypto.generate_user_keypair()
        row.key_version += 1
        detail = "new_key_pair"
    _wrap_for_password(row, user, sk, new_password, now)
    code = _new_recovery_code(row, user, sk)
    audit.record(audit.USER_KEY_RESET, actor=user, now=now, object_type="user", object_id=user.id,
                 source=source, detail=detail)
    db.session.flush()
    return code


def _check_private_key(user, private_key):
    row = user_key(user)
    if row is None or private_key is None:
        raise VaultLocked()
    try:
        if crypto.public_key_from_private(private_key) != row.public_key:
            raise VaultLocked()
    except crypto.VaultCryptoError:
        raise VaultLocked() from None
    return row


# --- recovery key --------------------------------------------------------------


def current_recovery_key():
    return db.session.scalar(
        db.select(RecoveryKey).filter(RecoveryKey.retired_at.is_(None)).order_by(RecoveryKey.id.desc())
    )


def create_recovery_key(actor, *, now, source=None):
    """Make a new recovery key pair; return (row, kit). The kit is never stored.

    An older key is retired, not deleted: grants made to it still open with
    its kit until they are re-wrapped.
    """
    public, kit = crypto.generate_recovery_keypair()
    for old in db.session.scalars(db.select(RecoveryKey).filter(RecoveryKey.retired_at.is_(None))):
        old.retired_at = now
    row = RecoveryKey(public_key=public, fingerprint=crypto.fingerprint(public),
                      created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(audit.RECOVERY_KEY_CREATE, actor=actor, now=now, object_type="recovery_key",
                 object_id=row.id, source=source)
    return row, kit


def rewrap_recovery_grants(owner, private_key, *, now):
    """Move the owner's residents' recovery grants to the current recovery key; return how many.

    After the organisation makes a new recovery key, grants to the old one
    are re-wrapped at each owner's next login (the owner's own grant gives
    the data key). A ceremony with the old kit finishes the stragglers.
    """
    current = current_recovery_key()
    if current is None:
        return 0
    count = 0
    for resident in own_residents(owner):
        stale = db.session.scalars(db.select(ResidentKeyGrant).filter(
            ResidentKeyGrant.resident_id == resident.id, ResidentKeyGrant.holder_type == HOLDER_RECOVERY,
            ResidentKeyGrant.holder_id != current.id)).all()
        if not stale:
            continue
        grant = _owner_grant(owner, resident)
        if grant is None:
            continue
        try:
            dek = crypto.unwrap_data_key(grant.wrapped_dek, private_key, resident.id, crypto.user_holder(owner.id))
        except crypto.VaultCryptoError:
            continue  # locked (e.g. after a reset without code): the ceremony handles it
        for old in stale:
            db.session.delete(old)
        db.session.flush()
        _grant(resident, HOLDER_RECOVERY, current.id, crypto.org_holder(current.id), current.public_key, dek, now)
        count += 1
    if count:
        audit.record(audit.RECOVERY_GRANTS_REWRAP, actor=owner, now=now, object_type="recovery_key",
                     object_id=current.id, detail=f"residents={count}")
    db.session.flush()
    return count


# --- residents -----------------------------------------------------------------


def check_identity(name, date_of_birth, file_number, *, today):
    """Return a valid Identity or raise VaultError naming the field.

    The file number is the team's own number: a BSN (nine digits passing the
    elfproef) is refused, because the platform has no legal basis for it.
    """
    name = " ".join((name or "").split())
    if not name:
        raise VaultError(_l("Vul de naam in."), "name")
    if len(name) > NAME_MAX:
        raise VaultError(_l("Gebruik hoogstens %(n)d tekens voor de naam.", n=NAME_MAX), "name")
    if find_bsn(name):
        raise VaultError(_l("Vul geen burgerservicenummer (BSN) in."), "name")
    if not isinstance(date_of_birth, date):
        raise VaultError(_l("Vul een geldige geboortedatum in."), "date_of_birth")
    if date_of_birth > today or date_of_birth < today.replace(year=today.year - 120):
        raise VaultError(_l("Vul een geldige geboortedatum in."), "date_of_birth")
    file_number = (file_number or "").strip()
    if len(file_number) > FILE_NUMBER_MAX:
        raise VaultError(_l("Gebruik hoogstens %(n)d tekens voor het dossiernummer.", n=FILE_NUMBER_MAX), "file_number")
    if file_number and find_bsn(file_number):
        raise VaultError(
            _l("Dit lijkt een burgerservicenummer (BSN). Gebruik het dossiernummer van je eigen team; het BSN mag hier niet."),
            "file_number",
        )
    return Identity(name, date_of_birth, file_number)


def _grant(resident, holder_type, holder_id, holder_label, public_key, dek, now):
    wrapped = crypto.wrap_data_key(dek, public_key, resident.id, holder_label)
    grant = ResidentKeyGrant(resident_id=resident.id, holder_type=holder_type, holder_id=holder_id,
                             suite=crypto.HPKE_SUITE_NAME, wrapped_dek=wrapped,
                             dek_version=resident.dek_version, created_at=now)
    db.session.add(grant)
    return grant


def _seal_and_grant(resident, identity, owner_key, recovery_key, now):
    """Seal the identity under a fresh data key and grant it to the owner and the recovery key."""
    dek = crypto.new_data_key()
    resident.identity_ct = crypto.seal_identity(dek, identity.to_json(), resident.id, resident.dek_version)
    _grant(resident, HOLDER_USER, owner_key.user_id, crypto.user_holder(owner_key.user_id), owner_key.public_key, dek, now)
    _grant(resident, HOLDER_RECOVERY, recovery_key.id, crypto.org_holder(recovery_key.id), recovery_key.public_key, dek, now)


def _require_recovery_key():
    key = current_recovery_key()
    if key is None:
        raise VaultError(_l(
            "Er is nog geen herstelsleutel voor dit platform. Vraag een beheerder die eerst aan te maken; "
            "zonder herstelsleutel kan een bewoner niet veilig worden vastgelegd."
        ))
    return key


def create_resident(owner, identity, *, private_key, now, source=None):
    """Record a new resident for this family worker, identity sealed; return it.

    `identity` is an Identity (see check_identity). The private key must be
    the owner's own, proving an unlocked session.
    """
    if not can_own_residents(owner):
        raise VaultError(_l("Alleen gezinswerkers van een buurtteam kunnen bewoners vastleggen."))
    owner_key = _check_private_key(owner, private_key)
    recovery_key = _require_recovery_key()
    resident = Resident(owner_id=owner.id, dek_version=1, created_at=now)
    db.session.add(resident)
    db.session.flush()
    _seal_and_grant(resident, identity, owner_key, recovery_key, now)
    audit.record(audit.IDENTITY_CREATE, actor=owner, now=now, object_type=RESIDENT, object_id=resident.id, source=source)
    db.session.flush()
    return resident


def _owner_grant(user, resident):
    return db.session.scalar(db.select(ResidentKeyGrant).filter_by(
        resident_id=resident.id, holder_type=HOLDER_USER, holder_id=user.id, dek_version=resident.dek_version))


def _open_as_owner(owner, resident, private_key):
    """Return (dek, identity) for the owner; raise VaultLocked when no key opens it."""
    if resident.owner_id != owner.id or resident.is_erased or resident.identity_ct is None:
        raise VaultError(_l("Deze bewoner is niet (meer) beschikbaar."))
    grant = _owner_grant(owner, resident)
    if grant is None:
        raise VaultLocked(_l("Vergrendeld: wacht op herstel door een beheerder."))
    try:
        dek = crypto.unwrap_data_key(grant.wrapped_dek, private_key, resident.id, crypto.user_holder(owner.id))
        data = crypto.open_identity(dek, resident.identity_ct, resident.id, resident.dek_version)
    except crypto.VaultCryptoError:
        raise VaultLocked(_l("Vergrendeld: wacht op herstel door een beheerder.")) from None
    return dek, Identity.from_json(data)


def reveal_identity(owner, resident, *, private_key, now, source=None):
    """Return the resident's identity to its owner; every call is audited (identity.read)."""
    try:
        _dek, identity = _open_as_owner(owner, resident, private_key)
    except VaultError:
        audit.record(audit.IDENTITY_READ, actor=owner, now=now, object_type=RESIDENT, object_id=resident.id,
                     outcome=audit.FAILURE, source=source)
        raise
    audit.record(audit.IDENTITY_READ, actor=owner, now=now, object_type=RESIDENT, object_id=resident.id, source=source)
    return identity


def own_residents(owner):
    """Return the owner's live residents (no identities), newest first."""
    return list(db.session.scalars(
        db.select(Resident).filter(Resident.owner_id == owner.id, Resident.erased_at.is_(None))
        .order_by(Resident.created_at.desc(), Resident.id.desc())
    ))


def list_own_residents(owner, *, private_key, now, source=None):
    """Return [(resident, identity or None when locked)], decrypted in memory; one audit row each."""
    out = []
    for resident in own_residents(owner):
        try:
            identity = reveal_identity(owner, resident, private_key=private_key, now=now, source=source)
        except VaultLocked:
            identity = None
        out.append((resident, identity))
    return out


def handover_colleagues(owner):
    """Return the family workers this owner may hand a resident over to."""
    if owner.team_id is None:
        return []
    users = db.session.scalars(
        db.select(User).join(UserKey, UserKey.user_id == User.id)
        .filter(User.team_id == owner.team_id, User.id != owner.id, User.active.is_(True))
        .order_by(User.name)
    )
    return [u for u in users if can_own_residents(u)]


def _rekey(resident, identity, new_owner, recovery_key, now):
    """Re-seal under a fresh data key, drop every old grant, grant new owner + recovery key.

    The old ciphertext and wraps are shredded like an erasure: nothing of
    them stays in the database files (`core.erasure`).
    """
    db.session.execute(db.delete(ResidentKeyGrant).filter_by(resident_id=resident.id))
    erasure.erase_on_commit()
    db.session.expire(resident, ["grants"])
    resident.dek_version += 1
    resident.owner_id = new_owner.id
    _seal_and_grant(resident, identity, user_key(new_owner), recovery_key, now)


def hand_over(owner, resident, colleague, *, private_key, now, source=None):
    """Give a resident to a colleague in the same team; the old owner keeps nothing usable.

    The data key is rotated, so even a copy of the owner's old grant opens
    nothing new. The colleague need not be online: wrapping needs only
    their public key.
    """
    if (colleague is None or colleague.id == owner.id or not can_own_residents(colleague)
            or colleague.team_id != owner.team_id or user_key(colleague) is None):
        raise VaultError(_l("Je kunt alleen overdragen aan een actieve gezinswerker uit je eigen buurtteam."), "colleague")
    _check_private_key(owner, private_key)
    _dek, identity = _open_as_owner(owner, resident, private_key)
    _rekey(resident, identity, colleague, _require_recovery_key(), now)
    audit.record(audit.IDENTITY_HANDOVER, actor=owner, now=now, object_type=RESIDENT, object_id=resident.id,
                 source=source, detail=f"from_user={owner.id} to_user={colleague.id}")
    db.session.flush()


# --- erasure -------------------------------------------------------------------


def _shred(resident, now):
    """Delete the ciphertext and every wrap; after the commit their bytes leave the files too."""
    db.session.execute(db.delete(ResidentKeyGrant).filter_by(resident_id=resident.id))
    erasure.erase_on_commit()
    db.session.expire(resident, ["grants"])
    resident.identity_ct = None
    resident.erased_at = now
    if db.session.get(ErasureTombstone, resident.id) is None:
        db.session.add(ErasureTombstone(resident_id=resident.id, erased_at=now))


def erase_identity(owner, resident, *, now, source=None):
    """Crypto-shred a resident's identity: delete the ciphertext and every wrapped key.

    Needs no key: deleting grants is enough. Audit rows stay (they hold only
    the resident id, which now links to nothing). The owner's erasure page goes
    through `questions.owner.erase_resident`, which first redacts the identity
    in the texts about the resident; the retention purge only shreds.
    """
    if resident.owner_id != owner.id:
        raise VaultError(_l("Deze bewoner is niet (meer) beschikbaar."))
    if resident.is_erased:
        return
    _shred(resident, now)
    audit.record(audit.IDENTITY_ERASE, actor=owner, now=now, object_type=RESIDENT, object_id=resident.id, source=source)
    db.session.flush()


def schedule_erasure(resident, *, closed_at):
    """Set when the identity is erased: IDENTITY_RETENTION_DAYS after the question closed."""
    resident.erase_after = closed_at + timedelta(days=current_app.config["IDENTITY_RETENTION_DAYS"])
    db.session.flush()


def cancel_erasure(resident):
    """Drop a scheduled erasure (a question about the resident is open again); no key needed."""
    if resident.erase_after is not None:
        resident.erase_after = None
        db.session.flush()


def purge_expired(now):
    """Erase every identity whose retention ended; return how many (for `flask vault purge`)."""
    due = list(db.session.scalars(
        db.select(Resident).filter(Resident.erased_at.is_(None), Resident.erase_after.is_not(None),
                                   Resident.erase_after <= now)
    ))
    for resident in due:
        _shred(resident, now)
        audit.record(audit.IDENTITY_ERASE, now=now, object_type=RESIDENT, object_id=resident.id, detail="retention")
    db.session.flush()
    return len(due)


def replay_tombstones(now):
    """Erase again every resident with a tombstone (run after restoring a backup); return the count."""
    count = 0
    for tomb in db.session.scalars(db.select(ErasureTombstone)):
        resident = db.session.get(Resident, tomb.resident_id)
        if resident is not None and (resident.identity_ct is not None or resident.grants):
            _shred(resident, tomb.erased_at)
            audit.record(audit.IDENTITY_ERASE, now=now, object_type=RESIDENT, object_id=resident.id, detail="tombstone_replay")
            count += 1
    db.session.flush()
    return count


# --- recovery ceremony -----------------------------------------------------------


def can_complete_recovery(user):
    return user.is_active and user.has_role(Role.ADMIN, Role.COORDINATOR)


def start_recovery(starter, from_user, to_user, *, now, source=None):
    """Open a recovery request (an admin's half of the four-eyes ceremony)."""
    if not starter.has_role(Role.ADMIN):
        raise VaultError(_l("Alleen een beheerder kan een herstel starten."))
    if to_user is None or not can_own_residents(to_user) or user_key(to_user) is None:
        raise VaultError(_l("Kies een actieve gezinswerker die al een sleutelpaar heeft (eenmaal ingelogd)."), "to_user")
    if from_user is None:
        raise VaultError(_l("Kies van wie de bewoners komen."), "from_user")
    if from_user.id != to_user.id and from_user.team_id != to_user.team_id:
        raise VaultError(_l("De nieuwe eigenaar hoort in hetzelfde buurtteam te werken."), "to_user")
    request = RecoveryRequest(started_by_id=starter.id, from_user_id=from_user.id, to_user_id=to_user.id, created_at=now)
    db.session.add(request)
    db.session.flush()
    audit.record(audit.RECOVERY_START, actor=starter, now=now, object_type="recovery_request", object_id=request.id,
                 emergency=True, source=source, detail=f"from_user={from_user.id} to_user={to_user.id}")
    return request


def _kit_private_key(kit_text):
    """Return (private key, RecoveryKey) for a pasted kit, or raise VaultError (kit never echoed)."""
    try:
        sk = crypto.parse_recovery_kit(kit_text or "")
        public = crypto.public_key_from_private(sk)
    except crypto.VaultCryptoError:
        raise VaultError(_l("Dit is geen geldige herstelsleutel. Controleer de tekens en probeer opnieuw."), "kit") from None
    key = db.session.scalar(db.select(RecoveryKey).filter_by(public_key=public))
    if key is None:
        raise VaultError(_l("Deze herstelsleutel hoort niet bij dit platform."), "kit")
    return sk, key


def recover_residents(starter, officer, kit_text, from_user, to_user, *, now, source=None):
    """Re-grant every resident of `from_user` to `to_user` with the organisation's kit; return the count.

    The four-eyes rule: the officer must be a different admin or coordinator
    than the starter. Each resident is re-keyed (like a handover) and its
    audit row is flagged as an emergency procedure. A wrong kit changes
    nothing. The kit is used for this call only, never stored or logged.
    """
    if officer.id == starter.id or not can_complete_recovery(officer):
        raise VaultError(_l("Een andere beheerder of coördinator dan wie het herstel startte, rondt het af."))
    if not can_own_residents(to_user) or user_key(to_user) is None:
        raise VaultError(_l("De nieuwe eigenaar kan nu geen bewoners ontvangen."))
    try:
        sk_org, key = _kit_private_key(kit_text)
    except VaultError:
        audit.record(audit.RECOVERY_COMPLETE, actor=officer, on_behalf_of=starter, now=now, outcome=audit.FAILURE,
                     emergency=True, source=source, detail=f"from_user={from_user.id} to_user={to_user.id} bad_kit")
        raise
    recovery_key = _require_recovery_key()
    count = 0
    for resident in own_residents(from_user):
        grant = db.session.scalar(db.select(ResidentKeyGrant).filter_by(
            resident_id=resident.id, holder_type=HOLDER_RECOVERY, holder_id=key.id, dek_version=resident.dek_version))
        if grant is None:
            continue
        try:
            dek = crypto.unwrap_data_key(grant.wrapped_dek, sk_org, resident.id, crypto.org_holder(key.id))
            identity = Identity.from_json(crypto.open_identity(dek, resident.identity_ct, resident.id, resident.dek_version))
        except crypto.VaultCryptoError:
            audit.record(audit.IDENTITY_RECOVER, actor=officer, on_behalf_of=starter, now=now, object_type=RESIDENT,
                         object_id=resident.id, outcome=audit.FAILURE, emergency=True, source=source)
            continue
        _rekey(resident, identity, to_user, recovery_key, now)
        audit.record(audit.IDENTITY_RECOVER, actor=officer, on_behalf_of=starter, now=now, object_type=RESIDENT,
                     object_id=resident.id, emergency=True, source=source,
                     detail=f"from_user={from_user.id} to_user={to_user.id}")
        count += 1
    db.session.flush()
    return count


def complete_recovery(request, officer, kit_text, *, now, source=None):
    """Finish an open recovery request with the pasted kit; return how many residents moved."""
    if request.completed_at is not None:
        raise VaultError(_l("Dit herstel is al afgerond."))
    count = recover_residents(request.started_by, officer, kit_text, request.from_user, request.to_user,
                              now=now, source=source)
    request.completed_at = now
    request.completed_by_id = officer.id
    request.resident_count = count
    audit.record(audit.RECOVERY_COMPLETE, actor=officer, on_behalf_of=request.started_by, now=now,
                 object_type="recovery_request", object_id=request.id, emergency=True, source=source,
                 detail=f"residents={count}")
    db.session.flush()
    return count


def encode_cookie_key(k_sess):
    return base64.urlsafe_b64encode(k_sess).decode("ascii")


def decode_cookie_key(text):
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return raw if len(raw) == 32 else None
