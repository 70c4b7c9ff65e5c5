"""Knowledge-base pages: offering a closed case, the owner's review, moderation, search, similar cases.

Who sees what: a published summary every professional (family workers,
experts, moderators, coordinators); an unpublished one only the family
worker who offered it, a submitted one also the moderators. The question a
summary came from is never named to anyone but its owner.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import role_required
from ..accounts.models import Role
from ..core.forms import ActionForm
from ..core.params import int_arg, page_arg
from ..core.templating import home_card, menu_item
from ..core.time import utcnow
from ..extensions import db
from ..moderation.forms import DecisionForm
from ..questions import guard
from ..questions import owner as question_owner
from ..questions.access import access_owned_question
from ..questions.models import Question
from . import owner, service
from .access import access_own_summary, access_published_summary, access_reviewable_summary
from .forms import SummaryForm
from .models import AGE_BAND_LABELS, SummaryStatus

bp = Blueprint("knowledge", __name__)

FW = (Role.FAMILY_WORKER,)
SORTS = {"relevantie": "relevance", "datum": "newest"}
ACTION_SAVE, ACTION_SUBMIT, ACTION_PSEUDONYMISE = "opslaan", "indienen", "pseudonimiseren"


def _require_enabled():
    if not service.enabled():
        abort(404)


def _apply_error(form, error):
    field = getattr(form, error.field, None) if getattr(error, "field", None) else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


@bp.route("/vragen/<int:question_id>/kennisbank", methods=["POST"])
@role_required(*FW)
def offer(question_id):
    """Offer my closed question for the knowledge base: the scrubbed draft is made, then I review it."""
    _require_enabled()
    question = access_owned_question(current_user, question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        summary = owner.offer_case(current_user, question, private_key=question_owner.try_unlock(), now=utcnow(),
                                   source=question_owner.source())
    except service.KnowledgeError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("questions.detail", question_id=question.id))
    db.session.commit()
    flash(_("De samenvatting is gemaakt en automatisch ontdaan van namen, data, plaatsen en andere gegevens. "
            "Lees hem na, pas aan waar nodig en dien hem in."), "info")
    return redirect(url_for("knowledge.review_own", summary_id=summary.id))


def _summary_question(summary):
    """The summary's question, for its owner only (the guard needs its resident)."""
    if summary.question_id is None:
        return None
    question = db.session.get(Question, summary.question_id)
    return question if question is not None and question.owner_id == current_user.id else None


@bp.route("/kennisbank/aanbod/<int:summary_id>", methods=["GET", "POST"])
@role_required(*FW)
def review_own(summary_id):
    """Review, edit and submit the scrubbed summary of my case (only I see it until it is published)."""
    summary = access_own_summary(current_user, summary_id)
    editable = summary.status in service.EDITABLE
    form = SummaryForm(obj=summary) if request.method == "GET" or not editable else SummaryForm()
    report = None
    if editable and form.validate_on_submit():
        action = request.form.get("actie")
        question = _summary_question(summary)
        texts = {name: getattr(form, name).data or "" for name in service.TEXT_FIELDS}
        now = utcnow()
        try:
            if action == ACTION_PSEUDONYMISE:
                for name, text in owner.pseudonymised(current_user, texts, question, private_key=question_owner.try_unlock(),
                                                      now=now, source=question_owner.source()).items():
                    getattr(form, name).data = text
                form.pii_confirmed.data = False
                flash(_("De gemarkeerde gegevens zijn vervangen door [naam], [adres], … Lees de tekst na."), "info")
            else:
                owner.save_summary(current_user, summary, question, texts=texts, pii_confirmed=form.pii_confirmed.data,
                                   submit=action == ACTION_SUBMIT, private_key=question_owner.try_unlock(), now=now,
                                   source=question_owner.source())
                db.session.commit()
                flash(_("De samenvatting is ingediend. Een moderator beoordeelt hem voordat anderen hem zien.")
                      if action == ACTION_SUBMIT else _("De samenvatting is bewaard."), "success")
                return redirect(url_for("knowledge.review_own", summary_id=summary.id))
        except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
            db.session.rollback()
            report = guard.put_on_form(form, error)
        except service.KnowledgeError as error:
            db.session.rollback()
            _apply_error(form, error)
    status = 400 if request.method == "POST" and (form.errors or report) else 200
    page = render_template("knowledge/review_own.html", summary=summary, form=form, editable=editable,
                           guard_report=report, highlight=guard.highlight, action_form=ActionForm())
    db.session.commit()  # audit rows of the identity read for the guard
    return page, status


@bp.route("/kennisbank/aanbod/<int:summary_id>/intrekken", methods=["POST"])
@role_required(*FW)
def withdraw_own(summary_id):
    """Take back my unpublished offer; its text is erased."""
    summary = access_own_summary(current_user, summary_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    question_id = summary.question_id
    try:
        service.delete_summary(current_user, summary)
    except service.KnowledgeError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("knowledge.review_own", summary_id=summary_id))
    db.session.commit()
    flash(_("Je aanbod voor de kennisbank is ingetrokken en verwijderd."), "success")
    if question_id is not None:
        return redirect(url_for("questions.detail", question_id=question_id))
    return redirect(url_for("knowledge.index"))


