"""Consultation pages: series, meetings and their agenda, attendance and conclusions,
nominations, triage, expert hours and calendar feeds."""
import re
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import role_required
from ..accounts.models import ExpertiseArea, Organisation, Role, Team, User
from ..core import submissions
from ..core.forms import ActionForm
from ..core.params import to_int
from ..core.templating import home_card, menu_badge, menu_item
from ..core.time import utcnow
from ..extensions import NOTIFYING_LIMIT, db, limiter, per_user
from ..questions import guard
from ..questions.access import access_question
from ..questions.service import QuestionError
from . import service
from .access import (
    MEETING_ROLES,
    access_agenda_item,
    access_assignment,
    access_managed_meeting,
    access_meeting,
    access_series,
)
from .forms import (
    AcceptForm,
    AvailabilityForm,
    BudgetForm,
    ConclusionForm,
    DeclineForm,
    InviteForm,
    NominateForm,
    RouteForm,
    SeriesForm,
    SetRouteForm,
    SharpenForm,
    SkipForm,
    TriageSettingsForm,
    choices,
)
from .models import ItemStatus, MeetingStatus

bp = Blueprint("consultations", __name__)

COORDINATOR = (Role.COORDINATOR,)


def _apply_error(form, error):
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def _checked_action_form():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    return form


def _meeting_label(meeting):
    from flask_babel import format_datetime

    return f"{meeting.consultation.name} — {format_datetime(meeting.starts_at, 'EEEE d MMMM yyyy HH:mm')}"


# --- overview and series --------------------------------------------------------------


@bp.route("/overleg")
@role_required(*MEETING_ROLES)
def index():
    """List the coming meetings this person takes part in; coordinators also manage series."""
    now = utcnow()
    meetings = service.meetings_of(current_user, now)
    db.session.commit()  # meetings of the coming weeks are created on demand
    is_coordinator = current_user.has_role(Role.COORDINATOR)
    return render_template(
        "consultations/index.html",
        upcoming=[m for m in meetings if m.ends_at > now],
        past=[m for m in meetings if m.ends_at <= now][-10:],
        series_list=service.all_series() if is_coordinator else [],
        is_coordinator=is_coordinator,
        model=service.collaboration_model(),
        now=now,
    )


def _expert_choices():
    return [
        (u.id, f"{u.name} ({u.organisation.name if u.organisation else '—'}; "
               f"{', '.join(a.name for a in u.expertise_areas) or '—'})")
        for u in service.active_experts()
    ]


def _series_form(series=None):
    form = SeriesForm(obj=None)
    form.teams.choices = choices((t.id, t.name) for t in db.session.scalars(
        db.select(Team).where(Team.active.is_(True)).order_by(Team.name)))
    form.experts.choices = choices(_expert_choices())
    if series is not None and request.method == "GET":
        for name in ("name", "weekday", "start_time", "duration_minutes", "recurrence", "place", "video_url",
                     "agenda_closes_hours"):
            getattr(form, name).data = getattr(series, name)
        form.teams.data = [t.id for t in series.teams]
        form.experts.data = [u.id for u in series.experts]
    return form


def _series_args(form):
    team_ids, expert_ids = form.teams.data or [], form.experts.data or []
    return dict(
        name=form.name.data, weekday=form.weekday.data, start_time=form.start_time.data,
        duration_minutes=form.duration_minutes.data, recurrence=form.recurrence.data,
        place=form.place.data, video_url=form.video_url.data, agenda_closes_hours=form.agenda_closes_hours.data,
        teams=db.session.scalars(db.select(Team).where(Team.id.in_(team_ids))).all() if team_ids else [],
        experts=db.session.scalars(db.select(User).where(User.id.in_(expert_ids))).all() if expert_ids else [],
    )


