"""Insights tables: the markers that make reminders go out once, and the follow-up answers.

No text is stored: a marker is a question, a kind and a time; a follow-up is a choice
from two short lists ("how did it go on?", "was a referral avoided?").
"""
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import UtcDateTime
from ..core.time import utcnow
from ..extensions import db
from ..questions.models import Post, Question

# The figures select advices by when they were given and questions by when they were closed:
# without these, the pool and feedback tables scan every post (0.7 s of SQL at 200,000 posts).
sa.Index("ix_post_kind_created_at", Post.kind, Post.created_at)
sa.Index("ix_question_closed_at", Question.closed_at)


class ReminderKind(enum.StrEnum):
    NORM_PASSED = "norm_passed"  # the coordinators heard the question passed its norm
    CLOSE = "close"  # the owner was asked to close an advised question with feedback
    TRIAGE_ESCALATED = "triage_escalated"  # every coordinator heard it waits too long for triage


class Reminder(db.Model):
    """One reminder job's action on one question; the unique pair makes the job idempotent."""

    __tablename__ = "insights_reminder"
    __table_args__ = (sa.UniqueConstraint("question_id", "kind", name="uq_insights_reminder_question_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    sent_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Situation(enum.StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSE = "worse"

    @property
    def label(self):
        return {
            Situation.IMPROVED: _l("De situatie is verbeterd"),
            Situation.UNCHANGED: _l("De situatie is onveranderd"),
            Situation.WORSE: _l("De situatie is verslechterd"),
        }[self]


class Referral(enum.StrEnum):
    AVOIDED = "avoided"
    NOT_AVOIDED = "not_avoided"
    UNKNOWN = "unknown"

    @property
    def label(self):
        return {
            Referral.AVOIDED: _l("Ja, een verwijzing naar specialistische zorg is voorkomen"),
            Referral.NOT_AVOIDED: _l("Nee, er is toch verwezen"),
            Referral.UNKNOWN: _l("Weet ik niet / niet van toepassing"),
        }[self]


class FollowUp(db.Model):
    """"Hoe is het verder gegaan?": asked of the owner once, some weeks after closing."""

    __tablename__ = "insights_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), unique=True)
    asked_at = mapped_column(UtcDateTime, nullable=False)
    answered_at = mapped_column(UtcDateTime, index=True)
    situation: Mapped[str | None] = mapped_column(sa.String(12))
    referral: Mapped[str | None] = mapped_column(sa.String(12))

    @property
    def is_answered(self):
        return self.answered_at is not None
