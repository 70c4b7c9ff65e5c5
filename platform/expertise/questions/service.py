"""Question rules: asking, finding, advising in threads, ownership and closing.

Services never touch the request; they take `now` where time matters and only
flush, the caller commits once. Rules broken raise QuestionError with a Dutch
message for the person (never with user content in it).
"""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ..accounts.models import ExpertiseArea, Role, User
from ..core import erasure, workdays
from ..core.markdown import render_markdown
from ..extensions import db
from ..moderation import service as moderation
from . import events
from .search import search_condition, snippet
from .models import (
    EventKind,
    Outcome,
    Post,
    PostKind,
    PostRevision,
    PostStatus,
    Question,
    QuestionEvent,
    Status,
    Urgency,
    Visibility,
    question_expertise_area,
)

EDIT_WINDOW = timedelta(minutes=30)
MAX_DEPTH = 3  # depth 0..3: four levels in the thread
SEE_ALL_ROLES = (Role.EXPERT, Role.MODERATOR, Role.COORDINATOR)


class QuestionError(Exception):
    """A rule of the questions area was broken; `field` names the form field."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- who may see and do what ---------------------------------------------------


def can_see_question(user, question):
    """Owner always; drafts nobody else; then experts, moderators, coordinators,
    and the owner's team unless the owner restricted it."""
    if question.owner_id == user.id:
        return True
    if question.status == Status.DRAFT:
        return False
    if question.moderation_state is not None:  # held, rejected or removed by moderation
        return user.has_role(Role.MODERATOR)
    if user.has_role(*SEE_ALL_ROLES):
        return True
    return (
        user.has_role(Role.FAMILY_WORKER)
        and question.visibility == Visibility.TEAM
        and question.team_id is not None
        and question.team_id == user.team_id
    )


def visible_questions_filter(user):
    """Return the SQL condition matching the questions `user` may see (drafts: own only)."""
    own = Question.owner_id == user.id
    if user.has_role(Role.MODERATOR):
        return sa.or_(own, Question.status != Status.DRAFT)
    unmoderated = Question.moderation_state.is_(None)
    if user.has_role(*SEE_ALL_ROLES):
        return sa.or_(own, sa.and_(Question.status != Status.DRAFT, unmoderated))
    if user.has_role(Role.FAMILY_WORKER) and user.team_id is not None:
        return sa.or_(
            own,
            sa.and_(
                Question.team_id == user.team_id,
                Question.visibility == Visibility.TEAM,
                Question.status != Status.DRAFT,
                unmoderated,
            ),
        )
    return own


def is_owner(user, question):
    return question.owner_id == user.id


def can_post_top_level(user, question):
    """Experts give advice; the owner may add to the question. Not on closed questions."""
    if question.status not in (Status.OPEN, Status.ADVISED):
        return False
    return user.has_role(Role.EXPERT) or is_owner(user, question)


def can_reply(user, question):
    """Everyone who sees an open question may reply to any post in it."""
    return question.status in (Status.OPEN, Status.ADVISED)


def can_edit_post(user, post, now):
    """Authors edit their own post within 30 minutes, while the question is not closed.

    A post held by moderation stays editable until a moderator decides.
    """
    return (
        post.author_id == user.id
        and (
            post.status == PostStatus.HELD
            or (post.status == PostStatus.PUBLISHED and now - post.created_at <= EDIT_WINDOW)
        )
        and post.question.status in (Status.OPEN, Status.ADVISED)
    )


# --- working days and overdue ----------------------------------------------------


def add_working_days(start, days):
    """Return `start` plus `days` working days (Monday–Friday, Dutch public holidays skipped).

    The calendar lives in `expertise.core.workdays`, which the insights figures count
    working hours with too: a question published on Friday 10:00 with two days is due on
    Tuesday 10:00; one published on Saturday with one day at the end of Monday.
    """
    return workdays.add_working_days(start, days)


def advice_due(published_at, urgency):
    """Return when a question published at `published_at` should have advice."""
    return add_working_days(published_at, Urgency(urgency).advice_working_days)


def is_overdue(question, now):
    """Return True for a published question still without advice after its norm."""
    return (
        question.status == Status.OPEN
        and question.advice_due_at is not None
        and now >= question.advice_due_at
    )


# --- asking ----------------------------------------------------------------------


def _require_owner(actor, question):
    if not is_owner(actor, question):
        raise QuestionError(_l("Alleen de eigenaar van de vraag kan dit doen."))


KEEP = object()  # update_question: leave the resident as it is


def _set_resident(owner, question, resident):
    """Link the question to one of the owner's live residents (or to none).

    A resident has one owner and all its questions share that owner, so a
    handover can move them together.
    """
    if resident is KEEP:
        return
    if resident is not None and resident.id != question.resident_id and (
            resident.owner_id != owner.id or resident.is_erased):
        raise QuestionError(_l("Kies een van je eigen bewoners."), "resident")
    question.resident = resident