@bp.route("/overleg/nieuw", methods=["GET", "POST"])
@role_required(*COORDINATOR)
def new_series():
    """Set up a weekly (or two-weekly) consultation."""
    form = _series_form()
    if form.validate_on_submit():
        if submissions.first_result(current_user, form.submission_key.data) is not None:
            return submissions.answer_repeated(current_user, form.submission_key.data)
        now = utcnow()
        try:
            series = service.create_series(current_user, **_series_args(form), now=now)
            submissions.record_result(current_user, form.submission_key.data,
                                      url_for("consultations.edit_series", series_id=series.id), now=now)
        except service.ConsultationError as error:
            db.session.rollback()
            _apply_error(form, error)
        except submissions.SubmissionRepeated:
            db.session.rollback()
            return submissions.answer_repeated(current_user, form.submission_key.data)
        else:
            db.session.commit()
            flash(_("Het overleg is aangemaakt. De bijeenkomsten van de komende weken staan klaar."), "success")
            return redirect(url_for("consultations.edit_series", series_id=series.id))
    return render_template("consultations/series_form.html", form=form, series=None)


@bp.route("/overleg/<int:series_id>/bewerken", methods=["GET", "POST"])
@role_required(*COORDINATOR)
def edit_series(series_id):
    """Change a series; future meetings move with a new day or time."""
    series = access_series(current_user, series_id)
    form = _series_form(series)
    if form.validate_on_submit():
        try:
            service.update_series(current_user, series, **_series_args(form), now=utcnow())
        except service.ConsultationError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Het overleg is bijgewerkt. Agenda's in de agenda-apps worden ververst."), "success")
            return redirect(url_for("consultations.edit_series", series_id=series.id))
    meetings = service.ensure_meetings(series, utcnow())
    db.session.commit()
    return render_template("consultations/series_form.html", form=form, series=series, meetings=meetings,
                           skip_form=SkipForm())


@bp.route("/overleg/<int:series_id>/overslaan", methods=["POST"])
@role_required(*COORDINATOR)
def skip(series_id):
    """Skip one date of a series (a holiday)."""
    series = access_series(current_user, series_id)
    form = SkipForm()
    if form.validate_on_submit():
        try:
            service.skip_date(current_user, series, form.skip_date.data, now=utcnow())
        except service.ConsultationError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Het overleg op die datum vervalt."), "success")
    elif form.csrf_token.errors:
        abort(400)
    else:
        flash(_("Kies een geldige datum."), "error")
    return redirect(url_for("consultations.edit_series", series_id=series.id))


# --- one meeting ----------------------------------------------------------------------


@bp.route("/overleg/bijeenkomsten/<int:meeting_id>")
@role_required(*MEETING_ROLES)
def meeting(meeting_id):
    """Show a meeting with its agenda: title, areas and age per question, never an identity."""
    meeting = access_meeting(current_user, meeting_id)
    now = utcnow()
    is_coordinator = current_user.has_role(Role.COORDINATOR)
    invite_form = InviteForm()
    invite_form.area.choices = choices((a.id, a.name) for a in service.active_areas())
    return render_template(
        "consultations/meeting.html",
        meeting=meeting,
        times=service.item_times(meeting),
        participants=service.participants(meeting),
        visible=lambda item: service.item_visible(current_user, item),
        is_coordinator=is_coordinator,
        agenda_open=service.agenda_is_open(meeting, now),
        closes_at=service.agenda_closes_at(meeting),
        invite_form=invite_form,
        action_form=ActionForm(),
        planned=meeting.status == MeetingStatus.PLANNED,
        started=meeting.starts_at <= now,
        ItemStatus=ItemStatus,
        now=now,
    )


