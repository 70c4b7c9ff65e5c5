"""The coordinator dashboard (/inzicht): figures of a period as charts, tables and CSV.

Coordinators and admins only (403 for other roles, as every role-bound page).
The query string carries the choice, so a view can be bookmarked and its CSV
links repeat it: periode=maand|vorige-maand|kwartaal|jaar|anders, van/tot
(jjjj-mm-dd, for "anders"), team, organisatie, gebied (ids).
"""
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import role_required
from ..accounts.models import Role
from ..core.params import to_int
from ..core.templating import home_card, menu_item
from ..core.time import utcnow
from ..extensions import db
from ..questions.access import access_owned_question
from . import charts, reminders, service
from .forms import FollowUpForm

bp = Blueprint("insights", __name__)

MANAGERS = (Role.COORDINATOR, Role.ADMIN)


def _date_arg(name):
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _choice(now):
    """Return (period, filters, error) from the query string; a bad period falls back to this month."""
    today = now.astimezone(service.AMSTERDAM).date()
    kind = request.args.get("periode") or "maand"
    error = None
    try:
        period = service.period_of(kind, today, _date_arg("van"), _date_arg("tot"))
    except service.InsightsError as problem:
        error = problem
        period = service.period_of("maand", today)
    filters = service.Filters(
        team_id=to_int(request.args.get("team")),
        organisation_id=to_int(request.args.get("organisatie")),
        area_id=to_int(request.args.get("gebied")),
    )
    return period, filters, error


def _query_args():
    """The choice as it came, to repeat in the CSV links (only the known keys)."""
    return {k: v for k, v in request.args.items() if k in ("periode", "van", "tot", "team", "organisatie", "gebied") and v}


@bp.route("/inzicht")
@role_required(*MANAGERS)
def dashboard():
    """Show the period's figures: a chart and the same figures as a table, each with a CSV."""
    now = utcnow()
    period, filters, error = _choice(now)
    tables = service.dashboard(period, filters, now)
    teams, organisations, areas = service.filter_choices()
    return render_template(
        "insights/dashboard.html", tables=tables, period=period, filters=filters, error=error,
        kinds=service.PERIOD_KINDS, kind_labels=service.PERIOD_LABELS, chosen_kind=request.args.get("periode") or "maand",
        teams=teams, organisations=organisations, areas=areas, query=_query_args(), render_chart=charts.render,
        small_cell=service.SMALL_CELL,
    ), 400 if error else 200


@bp.route("/inzicht/<key>.csv")
@role_required(*MANAGERS)
def table_csv(key):
    """Download one table of the dashboard as CSV, with the same cells as on the page."""
    now = utcnow()
    period, filters, error = _choice(now)
    if error is not None:
        abort(400)
    table = service.table_by_key(key, period, filters, now)
    if table is None:
        abort(404)
    response = Response("\ufeff" + service.table_csv(table, period), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="inzicht-{key}-{period.slug}.csv"'
    return response


@bp.route("/vragen/<int:question_id>/vervolg", methods=["GET", "POST"])
@role_required(Role.FAMILY_WORKER)
def follow_up(question_id):
    """The owner answers "hoe is het verder gegaan?" once it was asked (404 before, and for others)."""
    question = access_owned_question(current_user, question_id)
    asked = reminders.follow_up_of(question.id)
    if asked is None:
        abort(404)
    form = FollowUpForm()
    if asked.is_answered:
        return render_template("insights/follow_up.html", question=question, follow_up=asked, form=None)
    if form.validate_on_submit():
        try:
            reminders.answer_follow_up(current_user, question, asked, situation=form.situation.data,
                                       referral=form.referral.data, now=utcnow())
        except reminders.FollowUpError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Dank je. De deskundigen die adviseerden zien hoe het verder ging."), "success")
            return redirect(url_for("questions.detail", question_id=question.id))
    return render_template("insights/follow_up.html", question=question, follow_up=asked, form=form)


def _follow_up_for(question):
    """Template global: the follow-up the current person may see on a question page, or None."""
    if not current_user.is_authenticated or not question.is_closed:
        return None
    asked = reminders.follow_up_of(question.id)
    if asked is None or not reminders.may_see_follow_up(current_user, question):
        return None
    if not asked.is_answered and question.owner_id != current_user.id:
        return None
    return asked


@bp.app_context_processor
def _insights_globals():
    return {"insights_follow_up": _follow_up_for}


menu_item("insights.dashboard", _l("Inzicht"), roles=MANAGERS, order=23)
home_card(
    "insights.dashboard",
    _l("Inzicht in het gebruik"),
    _l("Zie per periode hoeveel vragen er zijn, hoe snel het eerste advies komt en of er terugkoppeling is."),
    roles=MANAGERS,
    order=22,
)