def _fill(question, *, title, situation, request, child_age, child_gender, areas,
          urgency, visibility, family_consent, child_age_months=None):
    question.title = (title or "").strip()
    question.situation = situation or ""
    question.situation_html = render_markdown(question.situation)
    question.request = request or ""
    question.request_html = render_markdown(question.request)
    question.child_age = child_age
    # The months say more only under one year; an older child's age is in years.
    question.child_age_months = child_age_months if child_age == 0 else None
    question.child_gender = child_gender or ""
    question.areas = list(areas)
    question.urgency = Urgency(urgency).value
    question.visibility = Visibility(visibility).value
    question.family_consent = bool(family_consent)


def _check_complete(question):
    """Raise QuestionError when a question lacks what publishing needs."""
    if not question.title:
        raise QuestionError(_l("Geef de vraag een titel."), "title")
    if not question.situation.strip():
        raise QuestionError(_l("Beschrijf de situatie."), "situation")
    if not question.request.strip():
        raise QuestionError(_l("Schrijf op wat je wilt weten."), "request")
    if question.child_age is None or not 0 <= question.child_age <= 23:
        raise QuestionError(_l("Vul een leeftijd tussen 0 en 23 jaar in."), "child_age")
    if question.child_age_months is not None and not 0 <= question.child_age_months <= 11:
        raise QuestionError(_l("Vul een aantal maanden tussen 0 en 11 in."), "child_age_months")
    if not question.areas:
        raise QuestionError(_l("Kies minstens één expertisegebied."), "areas")
    if current_app.config.get("REQUIRE_FAMILY_CONSENT", True) and not question.family_consent:
        raise QuestionError(
            _l("Bevestig dat het gezin weet dat je advies vraagt."), "family_consent"
        )


def _publish(question, actor, now):
    _check_complete(question)
    question.status = Status.OPEN.value
    question.published_at = now
    question.advice_due_at = advice_due(now, question.urgency)
    db.session.add(QuestionEvent(question=question, actor=actor, kind=EventKind.PUBLISHED, created_at=now))


def post_question(owner, *, title, situation, request, child_age, child_gender=None, child_age_months=None,
                  areas, urgency=Urgency.NORMAL, visibility=Visibility.TEAM,
                  family_consent=False, publish=True, resident=None, pii_check=None, now):
    """Create a question for a family worker, as a draft or published.

    `resident` is one of the owner's residents (the vault's row; its identity
    never comes here). `pii_check` is the personal-data guard's record
    (categories and counts); `questions.owner.post_question` runs the guard.
    """
    if not owner.has_role(Role.FAMILY_WORKER) or owner.team_id is None:
        raise QuestionError(_l("Alleen gezinswerkers van een buurtteam kunnen vragen stellen."))
    question = Question(owner=owner, team_id=owner.team_id, created_at=now, updated_at=now,
                        status=Status.DRAFT.value)
    _fill(question, title=title, situation=situation, request=request, child_age=child_age,
          child_gender=child_gender, areas=areas, urgency=urgency, visibility=visibility,
          family_consent=family_consent, child_age_months=child_age_months)
    if not question.title:
        raise QuestionError(_l("Geef de vraag een titel."), "title")
    _set_resident(owner, question, resident)
    question.pii_check = pii_check
    db.session.add(question)
    if publish:
        _publish(question, owner, now)
    db.session.flush()
    moderation.screen_question(question, now=now)
    if publish and question.moderation_state is None:  # a held question is announced on release
        events.question_published(question, now)
    return question


def update_question(actor, question, *, title, situation, request, child_age, child_gender=None,
                    child_age_months=None, areas, urgency, visibility, family_consent, publish=False, resident=KEEP,
                    pii_check=KEEP, now):
    """Let the owner change a draft or an open question; publish a draft when asked."""
    _require_owner(actor, question)
    if question.is_closed:
        raise QuestionError(_l("Een afgesloten vraag kun je niet meer wijzigen. Heropen hem eerst."))
    _fill(question, title=title, situation=situation, request=request, child_age=child_age,
          child_gender=child_gender, areas=areas, urgency=urgency, visibility=visibility,
          family_consent=family_consent, child_age_months=child_age_months)
    if not question.title:
        raise QuestionError(_l("Geef de vraag een titel."), "title")
    _set_resident(actor, question, resident)
    if pii_check is not KEEP:
        question.pii_check = pii_check
    question.updated_at = now
    publishing = question.is_draft and publish
    if question.is_draft:
        if publish:
            _publish(question, actor, now)
    else:
        _check_complete(question)
        if question.status == Status.OPEN:
            question.advice_due_at = advice_due(question.published_at, question.urgency)
    db.session.flush()
    moderation.screen_question(question, now=now)
    if publishing and question.moderation_state is None:
        events.question_published(question, now)
    events.question_updated(question, now)
    return question