def _ics_response(payload, filename):
    response = Response(payload, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/overleg/bijeenkomsten/<int:meeting_id>/uitnodiging.ics")
@role_required(*MEETING_ROLES)
def meeting_ics(meeting_id):
    """Download the meeting as a calendar invitation (.ics)."""
    meeting = access_meeting(current_user, meeting_id)
    payload = service.calendar_for(current_user, [meeting], now=utcnow())
    return _ics_response(payload, f"overleg-{meeting.id}.ics")


_FIELD = re.compile(r"^(positie|minuten)-(\d{1,12})$")


@bp.route("/overleg/bijeenkomsten/<int:meeting_id>/agenda", methods=["POST"])
@role_required(*COORDINATOR)
def arrange(meeting_id):
    """Save the order of the agenda and the time slot of each item."""
    _checked_action_form()
    meeting = access_managed_meeting(current_user, meeting_id)
    arrangement = {}
    for key, value in request.form.items():
        match = _FIELD.match(key)
        if not match:
            continue
        entry = arrangement.setdefault(int(match.group(2)), [None, None])
        entry[0 if match.group(1) == "positie" else 1] = to_int(value)
    try:
        fits = service.arrange_agenda(current_user, meeting, {k: tuple(v) for k, v in arrangement.items()},
                                      now=utcnow())
    except service.ConsultationError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("De agenda is opgeslagen."), "success")
        if not fits:
            flash(_("Let op: de agendapunten duren samen langer dan het overleg."), "warning")
    return redirect(url_for("consultations.meeting", meeting_id=meeting.id))


@bp.route("/overleg/agendapunten/<int:item_id>/deskundigen", methods=["POST"])
@role_required(*COORDINATOR)
@limiter.limit(NOTIFYING_LIMIT, methods=["POST"], key_func=per_user)
def invite(item_id):
    """Invite the experts of an expertise area to one agenda item."""
    item = access_agenda_item(current_user, item_id)
    form = InviteForm()
    form.area.choices = choices((a.id, a.name) for a in service.active_areas())
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Kies een expertisegebied."), "error")
        return redirect(url_for("consultations.meeting", meeting_id=item.meeting_id))
    try:
        added = service.invite_experts_by_area(current_user, item, db.session.get(ExpertiseArea, form.area.data),
                                               now=utcnow())
    except service.ConsultationError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Uitgenodigd: %(names)s.", names=", ".join(p.name for p in added)), "success")
    return redirect(url_for("consultations.meeting", meeting_id=item.meeting_id))


@bp.route("/overleg/agendapunten/<int:item_id>/verwijderen", methods=["POST"])
@role_required(*COORDINATOR)
def remove_item(item_id):
    """Take an item off the agenda."""
    _checked_action_form()
    item = access_agenda_item(current_user, item_id)
    meeting_id = item.meeting_id
    try:
        service.remove_item(current_user, item, now=utcnow())
    except service.ConsultationError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Het agendapunt is van de agenda gehaald."), "success")
    return redirect(url_for("consultations.meeting", meeting_id=meeting_id))


@bp.route("/overleg/bijeenkomsten/<int:meeting_id>/aanwezigheid", methods=["GET", "POST"])
@role_required(*COORDINATOR)
def attendance(meeting_id):
    """Record who took part and for how many minutes."""
    meeting = access_managed_meeting(current_user, meeting_id)
    people = service.participants(meeting)
    form = ActionForm()
    if form.validate_on_submit():
        entries = []
        for person in people:
            minutes = to_int(request.form.get(f"minuten-{person.id}") or 0, -1)
            entries.append((person, request.form.get(f"aanwezig-{person.id}") == "1", minutes))
        try:
            service.record_attendance(current_user, meeting, entries, now=utcnow())
        except service.ConsultationError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("De aanwezigheid is vastgelegd."), "success")
            return redirect(url_for("consultations.meeting", meeting_id=meeting.id))
    recorded = {row.user_id: row for row in meeting.attendance}
    return render_template("consultations/attendance.html", meeting=meeting, people=people, recorded=recorded,
                           form=form)


@bp.route("/overleg/agendapunten/<int:item_id>/conclusie", methods=["GET", "POST"])
@role_required(*COORDINATOR)
def conclusion(item_id):
    """Record an item's conclusion; it becomes advice in the question's thread."""
    item = access_agenda_item(current_user, item_id)
    form = ConclusionForm()
    if form.validate_on_submit():
        if submissions.first_result(current_user, form.submission_key.data) is not None:
            return submissions.answer_repeated(current_user, form.submission_key.data)
        now = utcnow()
        try:
            service.record_conclusion(current_user, item, conclusion=form.conclusion.data, now=now)
            submissions.record_result(current_user, form.submission_key.data,
                                      url_for("consultations.meeting", meeting_id=item.meeting_id), now=now)
        except guard.PersonalDataBlocked as error:
            db.session.rollback()
            guard.put_on_form(form, error)
        except service.ConsultationError as error:
            db.session.rollback()
            _apply_error(form, error)
        except submissions.SubmissionRepeated:
            db.session.rollback()
            return submissions.answer_repeated(current_user, form.submission_key.data)
        else:
            db.session.commit()
            flash(_("De conclusie staat als advies in de draad van vraag #%(number)d.", number=item.question_id),
                  "success")
            return redirect(url_for("consultations.meeting", meeting_id=item.meeting_id))
    return render_template("consultations/conclusion.html", item=item, form=form,
                           experts=service.experts_present(item.meeting))


