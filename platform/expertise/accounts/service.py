"""Account rules: passwords, login sessions, invitations and administration.

Services never touch the request; they take `now` where time matters and only
flush, the caller commits once.
"""
import hashlib
import hmac
import logging
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from ..extensions import db
from .models import (VAULT_VERIFIED, ExpertiseArea, Invitation, LoginThrottle, Organisation, PendingLogin, Role, Team,
                     User, UserSession)

log = logging.getLogger(__name__)

# One message for every failed login: it must not tell which part was wrong,
# nor whether the account exists or is deactivated.
LOGIN_FAILED = _l("Inloggen is niet gelukt. Controleer je e-mailadres en wachtwoord.")


class AccountError(Exception):
    """A rule of the accounts area was broken; `field` names the form field."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class LoginFailed(AccountError):
    """A login for an existing account failed; `user` is for the audit trail only.

    `locked_now` is True when this failure locked the account; `locked` when
    the account was already locked (the password was not even checked).
    """

    def __init__(self, user, locked_now=False, locked=False):
        super().__init__(LOGIN_FAILED)
        self.user = user
        self.locked_now = locked_now
        self.locked = locked


def _hasher():
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def _sha256(token):
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email):
    return email.strip().lower()


# Words anyone guessing a password here would try first.
CONTEXT_WORDS = ["platform", "expertise", "jeugd", "utrecht", "buurtteam", "gezinswerker", "deskundige",
                 "wachtwoord", "welkom", "jeugdzorg"]
MAX_PASSWORD_LENGTH = 256

_PATTERN_PROBLEMS = {
    "passwords": _l("Het lijkt op een veelgebruikt wachtwoord."),
    "user_inputs": _l("Het bevat je naam of je e-mailadres."),
    "context": _l("Het bevat een woord dat iedereen hier als eerste probeert, zoals wachtwoord, platform of jeugd."),
    "names": _l("Het bestaat vooral uit voornamen of achternamen."),
    "words": _l("Het bestaat uit een enkel woord of een paar veelvoorkomende woorden."),
    "spatial": _l("Het bevat een toetsenbordpatroon, zoals qwerty of asdf."),
    "repeat": _l("Het bevat herhalingen, zoals aaa of abcabc."),
    "sequence": _l("Het bevat een reeks, zoals abc of 1234."),
    "date": _l("Het bevat een datum of jaartal."),
}


def _password_problem(result, personal):
    """Name the main weakness zxcvbn found, in Dutch."""
    kinds = []
    for match in result["sequence"]:
        pattern = match["pattern"]
        if pattern == "dictionary":
            name = match.get("dictionary_name")
            if name == "user_inputs":
                kinds.append("user_inputs" if match.get("matched_word") in personal else "context")
            elif name == "passwords":
                kinds.append(name)
            elif name in ("female_names", "male_names", "surnames"):
                kinds.append("names")
            else:
                kinds.append("words")
        elif pattern in ("spatial", "repeat", "sequence", "date"):
            kinds.append(pattern)
        elif pattern == "regex":
            kinds.append("date")
    for kind in ("user_inputs", "context", "spatial", "sequence", "repeat", "passwords", "date", "names", "words"):
        if kind in kinds:
            return _PATTERN_PROBLEMS[kind]
    return _l("Het is te kort of te voorspelbaar.")


def check_password_rules(password, user=None):
    """Raise AccountError when the password is too short, too long or too easy to guess.

    No composition rules (ASVS 6.2.5): length and a zxcvbn estimate, which
    knows common passwords, names, keyboard patterns, dates and the person's
    own name and e-mail address. zxcvbn ships its dictionaries: no network.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(
            _l("Kies een wachtwoord van minstens %(n)d tekens.", n=minimum), "password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_l("Kies een wachtwoord van hoogstens 256 tekens."), "password")
    personal = set()
    if user is not None:
        personal = {user.email.lower(), user.email.split("@")[0].lower(), *user.name.lower().split()}
    inputs = list(CONTEXT_WORDS) + sorted(personal)
    # zxcvbn takes at most 72 characters (its run time grows with length);
    # a longer password is judged by its first 72, which is plenty.
    result = zxcvbn(password[:72], user_inputs=inputs)
    if result["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        raise AccountError(
            _l("Dit wachtwoord is te makkelijk te raden. %(problem)s Een zin van vier of meer woorden is "
               "sterk en goed te onthouden.", problem=_password_problem(result, personal)),
            "password",
        )


def hash_password(password):
    return _hasher().hash(password)


def _verify_hash(user, password):
    """Check a password against the user's argon2-cffi hash (users without a vault key pair)."""
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def check_password(user, password, vault):
    """Return (ok, vault login material) for this user's password.

    `vault` is the vault's login hook (`expertise.vault.session`, passed in
    by the view so this module needs no vault import). A user with a vault
    key pair is checked with the vault's auth verifier: one Argon2id that
    also yields the key for the session. Others keep an argon2-cffi hash.
    """
    if user.password_hash is None:
        return False, None
    try:
        material = vault.verify_password(user, password)
    except vault.VaultError:
        return False, None
    if material is not None:
        return True, material
    if user.password_hash == VAULT_VERIFIED or not _verify_hash(user, password):
        return False, None
    return True, vault.material_for_login(user, password)


def use_vault_verifier(user):
    """Stop keeping an argon2-cffi hash for a user whose vault key now checks the password."""
    if user.password_hash is not None and user.password_hash != VAULT_VERIFIED:
        user.password_hash = VAULT_VERIFIED
        db.session.flush()


def authenticate(email, password, *, now, vault, source=None):
    """Return (user, vault login material) for this e-mail and password, or raise AccountError.

    A missing user still costs one hash verification, so response time does
    not reveal which e-mail addresses have accounts. An account locked for
    this client address (`source`) gets the same message and the same cost,
    without its password being checked. Each failure for an existing
    account counts towards the lock of its address and the account's delay.
    """
    user = db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))
    if user is None or user.password_hash is None or is_locked(user, now, source):
        _dummy_verify(password)
        if user is not None and user.password_hash is not None:
            raise LoginFailed(user, locked=True)
        raise AccountError(LOGIN_FAILED)
    ok, material = check_password(user, password, vault)
    if not ok or not user.active:
        raise LoginFailed(user, locked_now=register_failure(user, now, source))
    return user, material


