"""Owner-only resident pages and the recovery key / recovery ceremony for admins.

Every resident page answers only to its owner (404 for anyone else) and is
sent with `Cache-Control: no-store` (core/security.py says it on every
response). The private key comes from `session.unlock()` for one request and
is dropped with the request.
"""
from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import role_required
from ..accounts.stepup import step_up_required
from ..accounts.models import Role, User
from ..audit import service as audit
from ..core.forms import ActionForm
from ..core.templating import home_card, menu_item
from ..core.time import AMSTERDAM, utcnow
from ..extensions import db
from . import service
from .access import access_own_resident, source
from .forms import CompleteRecoveryForm, ResidentForm, StartRecoveryForm
from .models import RecoveryRequest, Resident
from .session import unlock

bp = Blueprint("vault", __name__)

ACTION_LABELS = {
    audit.IDENTITY_CREATE: _l("Vastgelegd"),
    audit.IDENTITY_READ: _l("Identiteit bekeken"),
    audit.IDENTITY_HANDOVER: _l("Overgedragen"),
    audit.IDENTITY_RECOVER: _l("Hersteld (noodprocedure)"),
    audit.IDENTITY_ERASE: _l("Identiteit gewist"),
    audit.IDENTITY_TEXTS_REDACT: _l("Gegevens uit teksten weggehaald"),
    audit.RESIDENT_ACCESS_DENIED: _l("Toegang geweigerd"),
}
OUTCOME_LABELS = {audit.SUCCESS: _l("gelukt"), audit.FAILURE: _l("mislukt"), audit.DENIED: _l("geweigerd")}


def _locked(error, status=200):
    return (render_template("vault/locked.html", message=error.message), status)


@bp.route("/bewoners")
@role_required(Role.FAMILY_WORKER)
def residents():
    """List my residents, decrypted in this session only."""
    try:
        private_key = unlock()
    except service.VaultLocked as error:
        return _locked(error)
    rows = service.list_own_residents(current_user, private_key=private_key, now=utcnow(), source=source())
    db.session.commit()
    return render_template("vault/residents.html", rows=rows)


@bp.route("/bewoners/nieuw", methods=["GET", "POST"])
@role_required(Role.FAMILY_WORKER)
def new_resident():
    """Record a resident: name, date of birth and optionally the team's own file number."""
    form = ResidentForm()
    if form.validate_on_submit():
        try:
            private_key = unlock()
            identity = service.check_identity(form.name.data, form.date_of_birth.data, form.file_number.data,
                                              today=datetime.now(AMSTERDAM).date())
            resident = service.create_resident(current_user, identity, private_key=private_key, now=utcnow(),
                                               source=source())
        except service.VaultLocked as error:
            db.session.rollback()
            return _locked(error)
        except service.VaultError as error:
            db.session.rollback()
            if error.field and hasattr(form, error.field):
                getattr(form, error.field).errors.append(error.message)
            else:
                flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("De bewoner is vastgelegd."), "success")
            return redirect(url_for("vault.resident", resident_id=resident.id))
    return render_template("vault/new_resident.html", form=form)


@bp.route("/bewoners/<int:resident_id>")
@role_required(Role.FAMILY_WORKER)
def resident(resident_id):
    """Show one of my residents with its identity, and the buttons to hand over or erase."""
    resident = access_own_resident(current_user, resident_id)
    try:
        identity = service.reveal_identity(current_user, resident, private_key=unlock(), now=utcnow(), source=source())
    except service.VaultLocked as error:
        db.session.commit()  # keeps the audit row of the failed read
        return _locked(error)
    db.session.commit()
    return render_template("vault/resident.html", resident=resident, identity=identity,
                                     action_form=ActionForm(), colleagues=service.handover_colleagues(current_user))


def _parse_day(text):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else None
    except ValueError:
        return None


@bp.route("/bewoners/<int:resident_id>/inzage")
@role_required(Role.FAMILY_WORKER)
def resident_log(resident_id):
    """Show who accessed this resident and when (NEN 7513 §9), filterable by period."""
    resident = access_own_resident(current_user, resident_id)
    start_day, end_day = _parse_day(request.args.get("van", "")), _parse_day(request.args.get("tot", ""))
    start = datetime.combine(start_day, time.min, AMSTERDAM) if start_day else None
    end = datetime.combine(end_day + timedelta(days=1), time.min, AMSTERDAM) if end_day else None
    events = audit.events_for("resident", resident.id, start=start, end=end)
    actor_ids = {e.actor_user_id for e in events if e.actor_user_id} | {
        e.on_behalf_of_user_id for e in events if e.on_behalf_of_user_id}
    actors = {u.id: u for u in db.session.scalars(db.select(User).filter(User.id.in_(actor_ids)))} if actor_ids else {}
    return render_template(
        "vault/resident_log.html", resident=resident, events=events, actors=actors, Role=Role,
        action_labels=ACTION_LABELS, outcome_labels=OUTCOME_LABELS,
        start=start_day.isoformat() if start_day else "", end=end_day.isoformat() if end_day else "",
    )


