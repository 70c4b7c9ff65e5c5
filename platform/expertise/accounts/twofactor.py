"""The second factor: TOTP, one-time recovery codes, pending logins and step-up.

Why a pending login and not a session: between the password and the code
the person has proved only one factor. They get no `user_session` row, no
vault key and no vault cookie yet; the server keeps a `PendingLogin` row
(five minutes) and the browser a random token in its Flask session. What
the vault needs after the second factor (the master key that the password
step derived, so Argon2id runs only once per login) is sealed under a key
derived from that token: the row alone (a database copy) or the token alone
(a stolen cookie) opens nothing. We chose this over re-deriving the key
after the code because a re-derivation needs the password again, i.e. the
person would type it twice or the server would have to keep it, and it
doubles the Argon2id cost of every login.

TOTP secrets are stored encrypted under TOTP_ENC_KEY (outside the database).
A code is accepted for the current 30-second step and one step either side
(clock drift), and never for a step at or before the last accepted one
(ASVS 6.5.1: each code works once). Recovery codes are 80-bit random
strings stored as an HMAC keyed from TOTP_ENC_KEY, each usable once.

Services here take `now`, only flush, and never touch the request.
"""
import hashlib
import hmac
import secrets

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..core import secretbox
from ..extensions import db
from .models import PendingLogin, RecoveryCode
from .service import AccountError, end_all_sessions

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODE_COUNT = 10
PENDING_MAX_ATTEMPTS = 5
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
TOTP = "totp"
RECOVERY = "recovery_code"


def _secret_key():
    return secretbox.derive_key(current_app.config["TOTP_ENC_KEY"], "totp-secret")


def _code_key():
    return secretbox.derive_key(current_app.config["TOTP_ENC_KEY"], "recovery-code")


def _secret_context(user):
    return f"v1|user|{user.id}|totp"


def _sha256(token):
    return hashlib.sha256(token.encode()).hexdigest()


# --- TOTP ----------------------------------------------------------------------


def totp_secret(user):
    """Return the user's TOTP secret (base32), decrypted for this call only; None without one."""
    if user.totp_secret_ct is None:
        return None
    return secretbox.open_sealed(_secret_key(), user.totp_secret_ct, _secret_context(user)).decode()


def start_enrolment(user):
    """Return the secret to show for enrolment, making one when the person has none yet.

    An unconfirmed secret is kept, so reloading the page shows the same QR code.
    """
    if user.has_totp:
        raise AccountError(_l("Je hebt de tweestapsverificatie al ingesteld."))
    secret = totp_secret(user)
    if secret is None:
        secret = pyotp.random_base32(length=32)  # 160 bits, as RFC 4226 advises
        user.totp_secret_ct = secretbox.seal(_secret_key(), secret.encode(), _secret_context(user))
        user.totp_last_step = None
        db.session.flush()
    return secret


def install_secret(user, secret, now):
    """Give the user a confirmed TOTP secret without the QR page (seed-demo and tests only).

    People always enrol through `start_enrolment` and `confirm_enrolment`.
    """
    user.totp_secret_ct = secretbox.seal(_secret_key(), secret.encode(), _secret_context(user))
    user.totp_confirmed_at = now
    user.totp_last_step = None
    db.session.flush()


def provisioning_uri(user, secret):
    """Return the otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=current_app.config["TOTP_ISSUER"]
    )


def qr_svg(uri):
    """Return the QR code of the URI as an SVG data: URI for an <img>, rendered on the server.

    No external service sees the secret; an <img> with alt text keeps the
    page accessible and needs no inline style (CSP allows img-src data:).
    """
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def group_secret(secret):
    """Return the secret in groups of four characters, easier to type over."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _normalise_code(code):
    return "".join((code or "").split()).replace("-", "")


def verify_totp(user, code, now):
    """Return True and remember the step when the code is valid and not used before.

    Accepted: the step of `now` and one step either side. A code of a step
    at or before the last accepted step is refused (replay).
    """
    code = _normalise_code(code)
    secret = totp_secret(user)
    if secret is None or len(code) != DIGITS or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            db.session.flush()
            return True
    return False


def confirm_enrolment(user, code, now):
    """Confirm the new secret with a first code; return the ten recovery codes to show once."""
    if user.has_totp:
        raise AccountError(_l("Je hebt de tweestapsverificatie al ingesteld."))
    if not verify_totp(user, code, now):
        raise AccountError(_l("Deze code klopt niet. Typ de zes cijfers die je app nu laat zien."), "code")
    user.totp_confirmed_at = now
    return new_recovery_codes(user, now)