def _dummy_verify(password):
    try:
        _hasher().verify(_dummy_hash(), password)
    except VerificationError:
        pass


# --- the lock per account and source ------------------------------------------
#
# A lock per account alone let anyone who knows an e-mail address lock its
# holder out (five wrong passwords, repeated every quarter of an hour). So
# failures count per account *and* client address: five from one address
# lock that address out of the account for LOGIN_LOCK_DURATION, and the
# holder, from anywhere else, logs in with password and code as usual. An
# attack from many addresses at once is slowed down account-wide: past
# LOGIN_ACCOUNT_CEILING failures since the last complete login, each further
# failure makes addresses wait a growing delay (LOGIN_ACCOUNT_DELAY, doubling,
# at most LOGIN_LOCK_DURATION) before the password is checked again; the
# addresses the holder completed a login from in the last LOGIN_KNOWN_SOURCE_AGE
# do not wait. No CAPTCHA. The holder hears of a lock (fixed text, no address,
# no secret) in the platform and by e-mail.


def source_hash(source):
    """Return the keyed hash under which a client address is kept (never the address itself)."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"login-source:{source or '-'}".encode(), hashlib.sha256).hexdigest()


def _throttle(user, source, create=False):
    key = (user.id, source_hash(source))
    row = db.session.get(LoginThrottle, key)
    if row is None and create:
        row = LoginThrottle(user_id=user.id, source_hash=key[1], failures=0)
        db.session.add(row)
    return row


def _is_known_source(row, now):
    return (row is not None and row.succeeded_at is not None
            and now - row.succeeded_at < current_app.config["LOGIN_KNOWN_SOURCE_AGE"])


def is_locked(user, now, source=None):
    """Return whether logins of this account from this address must wait.

    Locked are: this address after its own failures, and every address the
    holder has not logged in from lately while the account-wide delay runs.
    """
    row = _throttle(user, source)
    if row is not None and row.locked_until is not None and now < row.locked_until:
        return True
    account_waits = user.locked_until is not None and now < user.locked_until
    return account_waits and not _is_known_source(row, now)


def _account_delay(failures):
    config = current_app.config
    over = failures - config["LOGIN_ACCOUNT_CEILING"]
    if over < 0:
        return None
    delay = config["LOGIN_ACCOUNT_DELAY"] * (2 ** min(over, 20))
    return min(delay, config["LOGIN_LOCK_DURATION"])


def register_failure(user, now, source=None):
    """Count a failed password or code; return True when this failure locked the address out.

    LOGIN_MAX_FAILURES failures in a row from one address lock it out of the
    account for LOGIN_LOCK_DURATION; the counter starts again after the lock,
    so one address gets at most a few guesses per quarter of an hour (per
    account; Flask-Limiter limits per address). The account-wide count sets
    the delay for other addresses (see above). A lock, or the start of the
    delay, tells the holder.
    """
    config = current_app.config
    row = _throttle(user, source, create=True)
    row.failures = (row.failures or 0) + 1
    row.failed_at = now
    user.failed_logins = (user.failed_logins or 0) + 1
    locked = False
    if row.failures >= config["LOGIN_MAX_FAILURES"]:
        row.failures = 0
        row.locked_until = now + config["LOGIN_LOCK_DURATION"]
        log.warning("account %s locked for one address after %d failed attempts", user.id,
                    config["LOGIN_MAX_FAILURES"])
        locked = True
    delay = _account_delay(user.failed_logins)
    if delay is not None:
        if user.locked_until is None or user.locked_until <= now:
            log.warning("account %s slowed down after %d failed attempts from several addresses", user.id,
                        user.failed_logins)
        user.locked_until = now + delay
    if locked or user.failed_logins == config["LOGIN_ACCOUNT_CEILING"]:
        _tell_holder_of_failed_logins(user, now)
    db.session.flush()
    return locked


def _tell_holder_of_failed_logins(user, now):
    from ..realtime import service as realtime  # areas talk through services
    from ..realtime.models import NotificationKind

    realtime.notify(user, NotificationKind.LOGIN_ATTEMPTS, now=now)


def clear_failures(user, now, source=None):
    """Forget earlier failures after a complete login, and remember the address as the holder's."""
    user.failed_logins = 0
    user.locked_until = None
    row = _throttle(user, source, create=True)
    row.failures = 0
    row.locked_until = None
    row.succeeded_at = now
    db.session.flush()


