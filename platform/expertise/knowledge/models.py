"""Knowledge-base models: a scrubbed summary of a closed case, and "answer found" marks.

A summary is a record of its own: it copies (scrubbed) what the case said when
it was offered, so later edits, redactions, retention or erasure of the
question never change it. `question_id` is kept only so the owner can find
their offer again and so erasing the resident can withdraw what is not
published yet; it is never shown to anyone but the owner.
"""
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import ExpertiseArea, Team, User
from ..core.database import UtcDateTime, declare_hand_written
from ..core.erasure import declare_erasable
from ..core.time import utcnow
from ..extensions import db


class SummaryStatus(enum.StrEnum):
    """draft (the owner reviews) → submitted (a moderator decides) → published or rejected."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"

    @property
    def label(self):
        return {
            SummaryStatus.DRAFT: _l("Concept: nog niet ingediend"),
            SummaryStatus.SUBMITTED: _l("Ingediend: wacht op een moderator"),
            SummaryStatus.PUBLISHED: _l("Gepubliceerd in de kennisbank"),
            SummaryStatus.REJECTED: _l("Afgewezen door een moderator"),
        }[self]


# Age bands instead of the exact age: a summary is read by everyone.
AGE_BANDS = (
    ("0-3", 0, 3, _l("0 tot en met 3 jaar")),
    ("4-7", 4, 7, _l("4 tot en met 7 jaar")),
    ("8-11", 8, 11, _l("8 tot en met 11 jaar")),
    ("12-15", 12, 15, _l("12 tot en met 15 jaar")),
    ("16-18", 16, 18, _l("16 tot en met 18 jaar")),
    ("18+", 19, 200, _l("ouder dan 18 jaar")),
)
AGE_BAND_LABELS = {key: label for key, _lo, _hi, label in AGE_BANDS}


def age_band(age):
    """Return the band key of an age ("8-11"), or "" when no age was given."""
    if age is None:
        return ""
    return next((key for key, low, high, _label in AGE_BANDS if low <= age <= high), "")


case_summary_area = sa.Table(
    "case_summary_area",
    db.metadata,
    sa.Column("summary_id", sa.ForeignKey("case_summary.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("expertise_area_id", sa.ForeignKey("expertise_area.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_case_summary_area_area", "expertise_area_id", "summary_id"),
)


class CaseSummary(db.Model):
    """A closed case, scrubbed of identities, offered for (and maybe published in) the knowledge base."""

    __tablename__ = "case_summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("question.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default=SummaryStatus.DRAFT.value)
    title: Mapped[str] = mapped_column(sa.String(150), default="")
    situation: Mapped[str] = mapped_column(sa.Text, default="")
    request: Mapped[str] = mapped_column(sa.Text, default="")
    advice: Mapped[str] = mapped_column(sa.Text, default="")
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[str | None] = mapped_column(sa.String(15))
    age_band: Mapped[str] = mapped_column(sa.String(6), default="")
    # The organisations that advised, as they were named when the case was offered.
    organisations = mapped_column(sa.JSON, default=list)
    case_closed_at = mapped_column(UtcDateTime)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    submitted_at = mapped_column(UtcDateTime)
    decided_at = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    published_at = mapped_column(UtcDateTime, index=True)
    # What the guard found in the owner's edits: categories and counts only.
    pii_check = mapped_column(sa.JSON)

    owner = relationship(User, foreign_keys=[owner_id])
    decided_by = relationship(User, foreign_keys=[decided_by_id])
    team = relationship(Team)
    areas = relationship(ExpertiseArea, secondary=case_summary_area, order_by=ExpertiseArea.name)

    __table_args__ = (sa.Index("ix_case_summary_status_published", "status", "published_at"),)

    def __repr__(self):
        return f"<CaseSummary {self.id}>"

    @property
    def status_enum(self):
        return SummaryStatus(self.status)

    @property
    def is_published(self):
        return self.status == SummaryStatus.PUBLISHED

    @property
    def age_band_label(self):
        return AGE_BAND_LABELS.get(self.age_band, "")

    @property
    def outcome_label(self):
        from ..questions.models import Outcome

        return Outcome(self.outcome).label if self.outcome else ""


class AnswerFound(db.Model):
    """A family worker found the answer in the knowledge base and did not ask: counted, never shown per person.

    Kept per team (not per person) for the coordinators' dashboard.
    """

    __tablename__ = "knowledge_answer_found"

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_summary.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    found_at = mapped_column(UtcDateTime, default=utcnow, nullable=False, index=True)


# The search index is hand-written in the migration (FTS5 on SQLite; on PostgreSQL a generated
# `search_vector` column with a GIN index).
declare_hand_written("case_summary_fts", "ix_case_summary_search", "search_vector")
# Withdrawing an unpublished summary deletes its text: vacuumed daily on PostgreSQL.
declare_erasable("case_summary", rebuild_indexes=("ix_case_summary_search",))
