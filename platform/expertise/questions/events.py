"""What a question's thread tells the world after a change: live events and notifications.

Each service verb ends with one call here (`post_published(post, now)`, …).
Nothing leaves before the commit: events go through `publish_on_commit`,
notifications through `notify` (whose e-mails and pushes are sent after the
commit too), so a rolled-back change tells nobody anything.

Live events go to the room `question:<id>`, which a socket may join only when
`can_join_question` (the rule of `access.access_question`) allows it. Their
payload holds ids and an HTML fragment rendered for a *neutral* viewer: the
same for everyone in the room, so it carries no per-person controls (no
edit link, no "helpful" button, no CSRF token) and nothing of the resident's
identity (which never lives in posts or thread events). Every post event also
carries the post's `version` (`next_sync_version`), so a page keeps the newest
of what the socket and the catch-up told it. Per-person controls come with a
reload, or with `GET /vragen/<id>/berichten?sinds_versie=<cursor>`, which renders
the posts changed since for the asking person after an access check.
Changes that may take someone's access away (a handover, an edited
question) empty the room afterwards, so every socket joins again and is
checked again.

Notification texts are fixed per kind and name the question by number only
(see `realtime.service`); people are not told about their own actions.
"""
from contextlib import nullcontext

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

from ..accounts.models import Role, User, user_expertise_area
from ..extensions import db
from ..realtime import (
    close_room_on_commit,
    followers_of,
    notify,
    publish_on_commit,
    register_question_titles,
    register_room,
    room_name,
)
from ..realtime.models import NotificationKind
from .models import EventKind, Post, PostKind, PostStatus, Question, Status, question_expertise_area

QUESTION_ROLES = (Role.FAMILY_WORKER, Role.EXPERT, Role.MODERATOR, Role.COORDINATOR)

# Live event names (the `event` key of the payload repeats the name).
POST_PUBLISHED = "post_published"  # a post became visible: new, or (later) a held post approved
POST_UPDATED = "post_updated"  # an edit, a helpful mark
POST_WITHDRAWN = "post_withdrawn"  # (later) a post removed by moderation
THREAD_EVENT = "thread_event"  # closed, reopened, handed over, more perspectives asked
QUESTION_CHANGED = "question_changed"  # the question itself changed; the room is emptied after it


# --- who may join the room ------------------------------------------------------


def can_join_question(user, question_id):
    """Return True when `user` may see question `question_id` (the rule of `access_question`).

    The same roles as the question pages, then `can_see_question`: the owner
    always, drafts nobody else, published questions experts, moderators,
    coordinators and the owner's team unless restricted.
    """
    from .service import can_see_question

    if not user.is_active or not user.has_role(*QUESTION_ROLES):
        return False
    question = db.session.get(Question, question_id)
    return question is not None and can_see_question(user, question)


register_room("question", can_join_question)


def visible_titles(user, question_ids):
    """Return {id: title} of the questions among `question_ids` that `user` may see now (one query)."""
    from .service import visible_questions_filter

    if not user.has_role(*QUESTION_ROLES):
        return {}
    rows = db.session.execute(
        sa.select(Question.id, Question.title).where(Question.id.in_(question_ids), visible_questions_filter(user))
    )
    return {qid: title for qid, title in rows if title}


register_question_titles(visible_titles)


# --- fragments ------------------------------------------------------------------


class FlatThread:
    """A thread seen one post at a time: no nested replies, so each fragment is one post.

    The page inserts each post under its parent (`data-parent-id`), so a
    fragment never repeats a reply that is sent on its own.
    """

    def __init__(self, question, revisions=None):
        self.question = question
        self.revisions = revisions or {}

    def replies(self, post):
        return []


class _Nobody:
    """The neutral viewer of a broadcast fragment: owns nothing, wrote nothing."""

    id = None
    is_authenticated = False

    def has_role(self, *roles):
        return False