def delete_draft(actor, question):
    """Delete one of the owner's drafts for good, with nothing of its text left behind.

    A draft may hold what should not have been written down. Besides the row,
    SQLite's search index must lose its words: FTS5 only marks a deleted row
    until its segments are merged, so the index is merged in the same
    transaction (about 0.3 s for 10,000 questions). After the commit
    `core.erasure` takes the text out of the database files.
    """
    _require_owner(actor, question)
    if not question.is_draft:
        raise QuestionError(_l("Alleen een concept kun je verwijderen."))
    db.session.delete(question)
    db.session.flush()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("INSERT INTO question_fts(question_fts) VALUES ('optimize')"))
    erasure.erase_on_commit()


def question_released(question, now):
    """Count a question held by moderation as published from now (its advice norm starts now)."""
    if question.status == Status.OPEN:
        question.published_at = now
        question.advice_due_at = advice_due(now, question.urgency)
    events.question_published(question, now)


# --- advising in threads ------------------------------------------------------------


def post_reply(author, question, *, body, parent=None, pii_check=None, now):
    """Add a post to a question's thread: advice, an addition, or a reply to a post.

    An expert's top-level post is advice; the first advice moves the question
    from open to advised. Replies deeper than four levels attach to the
    deepest allowed level, next to the post they answer.
    """
    body = (body or "").strip()
    if not body:
        raise QuestionError(_l("Schrijf een bericht."), "body")
    if parent is None:
        if not can_post_top_level(author, question):
            raise QuestionError(_l("Je kunt hier geen advies of aanvulling plaatsen."))
    else:
        if parent.question_id != question.id or not can_reply(author, question):
            raise QuestionError(_l("Je kunt hier niet reageren."))
        if parent.depth >= MAX_DEPTH:
            parent = parent.parent
    kind = PostKind.ADVICE if parent is None and author.has_role(Role.EXPERT) else PostKind.COMMENT
    return place_post(author, question, body=body, kind=kind, parent=parent, role=_display_role(author),
                      pii_check=pii_check, now=now)


def _refuse_bsn(texts):
    """Raise guard.PersonalDataBlocked when a text by someone other than the owner holds a BSN."""
    from . import guard  # the guard imports this module

    guard.check_texts(texts, None, policy=guard.HOLD)


def place_post(author, question, *, body, kind, role, parent=None, pii_check=None, screened_text=None, now):
    """Put a post in the thread: the one path every post takes, whoever writes it.

    The checks screen it (a held post counts only once approved); a published
    one counts at once (`post_published`: the advice count, the open pages,
    the notifications). `role` is the role the author writes in (an expert's
    organisation and a family worker's team are shown with the post);
    `screened_text` is what the checks read when part of the body is the
    platform's own (the weekly consultation's list of experts present).
    Callers check who may post. Anyone but the owner (whose texts the guard
    reads with the resident's identity before this) is refused a BSN here;
    their other personal data the checks hold for a moderator. The checks
    (deduce among them) and Markdown run before anything of the post is
    written, so that on SQLite the write lock is held only for the inserts
    (`core.database`).
    """
    screened = body if screened_text is None else screened_text
    if author.id != question.owner_id:
        _refuse_bsn({"body": screened})
    body_html = render_markdown(body)
    reasons = moderation.check_post(author, question, screened)
    post = Post(
        question=question,
        author=author,
        parent=parent,
        depth=0 if parent is None else parent.depth + 1,
        kind=PostKind(kind).value,
        author_role=role.value,
        organisation_id=author.organisation_id if role == Role.EXPERT else None,
        team_id=author.team_id if role == Role.FAMILY_WORKER else None,
        body=body,
        body_html=body_html,
        status=PostStatus.PUBLISHED.value,
        created_at=now,
        pii_check=pii_check,
    )
    db.session.add(post)
    moderation.screen_post(post, now=now, reasons=reasons)  # may hold it
    if post.status == PostStatus.PUBLISHED:
        post_published(post, now)
    db.session.flush()
    return post


def post_published(post, now):
    """Let a post that became visible count: the first advice moves the question to advised."""
    question = post.question
    post.changed_at = now
    if post.kind == PostKind.ADVICE and question.status == Status.OPEN:
        question.status = Status.ADVISED.value
        question.first_advice_at = now
    db.session.flush()
    events.post_published(post, now)


def _display_role(user):
    for role in (Role.EXPERT, Role.FAMILY_WORKER, Role.COORDINATOR, Role.MODERATOR, Role.ADMIN):
        if role in user.roles:
            return role
    raise QuestionError(_l("Je account heeft geen rol op het platform."))


