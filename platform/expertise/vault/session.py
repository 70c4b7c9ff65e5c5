"""The vault's side of a login session: the cookie key and `unlock()`.

At login the private key is sealed under a fresh key `k_sess` that goes
only into an HttpOnly cookie, while the sealed blob goes only into the
server-side session row. Owner-only views call `unlock()` to get the
private key for one request; it raises VaultLocked when either half is
missing (logged out, timed out, other browser, database copy).
"""
import logging

from flask import current_app, g, request

from . import service
from .service import VaultError, VaultLocked  # noqa: F401  (for the accounts views)

log = logging.getLogger(__name__)


def cookie_name():
    return current_app.config["VAULT_COOKIE_NAME"]


def verify_password(user, password):
    """Check a password with the vault's auth verifier; return login material, or None without a key pair.

    Raises VaultError when the user has a key pair and the password does not
    open it. The accounts side calls this instead of its own hash for users
    with a key pair: one Argon2id per login.
    """
    return service.check_login_password(user, password)


def material_for_login(user, password):
    """Return login material for a user whose password the accounts side checked (no key pair yet)."""
    return service.new_key_material(user, password)


def open_at_login(user, material, user_session, now):
    """Seal the user's key into the new session; return k_sess (or None: no vault for this user).

    Called only after the second factor, with the material kept sealed since
    the password step. A failure here must not block the login itself (both
    factors were checked): the user then simply sees "vergrendeld" on
    resident pages.
    """
    try:
        return service.unlock_at_login(user, material, user_session, now=now)
    except service.VaultError as error:
        log.warning("vault not unlocked at login: %s", type(error).__name__)
        return None


def has_key(user):
    """Return whether the user has a vault key pair (so a reset must keep or replace it)."""
    return service.user_key(user) is not None


def enrol(user, password, now, recovery_code=None, source=None):
    """Set up the vault key when a password is (re)set; return the recovery code to show once.

    A first activation makes a key pair. After an admin reset the user may
    give their personal recovery code to keep their key; without it a new key
    pair is made and their residents wait for a recovery ceremony.
    """
    if service.user_key(user) is not None:
        return service.reset_user_key(user, password, now=now, recovery_code=(recovery_code or "").strip() or None,
                                      source=source)
    if not service.can_own_residents(user):
        return None
    return service.enrol_user(user, password, now=now)


def change_password(user, old_password, new_password, now):
    """Re-wrap the user's private key under the new password (if they have one)."""
    service.change_password_keys(user, old_password, new_password, now=now)


def set_cookie(response, k_sess):
    """Put the session key in an HttpOnly, SameSite=Strict session cookie."""
    response.set_cookie(
        cookie_name(),
        service.encode_cookie_key(k_sess),
        httponly=True,
        secure=current_app.config["VAULT_COOKIE_SECURE"],
        samesite="Strict",
        path="/",
    )


def clear_cookie(response):
    response.delete_cookie(cookie_name(), path="/", secure=current_app.config["VAULT_COOKIE_SECURE"],
                           httponly=True, samesite="Strict")


def unlock():
    """Return the logged-in owner's private key for this request, or raise VaultLocked."""
    raw = request.cookies.get(cookie_name())
    k_sess = service.decode_cookie_key(raw) if raw else None
    return service.open_session(g.get("user_session"), k_sess)