_DUMMY = {}


def _dummy_hash():
    key = (
        current_app.config["ARGON2_TIME_COST"],
        current_app.config["ARGON2_MEMORY_COST"],
        current_app.config["ARGON2_PARALLELISM"],
    )
    if key not in _DUMMY:
        _DUMMY[key] = _hasher().hash(secrets.token_urlsafe(16))
    return _DUMMY[key]


# --- sessions -----------------------------------------------------------------


def start_session(user, now, user_agent=""):
    """Create a server-side session for a freshly authenticated user; return its id."""
    sid = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            sid_hash=_sha256(sid),
            user=user,
            created_at=now,
            last_seen_at=now,
            expires_at=now + current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
            user_agent=user_agent[:200],
            reauth_at=now,  # both factors were given just now
        )
    )
    user.last_login_at = now
    db.session.flush()
    return sid


def load_session(sid, now):
    """Return the live session for this id, touching it; expired ones are deleted."""
    if not sid:
        return None
    row = db.session.scalar(db.select(UserSession).filter_by(sid_hash=_sha256(sid)))
    if row is None:
        return None
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    if now >= row.expires_at or now - row.last_seen_at >= idle or not row.user.is_active:
        db.session.delete(row)
        db.session.flush()
        return None
    if (now - row.last_seen_at).total_seconds() >= 30:
        row.last_seen_at = now
    return row