# --- recovery codes --------------------------------------------------------------


def _canonical_recovery_code(code):
    return _normalise_code(code).upper()


def new_recovery_codes(user, now):
    """Replace the user's recovery codes by ten new ones; return them (shown once, stored hashed)."""
    db.session.execute(db.delete(RecoveryCode).filter_by(user_id=user.id))
    codes = []
    key = _code_key()
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(BASE32) for _ in range(16))  # 80 bits
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=secretbox.keyed_hash(key, raw), created_at=now))
    db.session.flush()
    return codes


def use_recovery_code(user, code, now):
    """Return True and use up the code when it is one of the user's unused recovery codes."""
    canonical = _canonical_recovery_code(code)
    if len(canonical) != 16:
        return False
    digest = secretbox.keyed_hash(_code_key(), canonical)
    for row in db.session.scalars(db.select(RecoveryCode).filter_by(user_id=user.id, used_at=None)):
        if hmac.compare_digest(row.code_hash, digest):
            row.used_at = now
            db.session.flush()
            return True
    return False


def unused_recovery_codes(user):
    """Return how many recovery codes the user has left."""
    return db.session.scalar(
        db.select(db.func.count(RecoveryCode.id)).filter_by(user_id=user.id, used_at=None)
    )


def verify_second_factor(user, code, now):
    """Return TOTP or RECOVERY for a valid code (using it up), or None."""
    if not user.has_totp:
        return None
    if verify_totp(user, code, now):
        return TOTP
    if use_recovery_code(user, code, now):
        return RECOVERY
    return None


def reset_second_factor(actor, user, now):
    """Remove a user's second factor after a lost device (admin only; the caller audits).

    Their sessions and pending logins end; at the next login, after the
    password, they set up a new authenticator app.
    """
    if actor.id == user.id:
        raise AccountError(_l("Een andere beheerder herstelt jouw tweestapsverificatie."))
    user.totp_secret_ct = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).filter_by(user_id=user.id))
    db.session.execute(db.delete(PendingLogin).filter_by(user_id=user.id))
    end_all_sessions(user)
    db.session.flush()


# --- pending logins --------------------------------------------------------------


def _pending_key(token):
    return secretbox.derive_key(token, "pending-login")


def _pending_context(user_id):
    return f"v1|pending|{user_id}"


def start_pending_login(user, material, now, next_path=""):
    """Record a login whose password was right; return the token for the browser only.

    Expired pending logins of anyone are cleared on the way.
    """
    db.session.execute(db.delete(PendingLogin).filter(PendingLogin.expires_at <= now))
    token = secrets.token_urlsafe(32)
    sealed = secretbox.seal(_pending_key(token), material, _pending_context(user.id)) if material else None
    db.session.add(PendingLogin(
        token_hash=_sha256(token), user_id=user.id, created_at=now,
        expires_at=now + current_app.config["PENDING_LOGIN_VALIDITY"], material=sealed,
        next_path=(next_path or "")[:500],
    ))
    db.session.flush()
    return token


def find_pending_login(token, now):
    """Return the live pending login for this token, or None (an expired one is deleted)."""
    if not token:
        return None
    row = db.session.scalar(db.select(PendingLogin).filter_by(token_hash=_sha256(token)))
    if row is None:
        return None
    if now >= row.expires_at or not row.user.is_active:
        db.session.delete(row)
        db.session.flush()
        return None
    return row


def pending_material(row, token):
    """Return the vault login material kept with the pending login (None if there is none)."""
    if row.material is None:
        return None
    try:
        return secretbox.open_sealed(_pending_key(token), row.material, _pending_context(row.user_id))
    except secretbox.SecretBoxError:
        return None


def fail_pending_login(row):
    """Count a wrong code; return False when the pending login ended (too many, or the account locked)."""
    if db.session.get(PendingLogin, row.id) is None:
        return False
    row.attempts += 1
    if row.attempts >= PENDING_MAX_ATTEMPTS:
        db.session.delete(row)
        db.session.flush()
        return False
    db.session.flush()
    return True


def end_pending_login(row):
    db.session.delete(row)
    db.session.flush()


# --- step-up -------------------------------------------------------------------------


def step_up_is_fresh(user_session, now):
    """Return whether the person proved it is them (password or code) within STEP_UP_VALIDITY."""
    if user_session is None or user_session.reauth_at is None:
        return False
    return now - user_session.reauth_at < current_app.config["STEP_UP_VALIDITY"]


def mark_step_up(user_session, now):
    user_session.reauth_at = now
    db.session.flush()