def edit_post(actor, post, *, body, pii_check=KEEP, now):
    """Let an author change their post within 30 minutes; keep the old text as a revision."""
    if not can_edit_post(actor, post, now):
        raise QuestionError(_l("Je kunt een bericht alleen binnen 30 minuten na plaatsen wijzigen."))
    body = (body or "").strip()
    if not body:
        raise QuestionError(_l("Schrijf een bericht."), "body")
    if body == post.body:
        return post
    if actor.id != post.question.owner_id:
        _refuse_bsn({"body": body})
    db.session.add(PostRevision(post=post, editor=actor, body=post.body, created_at=now))
    post.body = body
    post.body_html = render_markdown(body)
    if pii_check is not KEEP:
        post.pii_check = pii_check
    post.edited_at = now
    was_visible = post.status == PostStatus.PUBLISHED
    moderation.rescreen_post(post, now=now)  # may hold it, or release a held one (announced there)
    db.session.flush()
    if was_visible and post.status == PostStatus.PUBLISHED:
        post.changed_at = now
        events.post_updated(post, now)
    elif was_visible:
        events.post_withdrawn(post, now)
    return post


# --- ownership (regie) ----------------------------------------------------------------


def mark_advice_helpful(actor, post, *, helpful=True, now):
    """Let the owner mark (or unmark) an advice as helpful."""
    _require_owner(actor, post.question)
    if not post.is_advice:
        raise QuestionError(_l("Alleen een advies kun je als nuttig markeren."))
    post.helpful = bool(helpful)
    db.session.flush()
    events.post_updated(post, now)
    return post


def ask_more_perspectives(actor, question, now):
    """Record that the owner wants advice from more organisations (notifications follow)."""
    _require_owner(actor, question)
    if question.status not in (Status.OPEN, Status.ADVISED):
        raise QuestionError(_l("Vraag meer perspectieven bij een lopende vraag."))
    event = QuestionEvent(question=question, actor=actor, kind=EventKind.MORE_PERSPECTIVES, created_at=now)
    db.session.add(event)
    db.session.flush()
    events.more_perspectives_asked(question, event, now)
    return event


def handover_candidates(question):
    """Return the active family workers in the question's team, other than the owner."""
    from ..accounts.models import UserRole

    return db.session.scalars(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.team_id == question.team_id,
            User.id != question.owner_id,
            User.active.is_(True),
            User.password_hash.is_not(None),
            UserRole.role == Role.FAMILY_WORKER.value,
        )
        .order_by(User.name)
    ).all()


def live_resident(question):
    """Return the question's resident while its identity exists, else None."""
    resident = question.resident
    return resident if resident is not None and not resident.is_erased else None


def questions_of_resident(resident, *, owner_id=None):
    """Return every question about `resident` (of `owner_id` only, when given), oldest first."""
    query = sa.select(Question).where(Question.resident_id == resident.id)
    if owner_id is not None:
        query = query.where(Question.owner_id == owner_id)
    return db.session.scalars(query.order_by(Question.id)).all()


def has_other_unclosed_question(question):
    """Return whether another question about the same resident is not closed (drafts count)."""
    if question.resident_id is None:
        return False
    return db.session.scalar(
        sa.select(sa.func.count(Question.id)).where(
            Question.resident_id == question.resident_id,
            Question.id != question.id,
            Question.status != Status.CLOSED,
        )
    ) > 0


def check_hand_over(actor, question, colleague):
    """Raise QuestionError unless `actor` may hand `question` over to `colleague`."""
    _require_owner(actor, question)
    if question.is_draft:
        raise QuestionError(_l("Een concept kun je niet overdragen."))
    _check_colleague(question, colleague, exclude=actor)


def _check_colleague(question, colleague, *, exclude):
    if (
        colleague is None
        or colleague.id == exclude.id
        or not colleague.is_active
        or not colleague.has_role(Role.FAMILY_WORKER)
        or colleague.team_id != question.team_id
    ):
        raise QuestionError(_l("Kies een actieve collega uit je eigen buurtteam."), "colleague")


def _move(questions, actor, colleague, now):
    """Give `questions` to `colleague`; each published one shows the handover in its thread.

    Returns the handover events, one per published question, in order.
    """
    moved = []
    for question in questions:
        question.owner = colleague
        question.updated_at = now
        if not question.is_draft:
            event = QuestionEvent(question=question, actor=actor, target_user=colleague,
                                  kind=EventKind.HANDED_OVER, created_at=now)
            db.session.add(event)
            moved.append(event)
    db.session.flush()
    for event in moved:
        events.question_handed_over(event.question, event, now)
    return moved


def _moving_with(question, from_owner_id):
    """Return the question plus every other question about its resident held by the same owner.

    A resident belongs to one owner, and the owner must be able to read the
    identity on each of their questions: so all questions about a resident
    (drafts and closed ones too) move with it, never one alone.
    """
    if question.resident_id is None:
        return [question]
    others = [q for q in questions_of_resident(question.resident, owner_id=from_owner_id) if q.id != question.id]
    return [question] + others