@bp.route("/overleg/bijeenkomsten/<int:meeting_id>/afronden", methods=["POST"])
@role_required(*COORDINATOR)
def close(meeting_id):
    """Close a meeting; items not discussed go to the next one."""
    _checked_action_form()
    meeting = access_managed_meeting(current_user, meeting_id)
    try:
        moved = service.close_meeting(current_user, meeting, now=utcnow())
    except service.ConsultationError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Het overleg is afgerond."), "success")
        if moved:
            flash(_("%(count)d agendapunt(en) doorgeschoven naar het volgende overleg.", count=len(moved)), "info")
    return redirect(url_for("consultations.meeting", meeting_id=meeting.id))


# --- getting a question on the agenda -------------------------------------------------------


@bp.route("/vragen/<int:question_id>/agenderen", methods=["GET", "POST"])
@role_required(Role.FAMILY_WORKER, Role.COORDINATOR)
@limiter.limit(NOTIFYING_LIMIT, methods=["POST"], key_func=per_user)
def nominate(question_id):
    """Put a question on a consultation: the owner nominates it, a coordinator adds it."""
    question = access_question(current_user, question_id)
    is_coordinator = current_user.has_role(Role.COORDINATOR)
    if not is_coordinator and question.owner_id != current_user.id:
        abort(403)
    now = utcnow()
    if is_coordinator:
        meetings = service.meeting_choices(question, now, open_only=False)
        team_series = {m.consultation_id for m in meetings}
        for series in service.all_series():
            if series.id not in team_series and series.active:
                found = service.next_meeting(series, now)
                if found is not None:
                    meetings.append(found)
    else:
        meetings = service.meeting_choices(question, now, open_only=True)
    form = NominateForm()
    form.meeting.choices = choices((m.id, _meeting_label(m)) for m in meetings)
    report = None
    if meetings and form.validate_on_submit():
        chosen = next(m for m in meetings if m.id == form.meeting.data)
        try:
            # The owner's note is checked against the resident's identity too (None for anyone else).
            known = guard.known_identity_for(current_user, question, now=now)
            if is_coordinator:
                service.add_to_agenda(current_user, question, chosen, note=form.note.data, known=known,
                                      pii_confirmed=form.pii_confirmed.data, now=now)
            else:
                service.nominate_question(current_user, question, chosen, note=form.note.data, known=known,
                                          pii_confirmed=form.pii_confirmed.data, now=now)
        except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
            db.session.rollback()
            report = guard.put_on_form(form, error)
        except (service.ConsultationError, QuestionError) as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("De vraag staat op de agenda van het overleg."), "success")
            return redirect(url_for("questions.detail", question_id=question.id))
    db.session.commit()  # meetings created on demand (and the audit of an owner's identity read)
    page = render_template("consultations/nominate.html", form=form, question=question, meetings=meetings,
                           is_coordinator=is_coordinator, guard_report=report, highlight=guard.highlight)
    return page  # no-store, as every response (core/security.py)


# --- triage ---------------------------------------------------------------------------------


@bp.route("/triage")
@role_required(*COORDINATOR)
def triage_queue():
    """List the questions waiting for triage, oldest first (a triage worker's own teams)."""
    questions = service.triage_queue(current_user)
    return render_template("consultations/triage_queue.html", questions=questions,
                           waiting=service.sharpening_asked([q.id for q in questions]),
                           model=service.collaboration_model())