@bp.route("/kennisbank")
@role_required(*service.READER_ROLES)
def index():
    """Search the published cases: words (Dutch stems), area, age band; by relevance or date."""
    _require_enabled()
    text = (request.args.get("q") or "").strip()[:200]
    area_id = int_arg("gebied")
    band = request.args.get("leeftijd") or None
    if band not in AGE_BAND_LABELS:
        band = None
    sort_key = request.args.get("sortering") if request.args.get("sortering") in SORTS else "relevantie"
    result = service.find_summaries(text=text or None, area_id=area_id, band=band, sort=SORTS[sort_key],
                                    page=page_arg("pagina"))
    return render_template("knowledge/index.html", result=result, text=text, area_id=area_id, band=band,
                           sort_key=sort_key, areas=service.area_choices(), bands=service.band_choices())


@bp.route("/kennisbank/<int:summary_id>")
@role_required(*service.READER_ROLES)
def detail(summary_id):
    """Show one published case: situation, question, the advices by organisation, what came of it."""
    _require_enabled()
    summary = access_published_summary(current_user, summary_id)
    return render_template("knowledge/detail.html", summary=summary, from_question=request.args.get("van") == "vraag",
                           action_form=ActionForm())


@bp.route("/kennisbank/<int:summary_id>/gevonden", methods=["POST"])
@role_required(*FW)
def found(summary_id):
    """I found my answer here and do not need to ask: count it for my team."""
    _require_enabled()
    summary = access_published_summary(current_user, summary_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    service.record_answer_found(current_user, summary, utcnow())
    db.session.commit()
    flash(_("Fijn dat je je antwoord hebt gevonden. Je vraag is niet geplaatst."), "success")
    return redirect(url_for("knowledge.detail", summary_id=summary.id))


@bp.route("/kennisbank/vergelijkbaar", methods=["POST"])
@role_required(*FW)
def similar():
    """Return the list of similar cases for the question being written (a fragment for similar.js)."""
    if not service.enabled() or not ActionForm().validate_on_submit():
        abort(400)
    cases, questions = service.similar_cases(current_user, title=request.form.get("title", "")[:150],
                                             situation=request.form.get("situation", "")[:10000],
                                             request=request.form.get("request", "")[:5000])
    return render_template("knowledge/_similar.html", similar_cases=cases, similar_questions=questions,
                           searched=True)


@bp.route("/moderatie/kennisbank")
@role_required(Role.MODERATOR)
def review_queue():
    """List the summaries waiting for a moderator, the one waiting longest first."""
    return render_template("knowledge/review_queue.html", summaries=service.waiting_for_review())


@bp.route("/moderatie/kennisbank/<int:summary_id>", methods=["GET", "POST"])
@role_required(Role.MODERATOR)
def review(summary_id):
    """Read a submitted summary and publish or reject it (a reason the owner sees)."""
    summary = access_reviewable_summary(current_user, summary_id)
    form = DecisionForm()
    report = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        action = request.form.get("actie")
        if action not in ("approve", "reject"):
            abort(400)
        try:
            guard.check_texts({"reason": form.reason.data or ""}, confirmed=form.pii_confirmed.data)
            service.decide_summary(current_user, summary, approve=action == "approve", reason=form.reason.data,
                                   now=utcnow())
        except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
            db.session.rollback()
            report = guard.put_on_form(form, error)
            status = 400
        except service.KnowledgeError as error:
            db.session.rollback()
            _apply_error(form, error)
            status = 400
        else:
            db.session.commit()
            flash(_("Gepubliceerd in de kennisbank.") if action == "approve"
                  else _("Afgewezen. De gezinswerker ziet je reden."), "success")
            return redirect(url_for("knowledge.review_queue"))
    elif request.method == "POST":
        status = 400
    return render_template("knowledge/review.html", summary=summary, form=form, guard_report=report,
                           highlight=guard.highlight), status


def _offer_state(question):
    """For the question page: the owner's summary of this question, and whether it can be offered."""
    if not current_user.is_authenticated or question.owner_id != current_user.id or not service.enabled():
        return None
    summaries = service.summaries_of(question)
    return {"summary": summaries[0] if summaries else None, "can_offer": service.can_offer(current_user, question),
            "form": ActionForm()}


@bp.app_context_processor
def _knowledge_globals():
    return {"knowledge_offer": _offer_state, "knowledge_waiting": service.count_waiting,
            "SummaryStatus": SummaryStatus}


menu_item("knowledge.index", _l("Kennisbank"), roles=service.READER_ROLES, order=13)
home_card(
    "knowledge.index",
    _l("Kennisbank"),
    _l("Zoek in afgesloten casussen van alle buurtteams: welke adviezen kwamen er, en wat werkte?"),
    roles=service.READER_ROLES,
    order=13,
)