def hand_over_question(actor, question, colleague, now):
    """Make an active family worker colleague in the same team the question's owner.

    Open and closed questions alike. The other questions about the same
    resident move along, and the handover shows in each thread. The resident
    itself must already belong to the colleague: `questions.owner` re-keys it
    in the vault first, in the same transaction. Returns the event of `question`.
    """
    check_hand_over(actor, question, colleague)
    resident = live_resident(question)
    if resident is not None and resident.owner_id != colleague.id:
        raise QuestionError(_l("De bewoner van deze vraag is nog niet overgedragen."), "colleague")
    return _move(_moving_with(question, actor.id), actor, colleague, now)[0]


def hand_over_resident_questions(actor, resident, colleague, now):
    """Give every question about `resident` that `actor` holds (drafts and closed ones too) to `colleague`.

    The resident must already belong to the colleague (re-keyed by
    `questions.owner.hand_over_resident` in the same transaction). Returns the
    handover events, one per published question.
    """
    if resident.owner_id != colleague.id:
        raise QuestionError(_l("De bewoner van deze vraag is nog niet overgedragen."), "colleague")
    questions = questions_of_resident(resident, owner_id=actor.id)
    for question in questions:
        _check_colleague(question, colleague, exclude=actor)
    return _move(questions, actor, colleague, now)


def redact_resident_texts(resident, redact, now):
    """Redact every free text on the questions about `resident` with `redact`; return (texts, questions).

    For erasing the resident's identity (`questions.owner.erase_resident`, in
    the same transaction as the shred): `redact(text)` returns (new text,
    number of replacements) and is the guard's identity matching. Read are the
    question's title, situation, request and closing feedback, every post and
    earlier revision in its thread (whoever wrote it), flag notes, moderators'
    reasons, and the nomination notes and conclusions of its agenda items.
    Sanitised HTML is rendered again from the new text. Each question that
    changed gets a line in its moderation history (counts only), and the
    transaction erases on disk (`core.erasure`), SQLite's search index merged
    as when deleting a draft. Nothing else changes: no notification, no
    "edited" mark; open pages of the thread show the new posts at once.
    """
    from ..consultations.models import AgendaItem
    from ..moderation.models import Flag, ModerationDecision

    def apply(row, attr, html_attr=None, limit=None):
        new, count = redact(getattr(row, attr))
        if not count:
            return 0
        setattr(row, attr, new[:limit] if limit else new)
        if html_attr:
            setattr(row, html_attr, render_markdown(getattr(row, attr)))
        return count

    texts = changed_questions = 0
    search_changed = False
    for question in questions_of_resident(resident):
        searchable = (apply(question, "title", limit=150) + apply(question, "situation", "situation_html")
                      + apply(question, "request", "request_html"))
        search_changed = search_changed or bool(searchable)
        count = searchable + apply(question, "outcome_note")
        for post in question.posts:
            post_count = apply(post, "body", "body_html")
            for revision in post.revisions:
                count += apply(revision, "body")
            if post_count:
                count += post_count
                post.changed_at = now
                events.post_updated(post, now)
        for row in db.session.scalars(sa.select(Flag).where(Flag.question_id == question.id)):
            count += apply(row, "note")
        for row in db.session.scalars(sa.select(ModerationDecision).where(ModerationDecision.question_id == question.id)):
            count += apply(row, "reason")
        for row in db.session.scalars(sa.select(AgendaItem).where(AgendaItem.question_id == question.id)):
            count += apply(row, "discussion_note") + apply(row, "conclusion")
        if count:
            texts += count
            changed_questions += 1
            moderation.record_identity_redaction(question, count, now)
    if texts:
        db.session.flush()
        if search_changed and db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(sa.text("INSERT INTO question_fts(question_fts) VALUES ('optimize')"))
        erasure.erase_on_commit()
    return texts, changed_questions


# What a question's title becomes when retention empties its texts.
RETAINED_TITLE = "[tekst verwijderd na de bewaartermijn]"


def erase_case_texts(question, now):
    """Empty a closed question's texts and thread for good (retention, F18); return the texts emptied.

    The title becomes RETAINED_TITLE; situation, request, closing feedback,
    every post (its earlier revisions deleted), flag notes, moderators'
    reasons and the agenda notes and conclusions become empty. What stays is
    what the figures need: dates, areas, team, outcome, ratings, counts. A
    published knowledge-base summary is a record of its own and stays. The
    transaction erases on disk (`core.erasure`), SQLite's search index merged.
    """
    from ..consultations.models import AgendaItem
    from ..moderation.models import Flag, ModerationDecision

    texts = 0

    def empty(row, *attrs, value=""):
        nonlocal texts
        for attr in attrs:
            if getattr(row, attr):
                setattr(row, attr, value)
                texts += 1

    empty(question, "title", value=RETAINED_TITLE)
    empty(question, "situation", "situation_html", "request", "request_html", "outcome_note")
    for post in question.posts:
        empty(post, "body", "body_html")
        for revision in list(post.revisions):
            db.session.delete(revision)
            texts += 1
    for row in db.session.scalars(sa.select(Flag).where(Flag.question_id == question.id)):
        empty(row, "note")
    for row in db.session.scalars(sa.select(ModerationDecision).where(ModerationDecision.question_id == question.id)):
        empty(row, "reason")
    for row in db.session.scalars(sa.select(AgendaItem).where(AgendaItem.question_id == question.id)):
        empty(row, "discussion_note", "conclusion")
    question.texts_erased_at = now
    return texts


