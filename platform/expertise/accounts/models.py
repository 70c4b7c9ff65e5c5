"""Account models: organisations, teams, expertise areas, users and their sessions."""
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import UtcDateTime
from ..core.time import utcnow
from ..extensions import db


class Role(enum.StrEnum):
    """What a person does on the platform; one user may hold several."""

    FAMILY_WORKER = "family_worker"
    EXPERT = "expert"
    MODERATOR = "moderator"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.FAMILY_WORKER: _l("Gezinswerker"),
    Role.EXPERT: _l("Deskundige"),
    Role.MODERATOR: _l("Moderator"),
    Role.COORDINATOR: _l("Coördinator"),
    Role.ADMIN: _l("Beheerder"),
}


class Organisation(db.Model):
    """An affiliated care organisation whose experts give advice."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    # Agreed consultation time per month (minutes); the hours overview warns above it.
    monthly_budget_minutes: Mapped[int] = mapped_column(default=240, server_default="240")

    members = relationship("User", back_populates="organisation")

    def __repr__(self):
        return f"<Organisation {self.id}>"


class Team(db.Model):
    """A neighbourhood team (buurtteam) whose family workers ask questions."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    members = relationship("User", back_populates="team")

    def __repr__(self):
        return f"<Team {self.id}>"


class ExpertiseArea(db.Model):
    """A field of expertise (LVB, GGZ, autisme, …) that questions and experts share."""

    __tablename__ = "expertise_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self):
        return f"<ExpertiseArea {self.id}>"


user_expertise_area = sa.Table(
    "user_expertise_area",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "expertise_area_id",
        sa.ForeignKey("expertise_area.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


# The teams a triage worker triages for; none means every team (the whole region).
triage_team = sa.Table(
    "triage_team",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)


# `User.password_hash` holds an argon2-cffi hash, this marker, or None (not
# activated yet, or reset by an admin). The marker says: the password is
# checked with the vault's auth verifier (one Argon2id with the server
# pepper), so a family worker's login runs Argon2id once, not twice.
VAULT_VERIFIED = "vault"


class User(UserMixin, db.Model):
    """A person with an account; invited, never self-registered."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    activated_at = mapped_column(UtcDateTime)
    last_login_at = mapped_column(UtcDateTime)
    # Second factor: the TOTP secret encrypted under TOTP_ENC_KEY (see
    # accounts.twofactor), confirmed once the person typed a first code; the
    # last accepted time step refuses a code's replay.
    totp_secret_ct: Mapped[bytes | None] = mapped_column(sa.LargeBinary(100))
    totp_confirmed_at = mapped_column(UtcDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Failed passwords or codes from every address since the last complete login;
    # past LOGIN_ACCOUNT_CEILING addresses the holder never used wait until
    # `locked_until` (a growing delay). The lock per address is LoginThrottle's.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until = mapped_column(UtcDateTime)
    # A coordinator who triages (consultations.service): told of questions waiting for
    # triage in `triage_teams` (none: every team) and shown the queue's live counter.
    triage_worker: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # An expert's availability for assignments: away until (and including) this date,
    # and an optional number of assigned questions per month.
    absent_until = mapped_column(sa.Date)
    monthly_capacity: Mapped[int | None] = mapped_column()

    team = relationship(Team, back_populates="members")
    organisation = relationship(Organisation, back_populates="members")
    role_rows = relationship(
        UserRole, cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )
    expertise_areas = relationship(
        ExpertiseArea,
        secondary=user_expertise_area,
        lazy="selectin",
        order_by=ExpertiseArea.name,
    )

    triage_teams = relationship(Team, secondary=triage_team, order_by=Team.name)

    def __repr__(self):
        return f"<User {self.id}>"

    @property
    def roles(self):
        """Return the user's roles as a set of Role members."""
        return {Role(row.role) for row in self.role_rows}

    def set_roles(self, roles):
        """Replace the user's roles."""
        wanted = {Role(r) for r in roles}
        self.role_rows = [UserRole(role=r.value) for r in sorted(wanted)]

    def has_role(self, *roles):
        """Return True when the user holds at least one of the given roles."""
        return bool(self.roles & {Role(r) for r in roles})

    @property
    def is_activated(self):
        return self.password_hash is not None

    @property
    def has_totp(self):
        """Return whether the person has a confirmed second factor."""
        return self.totp_confirmed_at is not None

    @property
    def is_active(self):
        """Flask-Login: only activated, not deactivated accounts may log in."""
        return self.active and self.is_activated

    @property
    def affiliation(self):
        """Return the team or organisation shown next to the user's name."""
        if self.organisation is not None and self.has_role(Role.EXPERT):
            return self.organisation.name
        if self.team is not None:
            return self.team.name
        if self.organisation is not None:
            return self.organisation.name
        return ""


class Invitation(db.Model):
    """A single-use link that lets an invited person set their password."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    # Only the SHA-256 of the token is stored: a database copy opens no account.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    expires_at = mapped_column(UtcDateTime, nullable=False)
    used_at = mapped_column(UtcDateTime)

    user = relationship(User, foreign_keys=[user_id])


class UserSession(db.Model):
    """A server-side login session; deleting the row ends the session.

    The browser holds only a random session id; the row is found by its hash.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    last_seen_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    expires_at = mapped_column(UtcDateTime, nullable=False)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    # The family worker's private key sealed under a per-session key that only
    # the browser holds (HttpOnly cookie); deleting the row revokes it.
    vault_blob: Mapped[bytes | None] = mapped_column(sa.LargeBinary(100))
    # The last time the person proved it is them (login, or a step-up with
    # password or code): sensitive actions need this within STEP_UP_VALIDITY.
    reauth_at = mapped_column(UtcDateTime)

    user = relationship(User)


class RecoveryCode(db.Model):
    """A one-time code that replaces the authenticator app once (ten per person).

    Only an HMAC of the code is stored, keyed from TOTP_ENC_KEY: a database
    copy alone cannot test guesses.
    """

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at = mapped_column(UtcDateTime, nullable=False)
    used_at = mapped_column(UtcDateTime)


class PendingLogin(db.Model):
    """A login between the password and the second factor; lives five minutes.

    It is not a session: it opens no page and holds no usable key. The browser
    holds a random token (in its Flask session); the row is found by the
    token's hash, and `material` (what the vault needs to open the person's
    key after the second factor) is encrypted under a key derived from that
    token, so neither a database copy nor the cookie alone can read it. The
    row is deleted when the second factor succeeds, fails too often or expires.
    """

    __tablename__ = "pending_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    expires_at = mapped_column(UtcDateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(default=0)
    material: Mapped[bytes | None] = mapped_column(sa.LargeBinary(2000))
    next_path: Mapped[str] = mapped_column(sa.String(500), default="")

    user = relationship(User)


class LoginThrottle(db.Model):
    """Failed logins of one account from one client address: the lock per account and source.

    LOGIN_MAX_FAILURES failures from one address lock that address out of the
    account for LOGIN_LOCK_DURATION; the holder elsewhere still logs in. The
    address is kept only as a keyed hash (`source_hash`), and a complete
    login from it marks it as one the holder uses (`succeeded_at`), which the
    account-wide delay spares.
    """

    __tablename__ = "login_throttle"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    source_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_at = mapped_column(UtcDateTime)
    locked_until = mapped_column(UtcDateTime)
    succeeded_at = mapped_column(UtcDateTime)
