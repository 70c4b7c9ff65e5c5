"""Question pages: list and search, asking, the thread, and the owner's actions.

Everything about the resident goes through `owner` (the only vault user of
this area), and only for the question's owner: the list pages never decrypt,
and other people's pages have nothing that could.
"""
from datetime import datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import role_required
from ..accounts.stepup import step_up_required
from ..accounts.models import ExpertiseArea, Role, User
from ..core.forms import ActionForm
from ..core.markdown import plain_excerpt, render_markdown
from ..core import submissions
from ..core.params import int_arg, page_arg, to_int
from ..core.templating import home_card, local_datetime, local_day, menu_item
from ..core.time import AMSTERDAM, utcnow
from ..extensions import NOTIFYING_LIMIT, POSTING_LIMIT, db, limiter, per_user
from . import guard, owner, service
from ..moderation import service as moderation
from ..knowledge import owner as knowledge_owner
from ..knowledge import service as knowledge
from ..realtime import Following, following_of, mark_question_read, set_following
from .access import QUESTION_ROLES, access_owned_question, access_post, access_question
from .forms import (
    ACTION_DRAFT,
    ACTION_PREVIEW,
    ACTION_PSEUDONYMISE,
    HandOverForm,
    PostForm,
    QuestionForm,
    choices,
    close_form_for,
)
from .models import EventKind, PostStatus, Status, Urgency

bp = Blueprint("questions", __name__)

PER_PAGE = 20
STATUS_FILTERS = {
    "lopend": (Status.OPEN, Status.ADVISED),
    "open": (Status.OPEN,),
    "geadviseerd": (Status.ADVISED,),
    "afgesloten": (Status.CLOSED,),
    "alle": (),
}
SORTS = {"nieuw": "newest", "oud": "oldest", "urgent": "urgent"}


def _list_filters(defaults):
    """Read the list filters from the query string, with per-page defaults."""
    args = request.args
    filters = dict(defaults)
    if "gebied" in args:
        filters["gebied"] = args.get("gebied", "")
    for key in ("urgentie", "status", "sorteer", "zoek"):
        if key in args:
            filters[key] = args.get(key, "")
    # Unticked checkboxes send nothing: once the filter form was sent
    # ("gefilterd"), a missing box means off, not the page's default.
    for key in ("zonder_advies", "org_niet", "te_laat"):
        if key in args or "gefilterd" in args:
            filters[key] = args.get(key) == "1"
    return filters


def _render_list(defaults, heading):
    filters = _list_filters(defaults)
    areas = service.active_areas()
    area_filter = None
    if filters.get("gebied") == "mijn":
        area_filter = [a.id for a in current_user.expertise_areas] or None
    elif to_int(filters.get("gebied")) is not None:
        area_filter = [to_int(filters["gebied"])]
    status_key = filters.get("status") if filters.get("status") in STATUS_FILTERS else "alle"
    sort_key = filters.get("sorteer") if filters.get("sorteer") in SORTS else "nieuw"
    urgency = filters.get("urgentie") if filters.get("urgentie") in {u.value for u in Urgency} else None
    now = utcnow()
    page = service.find_questions(
        current_user,
        now=now,
        areas=area_filter,
        urgency=urgency,
        statuses=STATUS_FILTERS[status_key],
        without_advice=filters.get("zonder_advies", False),
        organisation_not_answered=filters.get("org_niet", False),
        overdue=filters.get("te_laat", False),
        search=(filters.get("zoek") or "")[:200],
        sort=SORTS[sort_key],
        page=page_arg("pagina"),
        per_page=PER_PAGE,
    )
    drafts = service.drafts_of(current_user) if current_user.has_role(Role.FAMILY_WORKER) else []
    query = {k: v for k, v in {
        "gebied": filters.get("gebied") or "",
        "urgentie": urgency or "",
        "status": status_key,
        "sorteer": sort_key,
        "zoek": filters.get("zoek") or "",
        "zonder_advies": "1" if filters.get("zonder_advies") else "0",
        "org_niet": "1" if filters.get("org_niet") else "0",
        "te_laat": "1" if filters.get("te_laat") else "0",
        "gefilterd": "1",
    }.items()}
    return render_template(
        "questions/index.html",
        heading=heading,
        page=page,
        drafts=drafts,
        areas=areas,
        filters=filters,
        query=query,
        status_key=status_key,
        sort_key=sort_key,
        urgency=urgency,
        Urgency=Urgency,
    )