def purge_case_texts(now, days=None):
    """Empty the texts of every question closed more than `days` ago (CASE_TEXT_RETENTION_DAYS); return how many.

    Part of the daily erasure job (`flask vault purge`), with the identities.
    """
    days = current_app.config.get("CASE_TEXT_RETENTION_DAYS", 730) if days is None else days
    due = db.session.scalars(sa.select(Question).where(
        Question.status == Status.CLOSED, Question.closed_at <= now - timedelta(days=days),
        Question.texts_erased_at.is_(None),
    ).order_by(Question.id)).all()
    for question in due:
        erase_case_texts(question, now)
    if due:
        db.session.flush()
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(sa.text("INSERT INTO question_fts(question_fts) VALUES ('optimize')"))
        erasure.erase_on_commit()
    return len(due)


def can_hand_over_on_behalf(user, question):
    """Coordinators act for an owner who is gone (deactivated), on published questions."""
    return (
        user.has_role(Role.COORDINATOR)
        and not question.is_draft
        and not question.owner.is_active
    )


def hand_over_on_behalf(coordinator, question, colleague, now):
    """Let a coordinator hand a departed owner's question over to a colleague in the same team.

    Without a key, a coordinator cannot re-key the resident: when the question
    is about a resident whose identity still exists, the recovery ceremony
    (an admin starts it, a recovery officer completes it with the kit) must
    first have moved the resident to that colleague. The other questions
    about the resident move along.
    """
    if not can_hand_over_on_behalf(coordinator, question):
        raise QuestionError(_l("Alleen een coördinator kan een vraag overdragen voor een eigenaar die niet meer actief is."))
    _check_colleague(question, colleague, exclude=question.owner)
    resident = live_resident(question)
    if resident is not None and resident.owner_id != colleague.id:
        raise QuestionError(
            _l("De bewoner van deze vraag hoort nog niet bij deze collega. Rond eerst het herstel met de herstelsleutel af."),
            "colleague",
        )
    return _move(_moving_with(question, question.owner_id), coordinator, colleague, now)[0]


def close_question(actor, question, *, outcome, explanation, ratings=None, now):
    """Close a question with what was done with the advice; rate each advice 1–5.

    `ratings` maps advice post ids to a rating or None.
    """
    _require_owner(actor, question)
    if question.status not in (Status.OPEN, Status.ADVISED):
        raise QuestionError(_l("Deze vraag kan niet worden afgesloten."))
    explanation = (explanation or "").strip()
    if not explanation:
        raise QuestionError(_l("Leg kort uit wat je met het advies hebt gedaan."), "explanation")
    question.outcome = Outcome(outcome).value
    question.outcome_note = explanation
    advices = {p.id: p for p in question.posts if p.is_advice}
    for post_id, rating in (ratings or {}).items():
        if post_id not in advices:
            raise QuestionError(_l("Je kunt alleen adviezen bij deze vraag beoordelen."))
        if rating is not None and not 1 <= rating <= 5:
            raise QuestionError(_l("Geef een cijfer van 1 tot en met 5."))
        advices[post_id].rating = rating
    question.status = Status.CLOSED.value
    question.closed_at = now
    question.updated_at = now
    db.session.add(QuestionEvent(question=question, actor=actor, kind=EventKind.CLOSED, created_at=now))
    db.session.flush()
    events.question_closed(question, now)
    return question


def reopen_question(actor, question, now):
    """Let the owner reopen a closed question; it returns to advised or open."""
    _require_owner(actor, question)
    if not question.is_closed:
        raise QuestionError(_l("Alleen een afgesloten vraag kun je heropenen."))
    has_advice = any(p.is_advice for p in question.posts)
    question.status = (Status.ADVISED if has_advice else Status.OPEN).value
    question.closed_at = None
    question.updated_at = now
    db.session.add(QuestionEvent(question=question, actor=actor, kind=EventKind.REOPENED, created_at=now))
    db.session.flush()
    events.question_reopened(question, now)
    return question


# --- finding ---------------------------------------------------------------------


# A search with at most this many matches sorts them all; with more, the list
# walks the published_at index and stops at the page (see find_questions).
FEW_MATCHES = 10_000


