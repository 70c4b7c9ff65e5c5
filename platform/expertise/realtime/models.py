"""Notifications and each person's e-mail preference per kind of notification."""
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import UtcDateTime
from ..core.time import utcnow
from ..extensions import db


class NotificationKind(enum.StrEnum):
    """What a notification is about; its text is fixed per kind (no case content)."""

    NEW_QUESTION_IN_AREA = "new_question_in_area"
    MORE_PERSPECTIVES_REQUESTED = "more_perspectives_requested"
    NEW_ADVICE = "new_advice"
    NEW_REPLY = "new_reply"
    REPLY_TO_YOUR_POST = "reply_to_your_post"
    MODERATION_DECISION = "moderation_decision"
    HELD_POST = "held_post"
    FLAGGED_ITEM = "flagged_item"
    CONSULTATION_UPDATE = "consultation_update"
    QUESTION_CLOSED = "question_closed"
    QUESTION_HANDED_OVER = "question_handed_over"
    FLAG_RESOLVED = "flag_resolved"
    # Failed logins locked an address out of the person's account: always sent,
    # by e-mail too, and not on the settings page (a security notice).
    LOGIN_ATTEMPTS = "login_attempts"
    # From the insights jobs (`flask insights run-reminders`) and urgent routing.
    URGENT_QUESTION_IN_AREA = "urgent_question_in_area"
    NORM_PASSED = "norm_passed"
    CLOSE_REMINDER = "close_reminder"
    FOLLOW_UP_REQUEST = "follow_up_request"
    FOLLOW_UP_ANSWERED = "follow_up_answered"
    # Triage and assignment (consultations.service, and the reminder job's time-out).
    TRIAGE_WAITING = "triage_waiting"
    TRIAGE_ESCALATED = "triage_escalated"
    ASSIGNED = "assigned"
    ASSIGNMENT_ACCEPTED = "assignment_accepted"
    ASSIGNMENT_RETURNED = "assignment_returned"
    # A new post on a question the person chose to follow.
    FOLLOWED_QUESTION = "followed_question"

    @property
    def label(self):
        """Return the name of the kind as shown on the settings page."""
        return KIND_LABELS[self]


KIND_LABELS = {
    NotificationKind.NEW_QUESTION_IN_AREA: _l("Nieuwe vraag in mijn expertisegebied"),
    NotificationKind.MORE_PERSPECTIVES_REQUESTED: _l("Verzoek om meer perspectieven"),
    NotificationKind.NEW_ADVICE: _l("Nieuw advies op mijn vraag"),
    NotificationKind.NEW_REPLY: _l("Nieuwe reactie op mijn vraag"),
    NotificationKind.REPLY_TO_YOUR_POST: _l("Reactie op mijn bericht"),
    NotificationKind.MODERATION_DECISION: _l("Besluit van een moderator over mijn bericht"),
    NotificationKind.HELD_POST: _l("Bericht dat wacht op beoordeling"),
    NotificationKind.FLAGGED_ITEM: _l("Gemelde bijdrage"),
    NotificationKind.CONSULTATION_UPDATE: _l("Nieuws over het wekelijks overleg"),
    NotificationKind.QUESTION_CLOSED: _l("Afsluiting van een vraag waarop ik adviseerde"),
    NotificationKind.QUESTION_HANDED_OVER: _l("Vraag die aan mij is overgedragen"),
    NotificationKind.FLAG_RESOLVED: _l("Afhandeling van mijn melding door een moderator"),
    NotificationKind.LOGIN_ATTEMPTS: _l("Mislukte inlogpogingen op mijn account"),
    NotificationKind.URGENT_QUESTION_IN_AREA: _l("Nieuwe urgente vraag in mijn expertisegebied"),
    NotificationKind.NORM_PASSED: _l("Vraag zonder advies die over de norm is"),
    NotificationKind.CLOSE_REMINDER: _l("Herinnering om een geadviseerde vraag af te sluiten"),
    NotificationKind.FOLLOW_UP_REQUEST: _l("Vraag hoe het verder is gegaan na het afsluiten"),
    NotificationKind.FOLLOW_UP_ANSWERED: _l("Hoe het verder ging na een vraag waarop ik adviseerde"),
    NotificationKind.TRIAGE_WAITING: _l("Nieuwe vraag die wacht op triage"),
    NotificationKind.TRIAGE_ESCALATED: _l("Vraag die te lang wacht op triage"),
    NotificationKind.ASSIGNED: _l("Vraag die aan mij is toegewezen"),
    NotificationKind.ASSIGNMENT_ACCEPTED: _l("Een deskundige pakt een vraag op"),
    NotificationKind.ASSIGNMENT_RETURNED: _l("Toewijzing afgewezen of niet op tijd opgepakt"),
    NotificationKind.FOLLOWED_QUESTION: _l("Nieuw bericht bij een vraag die ik volg"),
}


class Delivery(enum.StrEnum):
    """How a person wants to hear about one kind of notification by e-mail."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"
    OFF = "off"

    @property
    def label(self):
        return DELIVERY_LABELS[self]


DELIVERY_LABELS = {
    Delivery.IMMEDIATELY: _l("Direct een e-mail"),
    Delivery.DAILY: _l("Eén keer per dag een overzicht"),
    Delivery.OFF: _l("Geen e-mail (alleen in het platform)"),
}


class Notification(db.Model):
    """One thing a person should hear about; the text is derived from kind and number.

    No title, body or identity is stored: only the kind, the question's
    number and who caused it (kept for later use, never shown). The
    notification centre adds the question's title while the person may see
    the question; e-mails never do.
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    read_at = mapped_column(UtcDateTime)
    emailed_at = mapped_column(UtcDateTime)

    user = relationship("User", foreign_keys=[user_id])

    def __repr__(self):
        return f"<Notification {self.id}>"

    @property
    def kind_enum(self):
        return NotificationKind(self.kind)

    @property
    def is_read(self):
        return self.read_at is not None


class NotificationPreference(db.Model):
    """A person's chosen e-mail delivery for one kind; no row means the default."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    delivery: Mapped[str] = mapped_column(sa.String(20))


class Following(enum.StrEnum):
    """A person's choice for one question: follow it (hear of every new post) or mute it."""

    FOLLOW = "follow"
    MUTE = "mute"


class QuestionFollowing(db.Model):
    """One person's follow or mute choice for one question; no row means the default rules."""

    __tablename__ = "question_following"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    state: Mapped[str] = mapped_column(sa.String(10))
    updated_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