@bp.route("/vragen")
@role_required(*QUESTION_ROLES)
def index():
    """List the questions this person may see; experts start in their own areas."""
    defaults = {"status": "alle", "sorteer": "nieuw"}
    if current_user.has_role(Role.EXPERT) and current_user.expertise_areas:
        defaults.update(gebied="mijn", status="lopend")
    heading = _("Vragen")
    if current_user.has_role(Role.EXPERT):
        heading = _("Vragen in jouw expertisegebieden") if defaults.get("gebied") == "mijn" else _("Vragen")
    elif current_user.has_role(Role.FAMILY_WORKER):
        heading = _("Vragen van jou en je buurtteam")
    return _render_list(defaults, heading)


@bp.route("/vragen/zonder-advies")
@role_required(*QUESTION_ROLES)
def unanswered():
    """List published questions still without advice, overdue ones first."""
    defaults = {"status": "open", "zonder_advies": True, "sorteer": "urgent"}
    return _render_list(defaults, _("Vragen zonder advies"))


# --- asking ---------------------------------------------------------------------


def _resident_label(resident, identity):
    if identity is None:
        return _("Vergrendelde bewoner (wacht op herstel)")
    return f"{identity.name} ({local_day(identity.date_of_birth)})"


def _question_form(question=None, *, private_key=None):
    """Return the question form; the resident select holds the owner's decrypted residents."""
    form = QuestionForm(obj=None)
    form.areas.choices = choices((a.id, a.name) for a in service.active_areas())
    rows = owner.resident_choices(current_user, private_key=private_key, now=utcnow(), source=owner.source())
    db.session.commit()  # keep the audit rows of these reads, whatever happens next
    residents = [(r.id, _resident_label(r, identity)) for r, identity in rows]
    if question is not None and question.resident_id and question.resident_id not in {r.id for r, _i in rows}:
        # Keep the question's own resident selectable even when it cannot be shown now.
        erased = question.resident is not None and question.resident.is_erased
        residents.append((question.resident_id, _("Bewoner met gewiste gegevens") if erased
                          else _("De huidige bewoner (vergrendeld)")))
    form.resident.choices = choices(
        [(owner.NO_RESIDENT, _("— kies een bewoner —"))]
        + residents
        + [(owner.NEW_RESIDENT, _("Een nieuwe bewoner (vul hieronder in)"))]
    )
    if question is not None and request.method == "GET":
        form.resident.data = str(question.resident_id) if question.resident_id else owner.NO_RESIDENT
        form.title.data = question.title
        form.situation.data = question.situation
        form.request.data = question.request
        form.child_age.data = question.child_age
        form.child_age_months.data = question.child_age_months
        form.child_gender.data = question.child_gender
        form.areas.data = [a.id for a in question.areas]
        form.urgency.data = question.urgency
        form.visibility.data = question.visibility
        form.family_consent.data = question.family_consent
    return form


def _resident_args(form):
    return dict(
        resident_choice=form.resident.data,
        new_identity=(form.new_name.data, form.new_date_of_birth.data, form.new_file_number.data),
        pii_confirmed=form.pii_confirmed.data,
    )


def _question_texts(form):
    return {"title": form.title.data or "", "situation": form.situation.data or "", "request": form.request.data or ""}


def _pseudonymise_form(form, *, private_key):
    """Replace the form's texts with their pseudonymised version (nothing is saved)."""
    args = _resident_args(form)
    texts = owner.pseudonymised(current_user, _question_texts(form), resident_choice=args["resident_choice"],
                                new_identity=args["new_identity"], private_key=private_key, now=utcnow(),
                                today=_today(), source=owner.source())
    form.title.data, form.situation.data, form.request.data = texts["title"], texts["situation"], texts["request"]
    form.pii_confirmed.data = False
    flash(_("De gemarkeerde gegevens zijn vervangen door [naam], [adres], … Lees de tekst na en plaats hem."), "info")


def _guard_failed(form, error):
    """Put the guard's findings on the form: blocks and warnings next to the fields, and the report."""
    return guard.put_on_form(form, error)


def _today():
    return datetime.now(AMSTERDAM).date()


def _question_args(form):
    ids = form.areas.data or []
    areas = db.session.scalars(db.select(ExpertiseArea).where(ExpertiseArea.id.in_(ids))).all() if ids else []
    return dict(
        title=form.title.data,
        situation=form.situation.data,
        request=form.request.data,
        child_age=form.child_age.data,
        child_age_months=form.child_age_months.data,
        child_gender=form.child_gender.data or None,
        areas=areas,
        urgency=form.urgency.data,
        visibility=form.visibility.data,
        family_consent=form.family_consent.data,
    )


def _preview(form):
    return {
        "title": form.title.data or "",
        "situation_html": render_markdown(form.situation.data or ""),
        "request_html": render_markdown(form.request.data or ""),
    }


