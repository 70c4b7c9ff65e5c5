"""Moderation records: flags people raise and every decision about a post or question.

A decision or flag points at a question and, for a post, at that post too
(`post_id` None means the question itself). Nothing here holds the flagged or
held text or the spans a check found: reasons are codes, labels and counts.
"""
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.database import UtcDateTime
from ..core.erasure import declare_erasable
from ..core.time import utcnow
from ..extensions import db


class FlagReason(enum.StrEnum):
    """Why someone flags a post or question."""

    ADVERTISING = "reclame"
    PERSONAL_DATA = "persoonsgegevens"
    INAPPROPRIATE = "ongepast"
    OTHER = "anders"

    @property
    def label(self):
        return {
            FlagReason.ADVERTISING: _l("Reclame"),
            FlagReason.PERSONAL_DATA: _l("Persoonsgegevens"),
            FlagReason.INAPPROPRIATE: _l("Ongepast"),
            FlagReason.OTHER: _l("Anders"),
        }[self]


class Action(enum.StrEnum):
    """What happened to an item: automatic holds and moderators' decisions."""

    HELD = "held"  # by the checks, at posting or after an edit (no moderator)
    RELEASED = "released"  # an edit by the author passed the checks again (no moderator)
    RESUBMITTED = "resubmitted"  # the author edited after a moderator asked (back in the queue)
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_EDIT = "request_edit"
    REMOVE = "remove"
    REDACT = "redact"

    @property
    def label(self):
        return {
            Action.HELD: _l("Automatisch vastgehouden"),
            Action.RELEASED: _l("Na bewerking automatisch geplaatst"),
            Action.RESUBMITTED: _l("Bewerkt door de auteur, opnieuw ter beoordeling"),
            Action.APPROVE: _l("Goedgekeurd"),
            Action.REJECT: _l("Afgewezen"),
            Action.REQUEST_EDIT: _l("Auteur gevraagd het aan te passen"),
            Action.REMOVE: _l("Verwijderd"),
            Action.REDACT: _l("Deels onleesbaar gemaakt"),
        }[self]


# Decisions a moderator takes from the review page (redaction has its own form).
DECISIONS = (Action.APPROVE, Action.REJECT, Action.REQUEST_EDIT, Action.REMOVE)


class Flag(db.Model):
    """Someone's report that a post or question needs a moderator's look."""

    __tablename__ = "moderation_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    resolved_at = mapped_column(UtcDateTime, index=True)
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderation_decision.id", ondelete="SET NULL"))

    reporter = relationship(User)
    question = relationship("Question")
    post = relationship("Post")
    decision = relationship("ModerationDecision")

    @property
    def reason_enum(self):
        return FlagReason(self.reason)

    @property
    def is_open(self):
        return self.resolved_at is None


class ModerationDecision(db.Model):
    """One thing that happened to a post or question in moderation: who, when, what, why.

    `moderator_id` is None for what the checks did by themselves (held,
    released after an edit). `reason` is the moderator's explanation, shown to
    the author; `original_deleted` records that a redaction erased the old text
    for good (it held personal data) rather than keeping it for moderators.
    """

    __tablename__ = "moderation_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # What the checks found when they held it: [{"code", "label", ...}], for tuning later.
    reasons = mapped_column(sa.JSON)
    original_deleted: Mapped[bool] = mapped_column(default=False)
    # A moderator's approve or reject of a held or flagged post, as a labelled example for
    # `flask moderation retrain`: "advice" or "marketing" (None: not an example). The text is
    # the post's own, read when retraining; nothing is copied here.
    training_label: Mapped[str | None] = mapped_column(sa.String(12))
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    moderator = relationship(User)
    question = relationship("Question")
    post = relationship("Post")

    @property
    def action_enum(self):
        return Action(self.action)


class WatchedWord(db.Model):
    """A word or phrase moderators watch: "hold" holds every text with it, "allow" is never a reason to hold.

    Removing one keeps the row (`removed_at`, `removed_by`), so the list's history stays;
    each change is also in the audit trail (`watched_word.add`, `watched_word.remove`).
    """

    __tablename__ = "moderation_watched_word"

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(10))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    removed_at = mapped_column(UtcDateTime, index=True)

    created_by = relationship(User, foreign_keys=[created_by_id])
    removed_by = relationship(User, foreign_keys=[removed_by_id])

    @property
    def action_label(self):
        return _l("Vasthouden") if self.action == "hold" else _l("Altijd toestaan")


# Erasing a resident redacts the texts that held its identity (`questions.service.redact_resident_texts`):
# the daily job vacuums their dead row versions on PostgreSQL (expertise.core.erasure).
declare_erasable("moderation_flag")
declare_erasable("moderation_decision")
