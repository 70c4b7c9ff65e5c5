"""Moderation pages: the review queue, reviewing one item, deciding, redacting, flagging."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import role_required
from ..accounts.models import Role
from ..core import submissions
from ..core.templating import home_card, menu_item
from ..core.time import utcnow
from ..extensions import NOTIFYING_LIMIT, db, limiter, per_user
from ..questions import guard
from ..questions.access import QUESTION_ROLES
from ..questions.service import QuestionError
from . import service
from .access import (
    access_flaggable_post,
    access_flaggable_question,
    access_reviewable_post,
    access_reviewable_question,
    access_watched_word,
)
from .forms import DecisionForm, FlagForm, RedactForm, RemoveWatchedWordForm, WatchedWordForm
from .models import Action

bp = Blueprint("moderation", __name__)

DECIDED = {
    Action.APPROVE: _l("Goedgekeurd. De auteur krijgt bericht."),
    Action.REJECT: _l("Afgewezen. De auteur ziet je reden."),
    Action.REQUEST_EDIT: _l("De auteur is gevraagd het aan te passen."),
    Action.REMOVE: _l("Verwijderd. De auteur ziet je reden."),
}


def _apply_error(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


@bp.route("/moderatie")
@role_required(Role.MODERATOR)
def queue():
    """List held and flagged posts and questions, the one waiting longest first."""
    entries = [
        (item, service.highlight(item.text, service.suspicious_spans(item.text, item.author)))
        for item in service.review_queue()
    ]
    return render_template("moderation/queue.html", entries=entries, service=service)


def _render_review(question, post, decision_form=None, redact_form=None, status=200, warned=None):
    author = post.author if post is not None else question.owner
    text = post.body if post is not None else service.question_text(question)
    item = post if post is not None else question
    if redact_form is None and post is not None:
        redact_form = RedactForm(data={"body": post.body})
    return render_template(
        "moderation/review.html",
        question=question,
        post=post,
        author=author,
        marked=service.highlight(text, service.suspicious_spans(text, author)),
        reasons=service.reason_lines(item.moderation_reasons, text, author),
        flags=service.open_flags(question, post),
        history=service.history(question, post),
        decision_form=decision_form or DecisionForm(),
        redact_form=redact_form,
        revisions=post.revisions if post is not None else [],
        service_reason_lines=service.reason_lines,
        Action=Action,
        warned=warned,
    ), status


@bp.route("/moderatie/berichten/<int:post_id>")
@role_required(Role.MODERATOR)
def review_post(post_id):
    """Show one post with its reasons, flags, highlighted text and decision history."""
    post = access_reviewable_post(current_user, post_id)
    return _render_review(post.question, post)


@bp.route("/moderatie/vragen/<int:question_id>")
@role_required(Role.MODERATOR)
def review_question(question_id):
    """Show one question with its reasons, flags, highlighted text and decision history."""
    question = access_reviewable_question(current_user, question_id)
    return _render_review(question, None)


def _decide(question, post):
    form = DecisionForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_review(question, post, decision_form=form, status=400)
    action = request.form.get("actie", "")
    try:
        service.decide(current_user, question=question, post=post, action=action,
                       reason=form.reason.data, pii_confirmed=form.pii_confirmed.data, now=utcnow())
    except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
        db.session.rollback()
        guard.put_on_form(form, error)
        return _render_review(question, post, decision_form=form, status=400,
                              warned="decision" if isinstance(error, guard.PersonalDataWarning) else None)
    except service.ModerationError as error:
        db.session.rollback()
        _apply_error(form, error)
        return _render_review(question, post, decision_form=form, status=400)
    db.session.commit()
    flash(DECIDED[Action(action)], "success")
    return redirect(url_for("moderation.queue"))


@bp.route("/moderatie/berichten/<int:post_id>/besluit", methods=["POST"])
@role_required(Role.MODERATOR)
def decide_post(post_id):
    """Approve, reject, ask for an edit of, or remove a post."""
    post = access_reviewable_post(current_user, post_id)
    return _decide(post.question, post)


@bp.route("/moderatie/vragen/<int:question_id>/besluit", methods=["POST"])
@role_required(Role.MODERATOR)
def decide_question(question_id):
    """Approve, reject, ask for an edit of, or remove a question."""
    question = access_reviewable_question(current_user, question_id)
    return _decide(question, None)


@bp.route("/moderatie/berichten/<int:post_id>/redigeren", methods=["POST"])
@role_required(Role.MODERATOR)
def redact_post(post_id):
    """Replace part of a post's text, keeping or erasing the original."""
    post = access_reviewable_post(current_user, post_id)
    form = RedactForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_review(post.question, post, redact_form=form, status=400)
    try:
        service.redact_post(current_user, post, body=form.body.data, delete_original=form.delete_original.data,
                            reason=form.reason.data, pii_confirmed=form.pii_confirmed.data, now=utcnow())
    except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
        db.session.rollback()
        guard.put_on_form(form, error)
        return _render_review(post.question, post, redact_form=form, status=400,
                              warned="redact" if isinstance(error, guard.PersonalDataWarning) else None)
    except service.ModerationError as error:
        db.session.rollback()
        _apply_error(form, error)
        return _render_review(post.question, post, redact_form=form, status=400)
    db.session.commit()
    flash(_("De tekst is aangepast.") if not form.delete_original.data
          else _("De tekst is aangepast en het origineel is definitief verwijderd."), "success")
    return redirect(url_for("moderation.review_post", post_id=post.id))