def _apply_error(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


@bp.route("/vragen/nieuw", methods=["GET", "POST"])
@role_required(Role.FAMILY_WORKER)
@limiter.limit(POSTING_LIMIT, methods=["POST"], key_func=per_user)
def new():
    """Ask a question about one of my residents or a new one: preview, keep as a draft, or post.

    The guard checks the texts against the resident's identity first; any
    refusal brings the form back with every field as typed and nothing written.
    """
    private_key = owner.try_unlock()
    form = _question_form(private_key=private_key)
    preview = report = None
    similar = _Similar() if knowledge.enabled() else None
    if form.validate_on_submit():
        action = request.form.get("actie")
        if action == ACTION_SIMILAR and similar is not None:
            similar = _Similar(*knowledge.similar_cases(current_user, title=form.title.data, situation=form.situation.data,
                                                        request=form.request.data), searched=True)
        elif action == ACTION_PREVIEW:
            preview = _preview(form)
        elif action == ACTION_PSEUDONYMISE:
            _pseudonymise_form(form, private_key=private_key)
        elif submissions.first_result(current_user, form.submission_key.data) is not None:
            return submissions.answer_repeated(current_user, form.submission_key.data)
        elif action == ACTION_DRAFT or form.check_complete():
            now = utcnow()
            try:
                question = owner.post_question(
                    current_user, **_question_args(form), **_resident_args(form),
                    publish=action != ACTION_DRAFT, private_key=private_key, now=now, today=_today(),
                    source=owner.source(),
                )
                submissions.record_result(current_user, form.submission_key.data,
                                          url_for("questions.detail", question_id=question.id), now=now)
            except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
                db.session.rollback()
                report = _guard_failed(form, error)
            except service.QuestionError as error:
                db.session.rollback()
                _apply_error(form, error)
            except submissions.SubmissionRepeated:
                db.session.rollback()
                return submissions.answer_repeated(current_user, form.submission_key.data)
            else:
                db.session.commit()
                flash(_("Je concept is bewaard.") if question.is_draft else _("Je vraag is geplaatst."), "success")
                return redirect(url_for("questions.detail", question_id=question.id))
    return _render_form(form, preview, report, None, private_key, similar=similar)


ACTION_SIMILAR = "vergelijkbaar"


class _Similar:
    """Similar published cases and open questions of the team, for the new-question form."""

    def __init__(self, cases=(), questions=(), searched=False):
        self.cases, self.questions, self.searched = list(cases), list(questions), searched


def _render_form(form, preview, report, question, private_key, similar=None):
    """Render the question form; its resident reads were audited, so commit them."""
    page = render_template("questions/form.html", form=form, preview=preview, question=question,
                           guard_report=report, highlight=guard.highlight, locked=private_key is None,
                           NEW_RESIDENT=owner.NEW_RESIDENT, similar=similar)
    db.session.commit()
    return page


@bp.route("/vragen/<int:question_id>/bewerken", methods=["GET", "POST"])
@role_required(Role.FAMILY_WORKER)
def edit(question_id):
    """Let the owner change the question, or finish and post a draft."""
    question = access_owned_question(current_user, question_id)
    if question.is_closed:
        flash(_("Een afgesloten vraag kun je niet meer wijzigen. Heropen hem eerst."), "error")
        return redirect(url_for("questions.detail", question_id=question.id))
    private_key = owner.try_unlock()
    form = _question_form(question, private_key=private_key)
    preview = report = None
    if form.validate_on_submit():
        action = request.form.get("actie")
        if action == ACTION_PREVIEW:
            preview = _preview(form)
        elif action == ACTION_PSEUDONYMISE:
            _pseudonymise_form(form, private_key=private_key)
        elif (question.is_draft and action == ACTION_DRAFT) or form.check_complete():
            try:
                owner.update_question(
                    current_user, question, **_question_args(form), **_resident_args(form),
                    publish=question.is_draft and action != ACTION_DRAFT, private_key=private_key,
                    now=utcnow(), today=_today(), source=owner.source(),
                )
            except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
                db.session.rollback()
                report = _guard_failed(form, error)
            except service.QuestionError as error:
                db.session.rollback()
                _apply_error(form, error)
            else:
                db.session.commit()
                flash(_("Je wijzigingen zijn bewaard.") if question.is_draft else _("Je vraag is bijgewerkt."), "success")
                return redirect(url_for("questions.detail", question_id=question.id))
    return _render_form(form, preview, report, question, private_key)


@bp.route("/vragen/<int:question_id>/verwijderen", methods=["POST"])
@role_required(Role.FAMILY_WORKER)
def delete_draft(question_id):
    """Delete one of my drafts for good."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    question = access_owned_question(current_user, question_id)
    try:
        service.delete_draft(current_user, question)
    except service.QuestionError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("questions.detail", question_id=question_id))
    db.session.commit()
    flash(_("Het concept is verwijderd."), "success")
    return redirect(url_for("questions.index"))


# --- the thread ---------------------------------------------------------------------


@bp.route("/vragen/<int:question_id>")
@role_required(*QUESTION_ROLES)
def detail(question_id):
    """Show a question, its advice thread and what the owner can do next."""
    question = access_question(current_user, question_id)
    moderator = current_user.has_role(Role.MODERATOR)
    sync_version = service.read_sync_version(question.id)  # before the thread: see posts_since
    thread = service.load_thread(question, with_revisions=moderator)
    now = utcnow()
    is_owner = service.is_owner(current_user, question)
    if mark_question_read(current_user, question.id, now):
        db.session.commit()  # opening the question is reading what was said about it
    identity = identity_error = None
    if is_owner and question.resident_id is not None:
        # Only here, for the owner, is the identity decrypted (and audited).
        try:
            identity = owner.reveal(current_user, question, private_key=owner.try_unlock(), now=now,
                                    source=owner.source())
        except service.QuestionError as error:
            identity_error = error.message
        db.session.commit()
    page = render_template(
        "questions/detail.html",
        question=question,
        thread=thread,
        now=now,
        sync_version=sync_version,
        overdue=service.is_overdue(question, now),
        is_owner=is_owner,
        can_post=service.can_post_top_level(current_user, question),
        can_reply=service.can_reply(current_user, question),
        can_edit_post=lambda post: service.can_edit_post(current_user, post, now),
        show_revisions=moderator,
        show_ratings=is_owner or current_user.has_role(Role.MODERATOR, Role.COORDINATOR),
        post_form=PostForm(),
        action_form=ActionForm(),
        hidden_posts=moderation.hidden_posts_for(current_user, question),
        question_moderation=moderation.question_state_for(current_user, question),
        EventKind=EventKind,
        Role=Role,
        identity=identity,
        identity_error=identity_error,
        resident_erased=is_owner and question.resident is not None and question.resident.is_erased,
        can_hand_over_on_behalf=service.can_hand_over_on_behalf(current_user, question),
        following=following_of(current_user, question.id),
    )
    return page


_FOLLOWING_CHOICES = {"volgen": Following.FOLLOW, "dempen": Following.MUTE, "standaard": None}


@bp.route("/vragen/<int:question_id>/volgen", methods=["POST"])
@role_required(*QUESTION_ROLES)
def follow(question_id):
    """Follow a question (hear of every new post), mute it (hear nothing), or go back to the default."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    question = access_question(current_user, question_id)
    choice = request.form.get("stand", "")
    if choice not in _FOLLOWING_CHOICES:
        flash(_("Kies volgen, dempen of de standaardmeldingen."), "error")
        return redirect(url_for("questions.detail", question_id=question.id))
    set_following(current_user, question.id, _FOLLOWING_CHOICES[choice], utcnow())
    db.session.commit()
    flash({"volgen": _("Je volgt deze vraag: je krijgt een melding bij elk nieuw bericht."),
           "dempen": _("Deze vraag is gedempt: je krijgt er geen meldingen meer over."),
           "standaard": _("Je krijgt weer de gewone meldingen over deze vraag.")}[choice], "success")
    return redirect(url_for("questions.detail", question_id=question.id))


@bp.route("/vragen/<int:question_id>/reageren", methods=["GET", "POST"])
@role_required(*QUESTION_ROLES)
@limiter.limit(POSTING_LIMIT, methods=["POST"], key_func=per_user)
def new_post(question_id):
    """Give advice, add to the question, or reply to a post (`?op=<post id>`)."""
    question = access_question(current_user, question_id)
    parent = None
    parent_id = int_arg("op")
    if parent_id is not None:
        parent = access_post(current_user, parent_id)
        if parent.question_id != question.id:
            abort(404)
    allowed = service.can_reply(current_user, question) if parent else service.can_post_top_level(current_user, question)
    if not allowed:
        flash(_("Je kunt hier nu niet reageren."), "error")
        return redirect(url_for("questions.detail", question_id=question.id))
    form = PostForm()
    preview = report = None
    if form.validate_on_submit():
        action = request.form.get("actie")
        if action == ACTION_PREVIEW:
            preview = render_markdown(form.body.data)
        elif action == ACTION_PSEUDONYMISE and service.is_owner(current_user, question):
            _pseudonymise_post(form, question)
        elif submissions.first_result(current_user, form.submission_key.data) is not None:
            return submissions.answer_repeated(current_user, form.submission_key.data)
        else:
            now = utcnow()
            try:
                pii_check = _check_owner_post(form, question)
                post = service.post_reply(current_user, question, body=form.body.data, parent=parent,
                                          pii_check=pii_check, now=now)
                submissions.record_result(current_user, form.submission_key.data, url_for(
                    "questions.detail", question_id=question.id, _anchor=f"bericht-{post.id}"), now=now)
            except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
                db.session.rollback()
                report = _guard_failed(form, error)
            except service.QuestionError as error:
                db.session.rollback()
                _apply_error(form, error)
            except submissions.SubmissionRepeated:
                db.session.rollback()
                return submissions.answer_repeated(current_user, form.submission_key.data)
            else:
                db.session.commit()
                if post.status == PostStatus.HELD:
                    flash(_("Je bericht wacht op beoordeling door een moderator. Hieronder zie je waarom."), "warning")
                else:
                    flash(_("Je bericht is geplaatst."), "success")
                return redirect(url_for("questions.detail", question_id=question.id, _anchor=f"bericht-{post.id}"))
    return _render_post_form(form, question, parent, preview, report, None)


def _check_owner_post(form, question):
    """Run the personal-data guard on the owner's post; return what to store (None for others).

    Moderation of other people's posts is the moderation area's work.
    """
    if not service.is_owner(current_user, question):
        return None
    return owner.check_reply(current_user, question, form.body.data, pii_confirmed=form.pii_confirmed.data,
                             private_key=owner.try_unlock(), now=utcnow(), source=owner.source())


def _pseudonymise_post(form, question):
    texts = owner.pseudonymised(current_user, {"body": form.body.data or ""}, question=question,
                                private_key=owner.try_unlock(), now=utcnow(), source=owner.source())
    form.body.data = texts["body"]
    form.pii_confirmed.data = False
    flash(_("De gemarkeerde gegevens zijn vervangen door [naam], [adres], … Lees de tekst na en plaats hem."), "info")


def _render_post_form(form, question, parent, preview, report, post):
    page = render_template("questions/post_form.html", form=form, question=question, parent=parent,
                           preview_html=preview, post=post, guard_report=report, highlight=guard.highlight,
                           is_owner=service.is_owner(current_user, question))
    if service.is_owner(current_user, question):
        db.session.commit()  # audit rows of the identity read for the guard
        return page
    return page


@bp.route("/berichten/<int:post_id>/bewerken", methods=["GET", "POST"])
@role_required(*QUESTION_ROLES)
def edit_post(post_id):
    """Let an author change their post within 30 minutes of posting."""
    post = access_post(current_user, post_id, include_hidden=True)
    question = post.question
    if post.author_id != current_user.id:
        abort(403)
    now = utcnow()
    if not service.can_edit_post(current_user, post, now):
        flash(_("Je kunt een bericht alleen binnen 30 minuten na plaatsen wijzigen."), "error")
        return redirect(url_for("questions.detail", question_id=question.id))
    form = PostForm(data={"body": post.body} if request.method == "GET" else None)
    preview = report = None
    if form.validate_on_submit():
        action = request.form.get("actie")
        if action == ACTION_PREVIEW:
            preview = render_markdown(form.body.data)
        elif action == ACTION_PSEUDONYMISE and service.is_owner(current_user, question):
            _pseudonymise_post(form, question)
        else:
            try:
                pii_check = _check_owner_post(form, question)
                service.edit_post(current_user, post, body=form.body.data,
                                  pii_check=pii_check if pii_check is not None else service.KEEP, now=now)
            except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
                db.session.rollback()
                report = _guard_failed(form, error)
            except service.QuestionError as error:
                db.session.rollback()
                _apply_error(form, error)
            else:
                db.session.commit()
                if post.status == PostStatus.HELD:
                    flash(_("Je bericht wacht op beoordeling door een moderator."), "warning")
                else:
                    flash(_("Je bericht is bijgewerkt."), "success")
                return redirect(url_for("questions.detail", question_id=question.id, _anchor=f"bericht-{post.id}"))
    return _render_post_form(form, question, None, preview, report, post)


# --- ownership (regie) ------------------------------------------------------------------


def _owner_action(question_id, action, success):
    """Run one owner-only service verb from a CSRF-checked button, then go back."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    question = access_owned_question(current_user, question_id)
    try:
        action(question)
    except service.QuestionError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("questions.detail", question_id=question.id))


@bp.route("/berichten/<int:post_id>/nuttig", methods=["POST"])
@role_required(Role.FAMILY_WORKER)
def mark_helpful(post_id):
    """Let the owner mark an advice as helpful, or take that back."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    post = access_post(current_user, post_id)
    if not service.is_owner(current_user, post.question):
        abort(403)
    helpful = request.form.get("nuttig", "1") == "1"
    try:
        service.mark_advice_helpful(current_user, post, helpful=helpful, now=utcnow())
    except service.QuestionError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Gemarkeerd als nuttig advies.") if helpful else _("Markering ‘nuttig’ weggehaald."), "success")
    return redirect(url_for("questions.detail", question_id=post.question_id, _anchor=f"bericht-{post.id}"))


@bp.route("/vragen/<int:question_id>/meer-perspectieven", methods=["POST"])
@role_required(Role.FAMILY_WORKER)
@limiter.limit(NOTIFYING_LIMIT, methods=["POST"], key_func=per_user)
def ask_more_perspectives(question_id):
    """Ask experts of other organisations to look at the question too."""
    return _owner_action(
        question_id,
        lambda q: service.ask_more_perspectives(current_user, q, utcnow()),
        _("Je hebt om meer perspectieven gevraagd. Deskundigen van andere organisaties krijgen een seintje."),
    )


@bp.route("/vragen/<int:question_id>/heropenen", methods=["POST"])
@role_required(Role.FAMILY_WORKER)
def reopen(question_id):
    """Reopen a closed question."""
    return _owner_action(
        question_id,
        lambda q: owner.reopen_question(current_user, q, utcnow()),
        _("De vraag is heropend."),
    )


def _hand_over_to_chosen(form, candidates, hand_over):
    """Run `hand_over(colleague)` for the colleague the form names; return them once committed.

    None when the form is not sent or not valid, or the verb refused (its
    error then stands on the form); every handover page shares this.
    """
    form.colleague.choices = choices((u.id, u.name) for u in candidates)
    if not candidates or not form.validate_on_submit():
        return None
    colleague = next((u for u in candidates if u.id == form.colleague.data), None)
    try:
        hand_over(colleague)
    except service.QuestionError as error:
        db.session.rollback()
        _apply_error(form, error)
        return None
    db.session.commit()
    return colleague


@bp.route("/bewoners/<int:resident_id>/overdragen", methods=["GET", "POST"])
@role_required(Role.FAMILY_WORKER)
@step_up_required()
def hand_over_resident(resident_id):
    """Hand one of my residents over to a colleague in my team, with every question about it.

    The same rule as a question's handover (`owner.hand_over_resident`): the
    resident is re-keyed for the colleague and all its questions move along.
    """
    resident = owner.access_resident(current_user, resident_id)
    colleagues = owner.handover_colleagues(current_user)
    form = HandOverForm()
    colleague = _hand_over_to_chosen(form, colleagues, lambda colleague: owner.hand_over_resident(
        current_user, resident, colleague, private_key=owner.try_unlock(), now=utcnow(), source=owner.source()))
    if colleague is not None:
        flash(_("De bewoner en de vragen over deze bewoner zijn overgedragen aan %(name)s.",
                name=colleague.name), "success")
        return redirect(url_for("vault.residents"))
    return render_template(
        "questions/hand_over_resident.html", form=form, resident=resident, colleagues=colleagues,
        moving_along=service.questions_of_resident(resident, owner_id=current_user.id))


@bp.route("/bewoners/<int:resident_id>/wissen", methods=["POST"])
@role_required(Role.FAMILY_WORKER)
@step_up_required()
def erase_resident(resident_id):
    """Erase one of my residents' identity for good (crypto-shredding), with its traces in the texts.

    The one erasure rule is `owner.erase_resident`: texts on the resident's
    questions that still hold the identity are redacted first, in the same
    transaction.
    """
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    resident = owner.access_resident(current_user, resident_id)
    try:
        owner.erase_resident(current_user, resident, private_key=owner.try_unlock(), now=utcnow(),
                             source=owner.source())
    except owner.ResidentLocked as error:
        db.session.rollback()
        return render_template("vault/locked.html", message=error.message)
    except service.QuestionError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("vault.resident", resident_id=resident_id))
    db.session.commit()
    flash(_("De identiteit van de bewoner is gewist. Dit kan niet ongedaan worden gemaakt."), "success")
    return redirect(url_for("vault.residents"))


