"""Who may see and change which question and post.

Views never load a question or post themselves: they call one function
here, which answers 404 for missing and forbidden objects alike, so an id
reveals nothing about a question someone may not see.
"""
from flask import abort
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import Role
from ..extensions import db
from .models import Post, PostStatus, Question
from .service import can_see_question, is_owner, load_person

# Roles that work with questions at all; admins manage accounts, not cases.
QUESTION_ROLES = (Role.FAMILY_WORKER, Role.EXPERT, Role.MODERATOR, Role.COORDINATOR)


def access_question(user, question_id):
    """Return the question `user` may see, or 404.

    Visible to its owner; once published also to all experts, moderators and
    coordinators, and to the owner's team unless the owner restricted it to
    "only me and the experts". Drafts are the owner's alone.
    """
    question = db.session.get(
        Question, question_id,
        options=[load_person(Question.owner), joinedload(Question.team), selectinload(Question.areas)],
    )
    if question is None or not can_see_question(user, question):
        abort(404)
    return question


def access_owned_question(user, question_id):
    """Return the question if `user` owns it: 404 when they cannot see it, 403 when they can.

    Only the owner edits, closes, reopens, hands over or asks for more perspectives.
    """
    question = access_question(user, question_id)
    if not is_owner(user, question):
        abort(403)
    return question


def access_post(user, post_id, *, include_hidden=False):
    """Return a published post in a question `user` may see, or 404.

    With `include_hidden`, also a post moderation holds, rejected or removed,
    for its author and for moderators (who see every post).
    """
    post = db.session.get(Post, post_id)
    if post is None or not can_see_question(user, post.question):
        abort(404)
    if post.status != PostStatus.PUBLISHED and not (
        include_hidden and (post.author_id == user.id or user.has_role(Role.MODERATOR))
    ):
        abort(404)
    return post
