"""Who may flag and who may review which post or question.

Views never load a post or question themselves: they call one function here
(or the questions area's), which answers 404 for missing and forbidden
objects alike.
"""
from flask import abort

from ..accounts.models import Role
from ..extensions import db
from ..questions.access import access_post, access_question
from ..questions.models import Post, Question
from .models import WatchedWord


def access_flaggable_post(user, post_id):
    """Return a published post `user` may see (and so flag), or 404."""
    return access_post(user, post_id)


def access_flaggable_question(user, question_id):
    """Return a question `user` may see (and so flag), or 404."""
    return access_question(user, question_id)


def access_reviewable_post(user, post_id):
    """Return any post, in any moderation state, for a moderator; 404 for everyone else.

    Views also require the moderator role first, so other roles get 403.
    """
    post = db.session.get(Post, post_id)
    if post is None or not user.has_role(Role.MODERATOR) or post.question.is_draft:
        abort(404)
    return post


def access_reviewable_question(user, question_id):
    """Return any published question, in any moderation state, for a moderator; 404 otherwise."""
    question = db.session.get(Question, question_id)
    if question is None or not user.has_role(Role.MODERATOR) or question.is_draft:
        abort(404)
    return question


def access_watched_word(user, word_id):
    """Return an active watched word for a moderator; 404 for everyone else and for removed ones."""
    word = db.session.get(WatchedWord, word_id)
    if word is None or word.removed_at is not None or not user.has_role(Role.MODERATOR):
        abort(404)
    return word