@bp.route("/vragen/<int:question_id>/overdragen", methods=["GET", "POST"])
@role_required(Role.FAMILY_WORKER)
@step_up_required()
def hand_over(question_id):
    """Hand the question over to a family worker colleague in the same team."""
    question = access_owned_question(current_user, question_id)
    candidates = service.handover_candidates(question)
    form = HandOverForm()
    colleague = _hand_over_to_chosen(form, candidates, lambda colleague: owner.hand_over_question(
        current_user, question, colleague, private_key=owner.try_unlock(), now=utcnow(), source=owner.source()))
    if colleague is not None:
        flash(_("De vraag is overgedragen aan %(name)s.", name=colleague.name), "success")
        return redirect(url_for("questions.index"))
    others = (service.questions_of_resident(question.resident, owner_id=current_user.id)
              if question.resident_id else [question])
    return render_template("questions/hand_over.html", form=form, question=question, candidates=candidates,
                           moving_along=[q for q in others if q.id != question.id])


@bp.route("/vragen/<int:question_id>/namens-overdragen", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def hand_over_on_behalf(question_id):
    """Let a coordinator hand over the question of an owner who is gone (deactivated).

    The resident's identity can only follow through the recovery ceremony,
    which needs the organisation's recovery kit; this page explains and links it.
    """
    question = access_question(current_user, question_id)
    if not service.can_hand_over_on_behalf(current_user, question):
        flash(_("De eigenaar van deze vraag is actief; alleen de eigenaar kan de vraag overdragen."), "error")
        return redirect(url_for("questions.detail", question_id=question.id))
    candidates = service.handover_candidates(question)
    form = HandOverForm()
    departed = question.owner.name  # the handover makes the colleague `question.owner`
    colleague = _hand_over_to_chosen(form, candidates, lambda colleague: service.hand_over_on_behalf(
        current_user, question, colleague, utcnow()))
    if colleague is not None:
        flash(_("De vraag is namens %(owner)s overgedragen aan %(name)s.", owner=departed,
                name=colleague.name), "success")
        return redirect(url_for("questions.detail", question_id=question.id))
    resident = service.live_resident(question)
    return render_template("questions/hand_over_on_behalf.html", form=form, question=question,
                           candidates=candidates, needs_recovery=resident is not None,
                           resident_holder=db.session.get(User, resident.owner_id) if resident is not None else None)


def _offer_for_knowledge_base(question):
    """Right after closing: build the scrubbed summary (the identity is still at hand) and show it for review."""
    try:
        summary = knowledge_owner.offer_case(current_user, question, private_key=owner.try_unlock(), now=utcnow(),
                                             source=owner.source())
    except knowledge.KnowledgeError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("questions.detail", question_id=question.id))
    db.session.commit()
    flash(_("Lees de samenvatting voor de kennisbank na, pas aan waar nodig en dien hem in."), "info")
    return redirect(url_for("knowledge.review_own", summary_id=summary.id))