def end_session(sid):
    """Delete the session with this id, if it exists."""
    if sid:
        db.session.execute(db.delete(UserSession).filter_by(sid_hash=_sha256(sid)))


def end_all_sessions(user):
    db.session.execute(db.delete(UserSession).filter_by(user_id=user.id))


def end_other_sessions(user, keep):
    """Delete every session of the user except `keep` (a UserSession or None)."""
    query = db.delete(UserSession).filter_by(user_id=user.id)
    if keep is not None:
        query = query.filter(UserSession.id != keep.id)
    db.session.execute(query)


def find_session(sid):
    """Return the session row for this id, or None."""
    return db.session.scalar(db.select(UserSession).filter_by(sid_hash=_sha256(sid))) if sid else None


def own_sessions(user):
    """Return the user's live sessions, most recently used first."""
    return list(db.session.scalars(
        db.select(UserSession).filter_by(user_id=user.id).order_by(UserSession.last_seen_at.desc())
    ))


def end_own_session(user, session_id):
    """End one of the user's own sessions; False when it is not theirs or gone."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def change_password(user, current_password, new_password, *, vault):
    """Replace the password after checking the current one (ASVS 6.2.2/6.2.3).

    A user with a vault key keeps no hash here: the vault re-wraps the key
    under the new password and its verifier checks it from then on.
    """
    ok, _material = check_password(user, current_password, vault)
    if not ok:
        raise AccountError(_l("Je huidige wachtwoord klopt niet."), "current_password")
    check_password_rules(new_password, user)
    user.password_hash = VAULT_VERIFIED if vault.has_key(user) else hash_password(new_password)
    db.session.flush()


# --- invitations --------------------------------------------------------------


def assignable_roles(actor):
    """Return the roles this actor may give: admins all, coordinators the field roles."""
    if actor.has_role(Role.ADMIN):
        return list(Role)
    if actor.has_role(Role.COORDINATOR):
        return [Role.FAMILY_WORKER, Role.EXPERT]
    return []


def _check_profile(actor, roles, team, organisation, areas):
    roles = {Role(r) for r in roles}
    if not roles:
        raise AccountError(_l("Kies minstens één rol."), "roles")
    if not roles <= set(assignable_roles(actor)):
        raise AccountError(_l("Je mag deze rol niet toekennen."), "roles")
    if Role.FAMILY_WORKER in roles and team is None:
        raise AccountError(_l("Een gezinswerker hoort bij een buurtteam."), "team")
    if Role.EXPERT in roles and organisation is None:
        raise AccountError(_l("Een deskundige hoort bij een organisatie."), "organisation")
    if Role.EXPERT in roles and not areas:
        raise AccountError(
            _l("Kies minstens één expertisegebied voor een deskundige."), "expertise_areas"
        )
    return roles


def invite_user(actor, *, email, name, roles, team, organisation, areas, now):
    """Create an inactive account and its invitation; return (user, token).

    The token goes into the e-mail only; the database keeps its hash.
    """
    email = normalise_email(email)
    roles = _check_profile(actor, roles, team, organisation, areas)
    if db.session.scalar(db.select(User.id).filter_by(email=email)) is not None:
        raise AccountError(_l("Er is al een account met dit e-mailadres."), "email")
    user = User(
        email=email,
        name=name.strip(),
        team=team,
        organisation=organisation,
        expertise_areas=list(areas),
        created_at=now,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    return user, _new_invitation(actor, user, now)


def reinvite_user(actor, user, now):
    """Replace the user's open invitations by a new one; return its token."""
    if user.is_activated:
        raise AccountError(_l("Dit account is al geactiveerd."))
    return _new_invitation(actor, user, now)