def _triage_settings_form():
    form = TriageSettingsForm()
    form.teams.choices = choices((t.id, t.name) for t in service.active_teams())
    return form


@bp.route("/triage/instellingen", methods=["GET", "POST"])
@role_required(*COORDINATOR)
def triage_settings():
    """Let a coordinator say whether they triage, and for which teams."""
    form = _triage_settings_form()
    if request.method == "GET":
        form.triage_worker.data = current_user.triage_worker
        form.teams.data = [t.id for t in current_user.triage_teams]
    elif form.validate_on_submit():
        teams = db.session.scalars(db.select(Team).where(Team.id.in_(form.teams.data or []))).all()
        service.set_triage_worker(current_user, triage_worker=form.triage_worker.data, teams=teams)
        db.session.commit()
        flash(_("Je triage-instellingen zijn opgeslagen."), "success")
        return redirect(url_for("consultations.triage_queue"))
    elif form.csrf_token.errors:
        abort(400)
    return render_template("consultations/triage_settings.html", form=form)


def _route_form(question):
    form = SetRouteForm(prefix="route")
    form.route.choices = choices((r, service.route_label(r)) for r in service.COLLABORATION_MODELS)
    if not form.is_submitted():
        form.route.data = service.effective_route(question)
    return form


def _triage_forms(question, now):
    route_form = RouteForm(prefix="route")
    suggestions = service.suggest_experts(question, now=now)
    route_form.experts.choices = choices((s.expert.id, s.expert.name) for s in suggestions)
    schedule_form = NominateForm(prefix="agenda")
    meetings = service.meeting_choices(question, now, open_only=False)
    known = {m.consultation_id for m in meetings}
    for series in service.all_series():
        if series.id not in known and series.active:
            found = service.next_meeting(series, now)
            if found is not None:
                meetings.append(found)
    schedule_form.meeting.choices = choices((m.id, _meeting_label(m)) for m in meetings)
    return SharpenForm(prefix="vraag"), route_form, schedule_form, meetings, suggestions


@bp.route("/vragen/<int:question_id>/triage")
@role_required(*COORDINATOR)
def triage(question_id):
    """Show the triage actions for one question: route, sharpen, assign, schedule."""
    question = access_question(current_user, question_id)
    return _render_triage(question, *_triage_forms(question, utcnow()))


def _render_triage(question, sharpen_form, route_form, schedule_form, meetings, suggestions, report=None,
                   guarded=None, set_route_form=None):
    """Render the triage page; `report` is what the guard found in the form `guarded` ("vraag", "agenda")."""
    db.session.commit()
    page = render_template("consultations/triage.html", question=question, sharpen_form=sharpen_form,
                           route_form=route_form, schedule_form=schedule_form, meetings=meetings,
                           suggestions_by_id={str(s.expert.id): s for s in suggestions}, set_route_form=set_route_form or _route_form(question),
                           assignments=service.assignments_of_question(question.id),
                           route=service.effective_route(question), default_route=service.collaboration_model(),
                           guard_report=report, guarded=guarded, highlight=guard.highlight)
    return page  # no-store, as every response (core/security.py)


def _guard_refused(question, error, forms, guarded):
    """Bring the triage page back with the text as typed and the guard's findings at its field."""
    db.session.rollback()
    form = forms[0] if guarded == "vraag" else forms[2]
    return _render_triage(question, *forms, report=guard.put_on_form(form, error), guarded=guarded)


def _triage_done(question, action, success):
    try:
        action()
    except service.ConsultationError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("consultations.triage", question_id=question.id))
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("questions.detail", question_id=question.id))


@bp.route("/vragen/<int:question_id>/route", methods=["POST"])
@role_required(Role.COORDINATOR, Role.FAMILY_WORKER)
@limiter.limit(NOTIFYING_LIMIT, methods=["POST"], key_func=per_user)
def set_route(question_id):
    """Set the question's route: any for a coordinator, the team's consultation for its owner."""
    question = access_question(current_user, question_id)
    if not service.can_set_route(current_user, question):
        abort(403)
    form = _route_form(question)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
    else:
        try:
            service.set_route(current_user, question, form.route.data, now=utcnow())
        except service.ConsultationError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("De route van de vraag is gewijzigd; dit staat in de geschiedenis."), "success")
            return redirect(url_for("questions.detail", question_id=question.id))
    if not current_user.has_role(Role.COORDINATOR):
        for message in form.route.errors:
            flash(message, "error")
        return redirect(url_for("questions.detail", question_id=question.id))
    return _render_triage(question, *_triage_forms(question, utcnow()), set_route_form=form)