def _advice_rating_label(post):
    """Name one advice on the closing form: its author, their organisation if any, and when."""
    when = local_datetime(post.created_at)
    if post.organisation:
        return _("Bruikbaarheid van het advies van %(name)s (%(org)s) van %(when)s, 1 tot en met 5",
                 name=post.author.name, org=post.organisation.name, when=when)
    return _("Bruikbaarheid van het advies van %(name)s van %(when)s, 1 tot en met 5",
             name=post.author.name, when=when)


@bp.route("/vragen/<int:question_id>/afsluiten", methods=["GET", "POST"])
@role_required(Role.FAMILY_WORKER)
def close(question_id):
    """Close the question with feedback: what was done, why, and how useful each advice was."""
    question = access_owned_question(current_user, question_id)
    if question.status not in (Status.OPEN, Status.ADVISED):
        flash(_("Deze vraag kan niet worden afgesloten."), "error")
        return redirect(url_for("questions.detail", question_id=question.id))
    thread = service.load_thread(question)
    advices = [p for p in thread.posts if p.is_advice]
    form = close_form_for(advices, label=_advice_rating_label,
                          description=lambda p: "“%s”" % plain_excerpt(p.body_html))()
    report = None
    if request.method == "POST" and request.form.get("actie") == ACTION_PSEUDONYMISE and form.validate():
        form.explanation.data = owner.pseudonymised(
            current_user, {"explanation": form.explanation.data or ""}, question=question,
            private_key=owner.try_unlock(), now=utcnow(), source=owner.source())["explanation"]
        form.pii_confirmed.data = False
        flash(_("De gemarkeerde gegevens zijn vervangen door [naam], [adres], … Lees de tekst na en plaats hem."),
              "info")
    elif form.validate_on_submit():
        ratings = {p.id: getattr(form, f"rating_{p.id}").data for p in advices}
        try:
            owner.close_question(current_user, question, outcome=form.outcome.data,
                                 explanation=form.explanation.data, ratings=ratings,
                                 pii_confirmed=form.pii_confirmed.data, private_key=owner.try_unlock(),
                                 now=utcnow(), source=owner.source())
        except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
            db.session.rollback()
            report = _guard_failed(form, error)
        except service.QuestionError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("De vraag is afgesloten. Dank voor je terugkoppeling."), "success")
            if form.offer_for_knowledge_base.data and knowledge.enabled():
                return _offer_for_knowledge_base(question)
            return redirect(url_for("questions.detail", question_id=question.id))
    rating_fields = [(p, getattr(form, f"rating_{p.id}")) for p in advices]
    page = render_template("questions/close.html", form=form, question=question, rating_fields=rating_fields,
                           guard_report=report, highlight=guard.highlight, knowledge_enabled=knowledge.enabled())
    db.session.commit()  # audit rows of the identity read for the guard
    return page