def _flag(question, post):
    form = FlagForm()
    report = None
    if form.validate_on_submit():
        if submissions.first_result(current_user, form.submission_key.data) is not None:
            return submissions.answer_repeated(current_user, form.submission_key.data)
        now = utcnow()
        anchor = f"bericht-{post.id}" if post is not None else None
        back = url_for("questions.detail", question_id=question.id, _anchor=anchor)
        try:
            # The owner's note is checked against the resident's identity too (the owner's request only).
            service.flag_item(current_user, question=question, post=post, reason=form.reason.data,
                              note=form.note.data, known=guard.known_identity_for(current_user, question, now=now),
                              pii_confirmed=form.pii_confirmed.data, now=now)
            submissions.record_result(current_user, form.submission_key.data, back, now=now)
        except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
            db.session.rollback()
            report = guard.put_on_form(form, error)
        except (service.ModerationError, QuestionError) as error:
            db.session.rollback()
            _apply_error(form, error)
        except submissions.SubmissionRepeated:
            db.session.rollback()
            return submissions.answer_repeated(current_user, form.submission_key.data)
        else:
            db.session.commit()
            flash(_("Dank je. Een moderator kijkt ernaar."), "success")
            return redirect(back)
    db.session.commit()  # the audit rows of an owner's identity read for the guard
    return render_template("moderation/flag.html", form=form, question=question, post=post,
                           guard_report=report, highlight=guard.highlight)


@bp.route("/berichten/<int:post_id>/melden", methods=["GET", "POST"])
@role_required(*QUESTION_ROLES)
@limiter.limit(NOTIFYING_LIMIT, methods=["POST"], key_func=per_user)
def flag_post(post_id):
    """Report a post to the moderators."""
    post = access_flaggable_post(current_user, post_id)
    return _flag(post.question, post)


@bp.route("/vragen/<int:question_id>/melden", methods=["GET", "POST"])
@role_required(*QUESTION_ROLES)
@limiter.limit(NOTIFYING_LIMIT, methods=["POST"], key_func=per_user)
def flag_question(question_id):
    """Report a question to the moderators."""
    question = access_flaggable_question(current_user, question_id)
    return _flag(question, None)


def _render_watched(form=None, status=200):
    return render_template("moderation/watched_words.html", form=form or WatchedWordForm(),
                           words=service.watched_words(), remove_form=RemoveWatchedWordForm(),
                           model=service.model_status()), status


@bp.route("/moderatie/woorden")
@role_required(Role.MODERATOR)
def watched_words():
    """List the watched words and phrases, with a form to add one, and the active model."""
    return _render_watched()


@bp.route("/moderatie/woorden", methods=["POST"])
@role_required(Role.MODERATOR)
def add_watched_word():
    """Add a watched word or phrase (hold or always allow)."""
    form = WatchedWordForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_watched(form, 400)
    try:
        word = service.add_watched_word(current_user, phrase=form.phrase.data, action=form.action.data, now=utcnow())
    except service.ModerationError as error:
        db.session.rollback()
        _apply_error(form, error)
        return _render_watched(form, 400)
    db.session.commit()
    flash(_("‘%(phrase)s’ staat nu in de lijst.", phrase=word.phrase), "success")
    return redirect(url_for("moderation.watched_words"))


@bp.route("/moderatie/woorden/<int:word_id>/verwijderen", methods=["POST"])
@role_required(Role.MODERATOR)
def remove_watched_word(word_id):
    """Take a watched word or phrase off the list."""
    word = access_watched_word(current_user, word_id)
    form = RemoveWatchedWordForm()
    if not form.validate_on_submit():
        abort(400)
    service.remove_watched_word(current_user, word, now=utcnow())
    db.session.commit()
    flash(_("‘%(phrase)s’ is uit de lijst gehaald.", phrase=word.phrase), "success")
    return redirect(url_for("moderation.watched_words"))


menu_item("moderation.queue", _l("Moderatie"), roles=(Role.MODERATOR,), order=20)
home_card(
    "moderation.queue",
    _l("Te beoordelen"),
    _l("Vastgehouden en gemelde berichten en vragen, de oudste eerst: keur goed, wijs af, vraag om aanpassing of verwijder."),
    roles=(Role.MODERATOR,),
    order=5,
)