@bp.route("/vragen/<int:question_id>/triage/verduidelijken", methods=["POST"])
@role_required(*COORDINATOR)
@limiter.limit(NOTIFYING_LIMIT, methods=["POST"], key_func=per_user)
def sharpen(question_id):
    """Ask the family worker a sharpening question in the thread."""
    question = access_question(current_user, question_id)
    forms = _triage_forms(question, utcnow())
    form = forms[0]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Schrijf je vraag aan de gezinswerker."), "error")
        return redirect(url_for("consultations.triage", question_id=question.id))
    try:
        return _triage_done(
            question,
            lambda: service.ask_sharpening_question(current_user, question, body=form.body.data, now=utcnow()),
            _("Je vraag staat in de draad; de gezinswerker krijgt een melding."),
        )
    except guard.PersonalDataBlocked as error:
        return _guard_refused(question, error, forms, "vraag")


@bp.route("/vragen/<int:question_id>/triage/doorverwijzen", methods=["POST"])
@role_required(*COORDINATOR)
@limiter.limit(NOTIFYING_LIMIT, methods=["POST"], key_func=per_user)
def route(question_id):
    """Assign the question to one or more named experts."""
    question = access_question(current_user, question_id)
    forms = _triage_forms(question, utcnow())
    form = forms[1]
    if not form.validate_on_submit() or not form.experts.data:
        if form.csrf_token.errors:
            abort(400)
        db.session.rollback()
        form.experts.errors = list(form.experts.errors) + [_("Kies minstens één deskundige.")]
        return _render_triage(question, *forms)
    experts = db.session.scalars(db.select(User).where(User.id.in_(form.experts.data or []))).all()
    try:
        service.route_to_experts(current_user, question, experts, now=utcnow())
    except service.ConsultationError as error:
        db.session.rollback()
        _apply_error(form, error)
        return _render_triage(question, *forms)
    db.session.commit()
    flash(_("De vraag is toegewezen; de deskundigen krijgen een melding en hebben één werkdag om hem op te pakken."),
          "success")
    return redirect(url_for("questions.detail", question_id=question.id))


@bp.route("/vragen/<int:question_id>/triage/agenderen", methods=["POST"])
@role_required(*COORDINATOR)
@limiter.limit(NOTIFYING_LIMIT, methods=["POST"], key_func=per_user)
def schedule(question_id):
    """Schedule the question for a consultation as a triage decision."""
    question = access_question(current_user, question_id)
    forms = _triage_forms(question, utcnow())
    form, meetings = forms[2], forms[3]
    if not meetings or not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Kies een overleg."), "error")
        return redirect(url_for("consultations.triage", question_id=question.id))
    chosen = next(m for m in meetings if m.id == form.meeting.data)
    try:
        return _triage_done(
            question,
            lambda: service.schedule_for_consultation(current_user, question, chosen, note=form.note.data,
                                                      pii_confirmed=form.pii_confirmed.data, now=utcnow()),
            _("De vraag staat op de agenda van het overleg."),
        )
    except (guard.PersonalDataBlocked, guard.PersonalDataWarning) as error:
        return _guard_refused(question, error, forms, "agenda")


# --- assignments and availability ------------------------------------------------------------


def _render_assignment(assignment, accept_form=None, decline_form=None):
    return render_template("consultations/assignment.html", assignment=assignment, question=assignment.question,
                           accept_form=accept_form or AcceptForm(prefix="oppakken"),
                           decline_form=decline_form or DeclineForm(prefix="afwijzen"))


@bp.route("/vragen/<int:question_id>/toewijzing")
@role_required(Role.EXPERT)
def assignment(question_id):
    """Show the expert's assignment of a question: accept with a date, or decline with a reason."""
    return _render_assignment(access_assignment(current_user, question_id))