menu_item("questions.index", _l("Vragen"), roles=QUESTION_ROLES, order=10)
menu_item("questions.new", _l("Stel een vraag"), roles=(Role.FAMILY_WORKER,), order=11)
menu_item("questions.unanswered", _l("Vragen zonder advies"), roles=(Role.COORDINATOR,), order=12)
home_card(
    "questions.new",
    _l("Stel een vraag"),
    _l("Vraag deskundigen van de aangesloten organisaties om advies over een gezin. Sneller dan bellen, en jij houdt de regie."),
    roles=(Role.FAMILY_WORKER,),
    order=10,
)
home_card(
    "questions.index",
    _l("Jouw vragen en die van je buurtteam"),
    _l("Lees adviezen, reageer in de draad en sluit een vraag af met wat je met het advies hebt gedaan."),
    roles=(Role.FAMILY_WORKER,),
    order=11,
)
home_card(
    "questions.index",
    _l("Vragen in jouw expertisegebieden"),
    _l("Zoek open vragen, geef advies vanuit jouw expertise en reageer op collega's van andere organisaties."),
    roles=(Role.EXPERT,),
    order=10,
)
home_card(
    "questions.unanswered",
    _l("Vragen zonder advies"),
    _l("Zie welke vragen nog geen advies hebben en welke over de norm heen zijn (%(norm)s).", norm=Urgency.norm()),
    roles=(Role.COORDINATOR,),
    order=10,
)
home_card(
    "questions.index",
    _l("Vragen en adviezen"),
    _l("Lees mee in de vragen en adviesdraden; eerdere versies van bewerkte berichten zijn voor jou zichtbaar."),
    roles=(Role.MODERATOR,),
    order=10,
)