def _new_invitation(actor, user, now):
    db.session.execute(
        db.delete(Invitation).filter(Invitation.user_id == user.id, Invitation.used_at.is_(None))
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            user=user,
            token_hash=_sha256(token),
            created_by_id=actor.id if actor else None,
            created_at=now,
            expires_at=now + current_app.config["INVITATION_VALIDITY"],
        )
    )
    db.session.flush()
    return token


def find_invitation(token, now):
    """Return the open invitation for this token, or None when unknown, used or expired."""
    invitation = db.session.scalar(db.select(Invitation).filter_by(token_hash=_sha256(token)))
    if invitation is None or invitation.used_at is not None or now >= invitation.expires_at:
        return None
    if not invitation.user.active:
        return None
    return invitation


def accept_invitation(invitation, password, now):
    """Set the invited user's password and use up the invitation."""
    check_password_rules(password, invitation.user)
    user = invitation.user
    user.password_hash = hash_password(password)
    user.activated_at = now
    invitation.used_at = now
    db.session.flush()
    return user


# --- administration -----------------------------------------------------------


def update_user(actor, user, *, name, roles, team, organisation, areas):
    """Change a user's name, roles, team, organisation and expertise areas."""
    # A coordinator may not remove roles they cannot grant (a co-worker's admin role).
    kept = user.roles - set(assignable_roles(actor))
    roles = _check_profile(actor, roles, team, organisation, areas) | kept
    user.name = name.strip()
    user.set_roles(roles)
    user.team = team
    user.organisation = organisation
    user.expertise_areas = list(areas)
    db.session.flush()


def reset_password(actor, user, now):
    """Clear a user's password, end their sessions and return a new invitation token.

    The admin never learns or chooses the password. The user's vault key is
    kept: with their personal recovery code they keep their residents.
    """
    if not user.is_activated:
        raise AccountError(_l("Dit account is nog niet geactiveerd; stuur een nieuwe uitnodiging."))
    if actor.id == user.id:
        raise AccountError(_l("Wijzig je eigen wachtwoord via Mijn account."))
    user.password_hash = None
    end_all_sessions(user)
    db.session.execute(db.delete(PendingLogin).filter_by(user_id=user.id))
    return _new_invitation(actor, user, now)


def set_user_active(actor, user, active):
    """Deactivate (ending every session) or reactivate a user."""
    if actor.id == user.id and not active:
        raise AccountError(_l("Je kunt je eigen account niet deactiveren."))
    user.active = active
    if not active:
        end_all_sessions(user)
        db.session.execute(db.delete(PendingLogin).filter_by(user_id=user.id))
    db.session.flush()


def _unique_name(model, name, current=None):
    name = name.strip()
    # SQL lower() folds only ASCII on SQLite (and under the C collation), so
    # the exact comparison is needed too: without it "Á" slipped past this
    # check into the unique constraint and a 500 (found by the fuzzer).
    other = db.session.scalar(
        db.select(model).filter(
            db.or_(model.name == name, db.func.lower(model.name) == name.lower())
        )
    )
    if other is not None and other is not current:
        raise AccountError(_l("Deze naam is al in gebruik."), "name")
    return name


def save_organisation(organisation, *, name, active):
    """Create (organisation=None) or change an organisation; return it."""
    name = _unique_name(Organisation, name, organisation)
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
    organisation.name = name
    organisation.active = active
    db.session.flush()
    return organisation


def save_team(team, *, name, active):
    """Create (team=None) or change a neighbourhood team; return it."""
    name = _unique_name(Team, name, team)
    if team is None:
        team = Team()
        db.session.add(team)
    team.name = name
    team.active = active
    db.session.flush()
    return team


def save_expertise_area(area, *, name, description, active):
    """Create (area=None) or change an expertise area; return it."""
    name = _unique_name(ExpertiseArea, name, area)
    if area is None:
        area = ExpertiseArea()
        db.session.add(area)
    area.name = name
    area.description = description.strip()
    area.active = active
    db.session.flush()
    return area