@bp.route("/vragen/<int:question_id>/toewijzing/oppakken", methods=["POST"])
@role_required(Role.EXPERT)
def accept(question_id):
    """Accept the assignment ("ik pak dit op") with the expected date of the advice."""
    found = access_assignment(current_user, question_id)
    form = AcceptForm(prefix="oppakken")
    if form.validate_on_submit():
        try:
            service.accept_assignment(current_user, found, expected_on=form.expected_on.data, now=utcnow())
        except service.ConsultationError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Je pakt deze vraag op; de gezinswerker ziet dat je ermee bezig bent."), "success")
            return redirect(url_for("questions.detail", question_id=question_id))
    elif form.csrf_token.errors:
        abort(400)
    return _render_assignment(found, accept_form=form)


@bp.route("/vragen/<int:question_id>/toewijzing/afwijzen", methods=["POST"])
@role_required(Role.EXPERT)
def decline(question_id):
    """Decline the assignment with a reason; the question goes back to the triage worker."""
    found = access_assignment(current_user, question_id)
    form = DeclineForm(prefix="afwijzen")
    if form.validate_on_submit():
        try:
            service.decline_assignment(current_user, found, reason=form.reason.data, now=utcnow())
        except service.ConsultationError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Je hebt de toewijzing afgewezen; de vraag gaat terug naar de triage."), "success")
            return redirect(url_for("questions.index"))
    elif form.csrf_token.errors:
        abort(400)
    return _render_assignment(found, decline_form=form)


@bp.route("/beschikbaarheid", methods=["GET", "POST"])
@role_required(Role.EXPERT)
def availability():
    """Let an expert say until when they are away and how many assigned questions a month they take."""
    form = AvailabilityForm()
    if request.method == "GET":
        form.absent_until.data = current_user.absent_until
        form.monthly_capacity.data = current_user.monthly_capacity
    elif form.validate_on_submit():
        try:
            service.set_availability(current_user, absent_until=form.absent_until.data,
                                     monthly_capacity=form.monthly_capacity.data, now=utcnow())
        except service.ConsultationError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Je beschikbaarheid is opgeslagen."), "success")
            return redirect(url_for("consultations.availability"))
    elif form.csrf_token.errors:
        abort(400)
    return render_template("consultations/availability.html", form=form,
                           used=service.assignments_this_month([current_user.id], utcnow()).get(current_user.id, 0))


@bp.app_context_processor
def _assignment_helpers():
    """Let the question pages show the route, who is on a question, and an expert's assignments."""
    def question_route(question):
        return service.effective_route(question)

    def question_assignments(question):
        return [a for a in service.assignments_of_question(question.id)]

    def my_assignments():
        if not current_user.is_authenticated or not current_user.has_role(Role.EXPERT):
            return []
        return service.assigned_to(current_user)

    def my_assignment(question):
        if not current_user.is_authenticated or not current_user.has_role(Role.EXPERT):
            return None
        return service.live_assignment(current_user, question.id)

    return {"question_route": question_route, "question_assignments": question_assignments,
            "my_assignments": my_assignments, "my_assignment": my_assignment,
            "route_label": service.route_label, "route_form": _route_form,
            "team_has_consultation": service.team_has_consultation}


# --- expert hours ------------------------------------------------------------------------------