# --- administration: recovery key and recovery ceremony -------------------------------


@bp.route("/beheer/herstelsleutel", methods=["GET", "POST"])
@role_required(Role.ADMIN)
@step_up_required()
def admin_recovery_key():
    """Show the recovery key's fingerprint; generate one and print its kit once."""
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        key, kit = service.create_recovery_key(current_user, now=utcnow(), source=source())
        db.session.commit()
        # The kit is rendered once into this response and kept nowhere.
        return render_template("vault/admin/recovery_kit.html", key=key, kit=kit)
    return render_template("vault/admin/recovery_key.html", key=service.current_recovery_key(), form=form)


def _family_workers():
    users = db.session.scalars(db.select(User).filter(User.role_rows.any(role=Role.FAMILY_WORKER.value)).order_by(User.name))
    return list(users)


@bp.route("/beheer/herstel", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.COORDINATOR)
@step_up_required()
def admin_recovery():
    """List recovery requests; an admin starts a new one (four-eyes: someone else completes it)."""
    form = StartRecoveryForm()
    workers = _family_workers()
    choices = [(0, _("— kies —"))] + [(u.id, f"{u.name} ({u.email})") for u in workers]
    form.from_user.choices = choices
    form.to_user.choices = choices
    if request.method == "POST":
        if not current_user.has_role(Role.ADMIN):
            abort(403)
        if form.validate_on_submit():
            try:
                service.start_recovery(current_user, db.session.get(User, form.from_user.data),
                                       db.session.get(User, form.to_user.data), now=utcnow(), source=source())
            except service.VaultError as error:
                db.session.rollback()
                getattr(form, error.field or "to_user").errors.append(error.message)
            else:
                db.session.commit()
                flash(_("Het herstel is gestart. Een andere beheerder of coördinator rondt het af met de herstelsleutel."), "success")
                return redirect(url_for("vault.admin_recovery"))
    requests_ = list(db.session.scalars(db.select(RecoveryRequest).order_by(RecoveryRequest.id.desc()).limit(50)))
    return render_template("vault/admin/recovery.html", form=form, requests=requests_,
                                     key=service.current_recovery_key())


@bp.route("/beheer/herstel/<int:request_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.COORDINATOR)
# Asked already on the page, before the kit is pasted; a kit is never echoed back.
@step_up_required(methods=("GET", "POST"), secret_fields=("kit",))
def admin_complete_recovery(request_id):
    """Complete a recovery request by pasting the recovery kit (one POST, never stored)."""
    recovery = db.session.get(RecoveryRequest, request_id)
    if recovery is None:
        abort(404)
    form = CompleteRecoveryForm()
    if recovery.completed_at is None and form.validate_on_submit():
        kit = form.kit.data
        form.kit.data = ""  # never echo the kit back into the page
        try:
            count = service.complete_recovery(recovery, current_user, kit, now=utcnow(), source=source())
        except service.VaultError as error:
            # Every refusal happens before anything changed; committing keeps
            # only the audit row of the failed attempt (written by the service).
            db.session.commit()
            form.kit.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Herstel afgerond: %(n)d bewoner(s) overgedragen.", n=count), "success")
            return redirect(url_for("vault.admin_recovery"))
    form.kit.data = ""
    return render_template("vault/admin/complete_recovery.html", recovery=recovery, form=form,
                                     key=service.current_recovery_key())


menu_item("vault.residents", _l("Mijn bewoners"), roles=(Role.FAMILY_WORKER,), order=10)
home_card(
    "vault.residents",
    _l("Mijn bewoners"),
    _l("Leg bewoners vast over wie je vragen stelt. Alleen jij kunt hun naam en geboortedatum zien."),
    roles=(Role.FAMILY_WORKER,),
    order=10,
)
home_card(
    "vault.admin_recovery",
    _l("Herstel van bewoners"),
    _l("Draag de bewoners van een vertrokken of buitengesloten gezinswerker over met de herstelsleutel."),
    roles=(Role.ADMIN, Role.COORDINATOR),
    order=88,
)