def _list_order(columns, user, sort):
    """The list's ORDER BY over `columns` (the Question table or the matches' CTE)."""
    order = []
    if user.has_role(Role.FAMILY_WORKER):
        order.append(sa.case((columns.owner_id == user.id, 0), else_=1))
    if sort == "oldest":
        return order + [columns.published_at.asc(), columns.id.asc()]
    if sort == "urgent":
        return order + [
            sa.case((columns.status == Status.OPEN, 0), (columns.status == Status.ADVISED, 1), else_=2),
            columns.advice_due_at.asc(),
            columns.id.asc(),
        ]
    return order + [columns.published_at.desc(), columns.id.desc()]


def find_questions(user, *, now, areas=None, urgency=None, statuses=None, without_advice=False,
                   organisation_not_answered=False, overdue=False, search=None, sort="newest",
                   page=1, per_page=20):
    """Return one page of the questions `user` may see, filtered and sorted.

    Drafts are never listed here (the owner's drafts have their own list).
    Family workers see their own questions first, then their team's. Each
    item carries `advice_count` and `organisation_count`, loaded in the same
    query, so the page costs the same number of queries for any page size.
    """
    advice_count = (
        sa.select(sa.func.count(Post.id))
        .where(Post.question_id == Question.id, Post.kind == PostKind.ADVICE,
               Post.status == PostStatus.PUBLISHED)
        .correlate(Question)
        .scalar_subquery()
    )
    organisation_count = (
        sa.select(sa.func.count(sa.distinct(Post.organisation_id)))
        .where(Post.question_id == Question.id, Post.kind == PostKind.ADVICE,
               Post.status == PostStatus.PUBLISHED)
        .correlate(Question)
        .scalar_subquery()
    )
    conditions = [visible_questions_filter(user), Question.status != Status.DRAFT]
    if areas:
        conditions.append(
            Question.id.in_(
                sa.select(question_expertise_area.c.question_id).where(
                    question_expertise_area.c.expertise_area_id.in_([a.id if hasattr(a, "id") else a for a in areas])
                )
            )
        )
    if urgency:
        conditions.append(Question.urgency == Urgency(urgency).value)
    if statuses:
        conditions.append(Question.status.in_([Status(s).value for s in statuses]))
    if without_advice:
        conditions.append(advice_count == 0)
    if organisation_not_answered and user.organisation_id is not None:
        conditions.append(
            ~sa.exists().where(
                Post.question_id == Question.id,
                Post.organisation_id == user.organisation_id,
                Post.status == PostStatus.PUBLISHED,
            )
        )
    if overdue:
        conditions.append(sa.and_(Question.status == Status.OPEN, Question.advice_due_at <= now))
    matching = search_condition(search)
    if matching is not None:
        conditions.append(matching)

    where = sa.and_(*conditions)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Question).where(where))
    per_page = max(1, min(per_page, 100))
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    # First the ids of this page, then their rows with the counts: the counts
    # are then computed for one page, not for every matching question.
    if matching is not None and total <= FEW_MATCHES:
        # Few matches: take them all through the search index, then sort. Left to
        # itself PostgreSQL walks the published_at index and computes the text's
        # tsvector for every row it passes until a page is full (a word in 0.1 % of
        # 10^5 questions: 1.1 s instead of 1 ms; benchmarks/scale_postgres.py).
        columns = sa.select(Question.id, Question.owner_id, Question.status, Question.published_at,
                            Question.advice_due_at).where(where).cte("matches").prefix_with("MATERIALIZED").c
        ids_query = sa.select(columns.id)
    else:
        columns, ids_query = Question, sa.select(Question.id).where(where)
    ids = db.session.scalars(
        ids_query.order_by(*_list_order(columns, user, sort)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    rows = db.session.execute(
        sa.select(Question, advice_count.label("advice_count"), organisation_count.label("organisation_count"))
        .where(Question.id.in_(ids))
        .options(
            selectinload(Question.areas),
            joinedload(Question.team),
            load_person(Question.owner),
        )
    ).all()
    by_id = {question.id: (question, advices, organisations) for question, advices, organisations in rows}
    items = []
    for question, advices, organisations in (by_id[i] for i in ids):
        items.append(ListItem(question, advices, organisations, is_overdue(question, now),
                              snippet(question, search) if matching is not None else None))
    return Page(items=items, total=total, page=page, pages=pages)


class ListItem:
    __slots__ = ("question", "advice_count", "organisation_count", "overdue", "snippet")

    def __init__(self, question, advice_count, organisation_count, overdue, snippet=None):
        self.question = question
        self.advice_count = advice_count
        self.organisation_count = organisation_count
        self.overdue = overdue
        self.snippet = snippet  # escaped text around the search match, or None


class Page:
    def __init__(self, items, total, page, pages):
        self.items, self.total, self.page, self.pages = items, total, page, pages

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    def numbers(self, around=2):
        """Return the page numbers to link: the first, the last and `around` either side of this one.

        None stands for a gap ("…"): 1 … 4 5 [6] 7 8 … 20.
        """
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers, previous = [], 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number > previous + 1:
                numbers.append(None)
            numbers.append(number)
            previous = number
        return numbers


def drafts_of(user):
    """Return the user's own drafts, newest change first."""
    return db.session.scalars(
        sa.select(Question)
        .where(Question.owner_id == user.id, Question.status == Status.DRAFT)
        .order_by(Question.updated_at.desc())
    ).all()


# --- the thread page ------------------------------------------------------------------


class Thread:
    """A question's posts as a tree, with its events and counts, loaded in few queries."""

    def __init__(self, question, posts, events, revisions):
        self.question = question
        self.posts = posts
        self.children = {}
        for post in posts:
            self.children.setdefault(post.parent_id, []).append(post)
        self.events = events
        self.revisions = revisions  # post id -> [PostRevision], for moderators only
        advices = [p for p in posts if p.is_advice]
        self.advice_count = len(advices)
        self.organisation_count = len({p.organisation_id for p in advices if p.organisation_id})

    @property
    def asked_by(self):
        """Return who asked the question (who published it), which a handover does not change."""
        published = next((e for e in self.events if e.kind == EventKind.PUBLISHED), None)
        return published.actor if published is not None else self.question.owner

    def top_level(self):
        """Return top-level posts and events together, oldest first."""
        items = [("post", p.created_at, p.id, p) for p in self.children.get(None, [])]
        items += [("event", e.created_at, e.id, e) for e in self.events if e.kind != EventKind.PUBLISHED]
        items.sort(key=lambda i: (i[1], i[0] == "post", i[2]))
        return [(kind, obj) for kind, _, _, obj in items]

    def replies(self, post):
        return self.children.get(post.id, [])

    def advisers(self):
        """Return the ids of everyone who advised on this question."""
        return {p.author_id for p in self.posts if p.is_advice}


def read_sync_version(question_id):
    """Return the question's committed change counter, the live page's sync cursor.

    Read it *before* loading the thread: a change committed in between then has a
    newer version and comes with the next catch-up (Question.sync_version).
    """
    return db.session.scalar(sa.select(Question.sync_version).where(Question.id == question_id))


def missed_posts(thread, *, since_version=None, after_post=0):
    """Return the thread's posts a page may lack.

    With `since_version` (the page's sync cursor, `Question.sync_version` as the page
    or its previous catch-up read it): every published post whose version is newer,
    i.e. published, released by moderation, edited or redacted since, whatever its id.
    Without it: the posts with an id above `after_post`.
    """
    if since_version is not None:
        return [p for p in thread.posts if p.sync_version is not None and p.sync_version > since_version]
    return [p for p in thread.posts if p.id > after_post]


def withdrawn_posts(question, *, since_version):
    """Return (id, version) of posts taken off the thread since `since_version` (held, removed)."""
    return db.session.execute(
        sa.select(Post.id, Post.sync_version)
        .where(Post.question_id == question.id, Post.status != PostStatus.PUBLISHED,
               Post.sync_version > since_version)
        .order_by(Post.id)
    ).all()


def load_person(relationship):
    """Join the user of `relationship`, leaving their roles and areas to load only if asked for.

    Pages show who wrote or asked what (a post keeps its author's role and
    organisation as they were); the two select-in loads a User brings by
    default would cost two queries per kind of person, mostly for nothing.
    """
    return joinedload(relationship).options(lazyload(User.role_rows), lazyload(User.expertise_areas))


def load_thread(question, *, with_revisions=False):
    """Load every published post with its author, organisation and team, and the events.

    A fixed number of queries whatever the number of posts.
    """
    posts = db.session.scalars(
        sa.select(Post)
        .where(Post.question_id == question.id, Post.status == PostStatus.PUBLISHED)
        .options(load_person(Post.author), joinedload(Post.organisation), joinedload(Post.team))
        .order_by(Post.created_at, Post.id)
    ).all()
    events = db.session.scalars(
        sa.select(QuestionEvent)
        .where(QuestionEvent.question_id == question.id)
        .options(load_person(QuestionEvent.actor), load_person(QuestionEvent.target_user))
        .order_by(QuestionEvent.created_at, QuestionEvent.id)
    ).all()
    revisions = {}
    if with_revisions and posts:
        for revision in db.session.scalars(
            sa.select(PostRevision)
            .join(Post, Post.id == PostRevision.post_id)
            .where(Post.question_id == question.id)
            .options(joinedload(PostRevision.editor))
            .order_by(PostRevision.id)
        ):
            revisions.setdefault(revision.post_id, []).append(revision)
    return Thread(question, posts, events, revisions)


def active_areas():
    """Return the expertise areas questions can be asked in."""
    return db.session.scalars(
        sa.select(ExpertiseArea).where(ExpertiseArea.active.is_(True)).order_by(ExpertiseArea.name)
    ).all()