def _render(template, **context):
    """Render a fragment in the platform's default language, also outside a request.

    Inside a request, `context` overrides what context processors add (the
    poster's `current_user`), so the fragment does not depend on who posted.
    """
    request_context = (
        nullcontext()
        if has_request_context()
        else current_app.test_request_context(base_url=current_app.config["BASE_URL"])
    )
    with request_context, force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render_template(template, **context)


def neutral_post_html(post):
    """Return the identity-free, viewer-independent fragment of one published post."""
    from markupsafe import Markup

    from .service import can_reply

    html = _render(
        "questions/_live_post.html",
        post=post,
        thread=FlatThread(post.question),
        current_user=_Nobody(),
        is_owner=False,
        can_reply=can_reply(None, post.question),
        can_edit_post=lambda _post: False,
        show_ratings=False,
        show_revisions=False,
    )
    return Markup(html)


def thread_event_html(event):
    """Return the fragment of a thread event (closed, handed over, …): who did it, when."""
    from markupsafe import Markup

    return Markup(_render("questions/_live_event.html", event=event))


def _room(question):
    return room_name("question", question.id)


def next_sync_version(question_id):
    """Raise the question's change counter by one and return it (see Question.sync_version).

    The UPDATE holds the question's row until this transaction ends, so another
    writer of the same thread waits for it: versions commit in their order, and a
    reader who sees version N committed has every version below N committed too.
    """
    return db.session.execute(
        sa.update(Question)
        .where(Question.id == question_id)
        .values(sync_version=Question.sync_version + 1)
        .returning(Question.sync_version)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def _publish_post(event_name, post):
    post.sync_version = next_sync_version(post.question_id)
    publish_on_commit(
        event_name,
        {
            "event": event_name,
            "question_id": post.question_id,
            "post_id": post.id,
            "version": post.sync_version,
            "html": neutral_post_html(post),
        },
        _room(post.question),
    )


def _publish_thread_event(question, event):
    publish_on_commit(
        THREAD_EVENT,
        {
            "event": THREAD_EVENT,
            "kind": event.kind,
            "question_id": question.id,
            "html": thread_event_html(event),
        },
        _room(question),
    )


def _latest_event(question, kind):
    from .models import QuestionEvent

    return db.session.scalars(
        sa.select(QuestionEvent)
        .where(QuestionEvent.question_id == question.id, QuestionEvent.kind == kind)
        .order_by(QuestionEvent.id.desc())
        .limit(1)
    ).first()


# --- who hears what ---------------------------------------------------------------


def _tell(user, kind, question, actor, now):
    """Notify `user` about `question` if they can still see it (never about their own action)."""
    from .service import can_see_question

    if user is None or not user.is_active or not can_see_question(user, question):
        return None
    return notify(user, kind, question_id=question.id, actor=actor, now=now)


def _experts_in_areas(question, *, exclude_organisations=()):
    """Return the active experts with an expertise area of the question, optionally from other organisations."""
    from ..accounts.models import UserRole

    area_ids = sa.select(question_expertise_area.c.expertise_area_id).where(
        question_expertise_area.c.question_id == question.id
    )
    query = (
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(user_expertise_area, user_expertise_area.c.user_id == User.id)
        .where(
            UserRole.role == Role.EXPERT.value,
            User.active.is_(True),
            User.password_hash.is_not(None),
            user_expertise_area.c.expertise_area_id.in_(area_ids),
        )
        .distinct()
        .order_by(User.id)
    )
    excluded = [o for o in exclude_organisations if o is not None]
    if excluded:
        query = query.where(sa.or_(User.organisation_id.is_(None), User.organisation_id.not_in(excluded)))
    return db.session.scalars(query).all()


def _advisers(question):
    """Return the authors of the question's published advice, each once."""
    return db.session.scalars(
        sa.select(User)
        .where(
            User.id.in_(
                sa.select(Post.author_id).where(
                    Post.question_id == question.id,
                    Post.kind == PostKind.ADVICE.value,
                    Post.status == PostStatus.PUBLISHED.value,
                )
            )
        )
        .order_by(User.id)
    ).all()


# --- the hooks the service verbs call ------------------------------------------------


def question_published(question, now):
    """Tell the experts who should hear of a newly visible question, per COLLABORATION_MODEL.

    Called when a question is published and not held by moderation, or when
    moderation releases it. Who hears it is the consultations area's rule
    (`network`, `team` or `triage`).
    """
    from ..consultations.service import route_new_question  # consultations builds on questions

    db.session.flush()  # the question needs its id
    route_new_question(question, now=now)


def question_updated(question, now):
    """Tell open pages that the question changed, then make every socket join again.

    An edit may have narrowed who sees the question (visibility), so the room
    is emptied after the event and each page re-joins through the access check.
    """
    if question.status == Status.DRAFT:
        return
    publish_on_commit(QUESTION_CHANGED, {"event": QUESTION_CHANGED, "question_id": question.id}, _room(question))
    close_room_on_commit(_room(question))


def post_published(post, now):
    """Show a newly visible post live; tell the owner, the parent post's author and the followers.

    Called when a post is placed, and (later) when a moderator approves a held
    post: either way the post is new to everyone but its author.
    """
    if post.status != PostStatus.PUBLISHED:
        return
    question, author = post.question, post.author
    _publish_post(POST_PUBLISHED, post)
    owner = question.owner
    owner_kind = NotificationKind.NEW_ADVICE if post.kind == PostKind.ADVICE else NotificationKind.NEW_REPLY
    _tell(owner, owner_kind, question, author, now)
    parent = post.parent
    told = {owner.id, author.id}
    if parent is not None and parent.author_id not in told:
        _tell(parent.author, NotificationKind.REPLY_TO_YOUR_POST, question, author, now)
        told.add(parent.author_id)
    for follower in followers_of(question.id):
        if follower.id not in told:
            _tell(follower, NotificationKind.FOLLOWED_QUESTION, question, author, now)


def post_updated(post, now):
    """Show a changed post (an edit, a helpful mark) in every open page of the thread."""
    if post.status != PostStatus.PUBLISHED:
        return
    _publish_post(POST_UPDATED, post)


def post_withdrawn(post, now):
    """Take a post off every open page (for moderation: held back or removed after publishing)."""
    post.sync_version = next_sync_version(post.question_id)
    publish_on_commit(
        POST_WITHDRAWN,
        {"event": POST_WITHDRAWN, "question_id": post.question_id, "post_id": post.id,
         "version": post.sync_version},
        _room(post.question),
    )


def more_perspectives_asked(question, event, now):
    """Show the request in the thread; tell matching experts of organisations that did not advise yet."""
    _publish_thread_event(question, event)
    advised = {p.organisation_id for p in _advice_posts(question)}
    for expert in _experts_in_areas(question, exclude_organisations=advised):
        _tell(expert, NotificationKind.MORE_PERSPECTIVES_REQUESTED, question, event.actor, now)


def _advice_posts(question):
    return db.session.scalars(
        sa.select(Post).where(
            Post.question_id == question.id,
            Post.kind == PostKind.ADVICE.value,
            Post.status == PostStatus.PUBLISHED.value,
        )
    ).all()


def question_handed_over(question, event, now):
    """Show the handover, tell the new owner, and make every socket join again.

    The previous owner may not see a restricted question any more, so the
    room is emptied after the event and each open page is checked again.
    """
    _publish_thread_event(question, event)
    _tell(event.target_user, NotificationKind.QUESTION_HANDED_OVER, question, event.actor, now)
    close_room_on_commit(_room(question))


def question_closed(question, now):
    """Show the closing and tell everyone who advised that there is feedback."""
    event = _latest_event(question, EventKind.CLOSED)
    if event is not None:
        _publish_thread_event(question, event)
    for adviser in _advisers(question):
        _tell(adviser, NotificationKind.QUESTION_CLOSED, question, question.owner, now)


def question_reopened(question, now):
    """Show the reopening in every open page of the thread."""
    event = _latest_event(question, EventKind.REOPENED)
    if event is not None:
        _publish_thread_event(question, event)