def _month():
    """Return (year, month) from ?maand=jjjj-mm, this month by default."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", request.args.get("maand", ""))
    if match and 1 <= int(match.group(2)) <= 12 and 2000 <= int(match.group(1)) <= 2100:
        return int(match.group(1)), int(match.group(2))
    today = service.local_today(utcnow())
    return today.year, today.month


@bp.route("/overleg/uren")
@role_required(*COORDINATOR)
def hours():
    """Show per expert and organisation the month's consultation minutes and advices."""
    year, month = _month()
    report = service.expert_hours(year, month)
    previous = date(year - (month == 1), (month - 2) % 12 + 1, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return render_template("consultations/hours.html", report=report, month=date(year, month, 1),
                           previous=previous, following=following, budget_form=BudgetForm(),
                           organisations=db.session.scalars(db.select(Organisation).order_by(Organisation.name)).all())


@bp.route("/overleg/uren.csv")
@role_required(*COORDINATOR)
def hours_csv():
    """Download the month's hours as CSV for invoicing."""
    year, month = _month()
    payload = service.hours_csv(service.expert_hours(year, month))
    response = Response("\ufeff" + payload, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="uren-overleg-{year:04d}-{month:02d}.csv"'
    return response


@bp.route("/overleg/uren/budget/<int:organisation_id>", methods=["POST"])
@role_required(*COORDINATOR)
def budget(organisation_id):
    """Set an organisation's agreed monthly consultation budget."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    form = BudgetForm()
    if form.validate_on_submit():
        service.set_budget(current_user, organisation, form.minutes.data)
        db.session.commit()
        flash(_("Het budget van %(name)s is opgeslagen.", name=organisation.name), "success")
    elif form.csrf_token.errors:
        abort(400)
    else:
        flash(_("Vul een budget tussen 0 en 100000 minuten in."), "error")
    return redirect(url_for("consultations.hours", maand=request.args.get("maand", "")))


# --- calendar feeds -----------------------------------------------------------------------------


@bp.route("/overleg/agenda-feed")
@role_required(*MEETING_ROLES)
def feed():
    """Show whether the person has a calendar feed, with buttons to make or revoke one."""
    return render_template("consultations/feed.html", feed=service.feed_of(current_user), token=None,
                           action_form=ActionForm())


@bp.route("/overleg/agenda-feed/nieuw", methods=["POST"])
@role_required(*MEETING_ROLES)
def new_feed():
    """Make a new secret feed address; shown once, the old one stops working."""
    _checked_action_form()
    token = service.create_feed(current_user, now=utcnow())
    db.session.commit()
    return render_template("consultations/feed.html", feed=service.feed_of(current_user),
                           token=token, action_form=ActionForm())


@bp.route("/overleg/agenda-feed/intrekken", methods=["POST"])
@role_required(*MEETING_ROLES)
def revoke_feed():
    """Stop the calendar feed."""
    _checked_action_form()
    service.revoke_feed(current_user)
    db.session.commit()
    flash(_("Je agenda-feed is ingetrokken. Het oude adres werkt niet meer."), "success")
    return redirect(url_for("consultations.feed"))


@bp.route("/agenda-feed/<token>")
def feed_ics(token):
    """Serve a person's meetings to their calendar app; 404 for an unknown or revoked token.

    Public by design (calendar apps cannot log in): the secret token is the
    key, stored only as a hash, and the access log redacts this path.
    """
    now = utcnow()
    user = service.feed_user(token, now=now)
    if user is None:
        abort(404)
    payload = service.calendar_for(user, service.feed_meetings(user, now), now=now)
    db.session.commit()
    return Response(payload, mimetype="text/calendar")


menu_item("consultations.index", _l("Wekelijks overleg"), roles=MEETING_ROLES, order=20)
menu_item("consultations.triage_queue", _l("Triage"), roles=COORDINATOR, order=21, badge="triage")
menu_badge("triage", service.triage_count)
menu_item("consultations.hours", _l("Uren deskundigen"), roles=COORDINATOR, order=22)
home_card(
    "consultations.index",
    _l("Wekelijks overleg"),
    _l("Plan het overleg met de buurtteams, bouw de agenda en leg conclusies vast; ze komen terug in de vraag."),
    roles=COORDINATOR,
    order=20,
)
home_card(
    "consultations.triage_queue",
    _l("Triage"),
    _l("Nieuwe vragen verduidelijken, doorverwijzen naar een deskundige of agenderen voor het overleg."),
    roles=COORDINATOR,
    order=21,
)
home_card(
    "consultations.index",
    _l("Wekelijks overleg"),
    _l("Bekijk de agenda's van de overleggen waaraan je deelneemt en zet ze in je agenda."),
    roles=(Role.EXPERT, Role.FAMILY_WORKER),
    order=30,
)