# --- live thread: what a page missed ---------------------------------------------------


@bp.route("/vragen/<int:question_id>/berichten")
@role_required(*QUESTION_ROLES)
def posts_since(question_id):
    """Return the posts a page missed (and thread events after `na_gebeurtenis`), rendered for this person.

    `sinds_versie` is the page's sync cursor (`sync_version` of the page or of its previous
    catch-up): the answer holds the published posts changed since (new, released by
    moderation, edited, redacted; each with its `version`), the ids of posts withdrawn since,
    and the new cursor. The cursor is read before the thread, so a post committed meanwhile
    comes in this answer or the next, never in neither (Question.sync_version). Without
    `sinds_versie`: the posts after the id `na`. A live page calls this after joining the
    room and after every reconnect; the answer passes the same access check as the page
    and is never cached.
    """
    from .events import FlatThread

    question = access_question(current_user, question_id)
    after_post = int_arg("na", 0)
    after_event = int_arg("na_gebeurtenis")
    since_version = int_arg("sinds_versie")
    sync_version = service.read_sync_version(question.id)  # first: whatever commits after is newer
    moderator = current_user.has_role(Role.MODERATOR)
    thread = service.load_thread(question, with_revisions=moderator)
    now = utcnow()
    is_owner = service.is_owner(current_user, question)
    context = dict(
        thread=FlatThread(question, thread.revisions),
        is_owner=is_owner,
        can_reply=service.can_reply(current_user, question),
        can_edit_post=lambda post: service.can_edit_post(current_user, post, now),
        show_revisions=moderator,
        show_ratings=is_owner or current_user.has_role(Role.MODERATOR, Role.COORDINATOR),
    )
    posts = service.missed_posts(thread, since_version=since_version, after_post=after_post)
    withdrawn = service.withdrawn_posts(question, since_version=since_version) if since_version is not None else []
    events = []
    if after_event is not None:
        events = [e for e in thread.events if e.id > after_event and e.kind != EventKind.PUBLISHED]
    return jsonify(
        question_id=question.id,
        status=question.status,
        sync_version=sync_version,
        posts=[
            {"id": p.id, "parent_id": p.parent_id, "version": p.sync_version,
             "html": render_template("questions/_live_post.html", post=p, **context)}
            for p in posts
        ],
        withdrawn=[{"id": post_id, "version": version} for post_id, version in withdrawn],
        events=[{"id": e.id, "html": render_template("questions/_live_event.html", event=e)} for e in events],
    )
