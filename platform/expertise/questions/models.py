"""Question models: questions, posts in their thread, post revisions and events.

No resident identity lives here: a question points at its resident with a
nullable `resident_id` (the vault's random id); the identity itself is only
ciphertext in the vault's `resident` table. `pii_check` keeps what the
personal-data guard found, as categories and counts only (never the text).
Texts are kept as the author wrote them (Markdown) next to their sanitised
HTML (`*_html`).
"""
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import ExpertiseArea, Organisation, Role, Team, User
from ..core.database import UtcDateTime, declare_hand_written
from ..core.erasure import declare_erasable
from ..core.time import utcnow
from ..core.workdays import norm_hours
from ..extensions import db
from ..vault.models import Resident, ResidentId


class Status(enum.StrEnum):
    """Where a question is in its life: draft → open → advised → closed."""

    DRAFT = "draft"
    OPEN = "open"
    ADVISED = "advised"
    CLOSED = "closed"

    @property
    def label(self):
        return {
            Status.DRAFT: _l("Concept"),
            Status.OPEN: _l("Open"),
            Status.ADVISED: _l("Geadviseerd"),
            Status.CLOSED: _l("Afgesloten"),
        }[self]


class Urgency(enum.StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"

    @property
    def advice_working_days(self):
        """The norm: a published question should have advice within this many working days.

        The one place the norm is written down; the due date, the labels and every text
        that names the norm are made from it.
        """
        return {Urgency.NORMAL: 2, Urgency.URGENT: 1}[self]

    @property
    def advice_norm_hours(self):
        """The same norm in working hours (`expertise.core.workdays`: weekends and holidays skipped)."""
        return norm_hours(self.advice_working_days)

    @property
    def label(self):
        days = _working_days(self.advice_working_days)
        if self is Urgency.URGENT:
            return _l("Urgent (binnen %(days)s)", days=days)
        return _l("Normaal (binnen %(days)s)", days=days)

    @staticmethod
    def norm():
        """The norm in words, e.g. "geen advies binnen 2 werkdagen, 1 bij urgent"."""
        return _l("geen advies binnen %(days)s, %(urgent)d bij urgent",
                  days=_working_days(Urgency.NORMAL.advice_working_days),
                  urgent=Urgency.URGENT.advice_working_days)


def _working_days(days):
    """Say "1 werkdag" or "2 werkdagen" (lazy: the form choices exist before a request picks a language)."""
    return _l("%(num)d werkdag", num=days) if days == 1 else _l("%(num)d werkdagen", num=days)


class Visibility(enum.StrEnum):
    TEAM = "team"
    RESTRICTED = "restricted"

    @property
    def label(self):
        return {
            Visibility.TEAM: _l("Mijn buurtteam en de deskundigen"),
            Visibility.RESTRICTED: _l("Alleen ik en de deskundigen"),
        }[self]


class Gender(enum.StrEnum):
    GIRL = "girl"
    BOY = "boy"
    OTHER = "other"

    @property
    def label(self):
        return {Gender.GIRL: _l("Meisje"), Gender.BOY: _l("Jongen"), Gender.OTHER: _l("Anders")}[self]


class Outcome(enum.StrEnum):
    """What the family worker did with the advice (terugkoppeling)."""

    FOLLOWED = "followed"
    PARTLY = "partly"
    NOT_FOLLOWED = "not_followed"

    @property
    def label(self):
        return {
            Outcome.FOLLOWED: _l("Gevolgd"),
            Outcome.PARTLY: _l("Deels gevolgd"),
            Outcome.NOT_FOLLOWED: _l("Niet gevolgd"),
        }[self]


class PostKind(enum.StrEnum):
    ADVICE = "advice"  # an expert's top-level post
    COMMENT = "comment"  # every other post: replies, the owner's additions


class PostStatus(enum.StrEnum):
    """Only published posts are shown to everyone; the others to the author and moderators.

    Held: waiting for a moderator (the marketing filter or the personal-data
    check fired, or a moderator asked the author to edit). Rejected: never
    published. Removed: taken down after publication.
    """

    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"
    REMOVED = "removed"


class EventKind(enum.StrEnum):
    PUBLISHED = "published"
    MORE_PERSPECTIVES = "more_perspectives"
    HANDED_OVER = "handed_over"
    CLOSED = "closed"
    REOPENED = "reopened"


question_expertise_area = sa.Table(
    "question_expertise_area",
    db.metadata,
    sa.Column("question_id", sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "expertise_area_id",
        sa.ForeignKey("expertise_area.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # The list filters by area: without this, every area filter and its
    # count scan the whole table (the primary key starts with the question).
    sa.Index("ix_question_expertise_area_area", "expertise_area_id", "question_id"),
)


class Question(db.Model):
    """A family worker's question about a family, and what came of it."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    # The resident the question is about; its questions always share its owner.
    resident_id: Mapped[int | None] = mapped_column(ResidentId, sa.ForeignKey("resident.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(150), default="")
    situation: Mapped[str] = mapped_column(sa.Text, default="")
    situation_html: Mapped[str] = mapped_column(sa.Text, default="")
    request: Mapped[str] = mapped_column(sa.Text, default="")
    request_html: Mapped[str] = mapped_column(sa.Text, default="")
    child_age: Mapped[int | None] = mapped_column()
    # Under one year: the months (0-11), so the age reads "4 maanden" instead of "0 jaar".
    child_age_months: Mapped[int | None] = mapped_column()
    child_gender: Mapped[str] = mapped_column(sa.String(10), default="")
    urgency: Mapped[str] = mapped_column(sa.String(10), default=Urgency.NORMAL.value)
    visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.TEAM.value)
    family_consent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(10), default=Status.DRAFT.value, index=True)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    published_at = mapped_column(UtcDateTime, index=True)
    # When advice is due: 2 working days after publishing, 1 when urgent.
    advice_due_at = mapped_column(UtcDateTime, index=True)
    first_advice_at = mapped_column(UtcDateTime)
    closed_at = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(sa.String(15))
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")
    # The personal-data guard's result: {"warned": {category: count}, "confirmed": bool}.
    pii_check = mapped_column(sa.JSON)
    # Moderation (see expertise.moderation): None while nothing is wrong, else
    # "held", "rejected" or "removed" (then only the owner and moderators see it).
    moderation_state: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    # Why it was held: [{"code", "label", ...}] (codes, labels, counts; never text or spans).
    moderation_reasons = mapped_column(sa.JSON)
    # Counts every change open pages of the thread must learn about (a post published,
    # updated or withdrawn). Raised by an UPDATE that holds the row until commit, so a
    # version is committed only after every lower one: the live page's sync cursor.
    sync_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The collaboration model chosen for this question (network, triage, team);
    # None: the deployment's COLLABORATION_MODEL (consultations.service.effective_route).
    route: Mapped[str | None] = mapped_column(sa.String(10))
    # When the retention job emptied its texts and thread (`service.erase_case_texts`).
    texts_erased_at = mapped_column(UtcDateTime)

    owner = relationship(User, foreign_keys=[owner_id])
    resident = relationship(Resident)
    team = relationship(Team)
    areas = relationship(
        ExpertiseArea, secondary=question_expertise_area, order_by=ExpertiseArea.name
    )
    posts = relationship(
        "Post", back_populates="question", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Post.id",
    )
    events = relationship(
        "QuestionEvent", back_populates="question", cascade="all, delete-orphan",
        passive_deletes=True, order_by="QuestionEvent.id",
    )

    def __repr__(self):
        return f"<Question {self.id}>"

    @property
    def status_enum(self):
        return Status(self.status)

    @property
    def urgency_enum(self):
        return Urgency(self.urgency)

    @property
    def visibility_enum(self):
        return Visibility(self.visibility)

    @property
    def is_draft(self):
        return self.status == Status.DRAFT

    @property
    def is_closed(self):
        return self.status == Status.CLOSED


class Post(db.Model):
    """An advice or reply in a question's thread.

    The author's role, organisation and team are kept as they were when
    posting, so the thread keeps saying where an advice came from, even after
    someone changes organisation.
    """

    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("post.id", ondelete="CASCADE"), index=True
    )
    depth: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10), default=PostKind.COMMENT.value)
    author_role: Mapped[str] = mapped_column(sa.String(20))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default=PostStatus.PUBLISHED.value)
    # Why moderation held it: [{"code", "label", ...}] (never text or spans).
    moderation_reasons = mapped_column(sa.JSON)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    edited_at = mapped_column(UtcDateTime)
    # When open pages last had to learn about it: published, released by
    # moderation, edited or redacted (for the catch-up after a reconnect).
    changed_at = mapped_column(UtcDateTime)
    # The question's sync_version when open pages last had to learn about this post
    # (published, updated, withdrawn): the live page's version of the post and the
    # catch-up's cursor (questions.events.next_sync_version). None: never shown live.
    sync_version: Mapped[int | None] = mapped_column()
    helpful: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[int | None] = mapped_column()
    # The personal-data guard's result for the owner's posts (categories and counts only).
    pii_check = mapped_column(sa.JSON)

    question = relationship(Question, back_populates="posts")
    author = relationship(User, foreign_keys=[author_id])
    organisation = relationship(Organisation)
    team = relationship(Team)
    parent = relationship("Post", remote_side=[id])
    revisions = relationship(
        "PostRevision", back_populates="post", cascade="all, delete-orphan",
        passive_deletes=True, order_by="PostRevision.id",
    )

    def __repr__(self):
        return f"<Post {self.id}>"

    @property
    def is_advice(self):
        return self.kind == PostKind.ADVICE

    @property
    def author_role_label(self):
        """The role the author wrote in (kept on the post: roles can change later)."""
        return Role(self.author_role).label


class PostRevision(db.Model):
    """An earlier text of an edited post; shown to moderators only."""

    __tablename__ = "post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    post = relationship(Post, back_populates="revisions")
    editor = relationship(User)


class QuestionEvent(db.Model):
    """Something the owner did with a question: published, handed over, closed, …

    Shown in the thread; the notifications area reads them to tell people.
    """

    __tablename__ = "question_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    target_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    question = relationship(Question, back_populates="events")
    actor = relationship(User, foreign_keys=[actor_id])
    target_user = relationship(User, foreign_keys=[target_user_id])


# Full-text search objects are written by hand in the migration (FTS5 table and
# its triggers on SQLite, a GIN expression index on PostgreSQL).
# ix_question_listing (PostgreSQL only, see its migration): every column the list's
# visibility rule reads, and the id, so the list's count is an index-only scan of a narrow
# index instead of a scan of the wide rows (10^5 questions: 62 -> 15 ms; with an area
# filter 78 -> 46 ms). Not on SQLite, which has no statistics until someone runs ANALYZE
# and then picks it for the list's ids too, sorting every match (20 -> 93 ms at 10^4).
declare_hand_written("question_fts", "ix_question_search", "ix_question_listing")

# Deleting a draft and redacting a post erase text: the daily job vacuums their
# dead row versions on PostgreSQL and rebuilds the search index, whose GIN keys
# outlive the rows (expertise.core.erasure).
declare_erasable("question", rebuild_indexes=("ix_question_search",))
declare_erasable("post")
declare_erasable("post_revision")
