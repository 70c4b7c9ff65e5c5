"""Administration pages: users, organisations, teams and expertise areas.

Admins manage everything; coordinators invite and manage family workers and
experts and can read the lists of teams, organisations and areas.
"""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import service as audit
from ..core.forms import ActionForm
from ..core.params import page_arg
from ..core.mail import send_mail
from ..core.time import utcnow
from ..extensions import db
from . import service, twofactor
from .stepup import require_step_up, step_up_required
from .access import (
    MANAGER_ROLES,
    access_expertise_area,
    access_managed_user,
    access_organisation,
    access_team,
    can_manage_user,
    role_required,
)
from .forms import EditUserForm, ExpertiseAreaForm, InviteUserForm, OrganisationForm, TeamForm
from .models import ExpertiseArea, Organisation, Role, Team, User
from .views import bp

PAGE_SIZE = 50


def _fill_profile_choices(form):
    form.roles.choices = [(r.value, r.label) for r in service.assignable_roles(current_user)]
    form.team.choices = [("", _("— geen —"))] + [
        (t.id, t.name) for t in db.session.scalars(db.select(Team).order_by(Team.name))
    ]
    form.organisation.choices = [("", _("— geen —"))] + [
        (o.id, o.name)
        for o in db.session.scalars(db.select(Organisation).order_by(Organisation.name))
    ]
    form.expertise_areas.choices = [
        (a.id, a.name)
        for a in db.session.scalars(db.select(ExpertiseArea).order_by(ExpertiseArea.name))
    ]


def _profile_args(form):
    return dict(
        name=form.name.data,
        roles=form.roles.data,
        team=db.session.get(Team, form.team.data) if form.team.data else None,
        organisation=(
            db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        ),
        areas=[db.session.get(ExpertiseArea, i) for i in form.expertise_areas.data],
    )


def _send_invitation(user, token):
    """E-mail the invitation link; links are built from BASE_URL, not the Host header."""
    link = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "accounts.accept_invitation", token=token
    )
    send_mail(
        user.email,
        _("Uitnodiging voor het Platform Expertise Jeugd"),
        render_template("accounts/email/invitation.txt", link=link, user=user),
    )


@bp.route("/beheer")
@role_required(*MANAGER_ROLES)
def admin_index():
    """Show the administration overview."""
    counts = {
        "users": db.session.scalar(db.select(db.func.count(User.id))),
        "organisations": db.session.scalar(db.select(db.func.count(Organisation.id))),
        "teams": db.session.scalar(db.select(db.func.count(Team.id))),
        "areas": db.session.scalar(db.select(db.func.count(ExpertiseArea.id))),
    }
    return render_template("accounts/admin/index.html", counts=counts)


@bp.route("/beheer/gebruikers")
@role_required(*MANAGER_ROLES)
def admin_users():
    """List accounts, filterable by role and by name or e-mail."""
    query = db.select(User).order_by(User.name)
    role = request.args.get("rol", "")
    if role in {r.value for r in Role}:
        query = query.where(User.role_rows.any(role=role))
    search = request.args.get("zoek", "").strip()
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            db.or_(db.func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    # Parsed here, not by paginate(): a 25-digit page number overflowed the
    # database's OFFSET integer and gave a 500 (found by the fuzzer).
    page_number = page_arg()
    page = db.paginate(query, page=page_number, per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "accounts/admin/users.html",
        page=page,
        role=role,
        search=search,
        Role=Role,
        can_manage=lambda user: can_manage_user(current_user, user),
        action_form=ActionForm(),
    )


@bp.route("/beheer/gebruikers/uitnodigen", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def admin_invite_user():
    """Create an account and e-mail its invitation link."""
    form = InviteUserForm()
    _fill_profile_choices(form)
    if form.validate_on_submit():
        try:
            user, token = service.invite_user(
                current_user, email=form.email.data, now=utcnow(), **_profile_args(form)
            )
        except service.AccountError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            _send_invitation(user, token)
            flash(_("De uitnodiging is verstuurd naar %(email)s.", email=user.email), "success")
            return redirect(url_for("accounts.admin_users"))
    return render_template("accounts/admin/invite_user.html", form=form)


@bp.route("/beheer/gebruikers/<int:user_id>", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def admin_edit_user(user_id):
    """Change a user's name, roles, team, organisation and areas."""
    user = access_managed_user(current_user, user_id)
    form = EditUserForm(obj=None if request.method == "POST" else user)
    _fill_profile_choices(form)
    if request.method == "GET":
        form.roles.data = [r.value for r in user.roles]
        form.team.data = user.team_id
        form.organisation.data = user.organisation_id
        form.expertise_areas.data = [a.id for a in user.expertise_areas]
    if form.validate_on_submit():
        if set(form.roles.data or []) != {r.value for r in user.roles}:
            confirm = require_step_up()  # role changes need a recent password or code
            if confirm is not None:
                return confirm
        try:
            service.update_user(current_user, user, **_profile_args(form))
        except service.AccountError as error:
            getattr(form, error.field or "name").errors.append(error.message)
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("De gegevens zijn opgeslagen."), "success")
            return redirect(url_for("accounts.admin_users"))
    return render_template(
        "accounts/admin/edit_user.html", form=form, user=user, action_form=ActionForm()
    )


@bp.route("/beheer/gebruikers/<int:user_id>/deactiveren", methods=["POST"])
@role_required(*MANAGER_ROLES)
@step_up_required()
def admin_deactivate_user(user_id):
    """Deactivate an account; its sessions end at once."""
    return _set_active(user_id, False)


@bp.route("/beheer/gebruikers/<int:user_id>/activeren", methods=["POST"])
@role_required(*MANAGER_ROLES)
def admin_activate_user(user_id):
    """Reactivate a deactivated account."""
    return _set_active(user_id, True)


def _set_active(user_id, active):
    user = access_managed_user(current_user, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.set_user_active(current_user, user, active)
    except service.AccountError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _("%(name)s is weer actief.", name=user.name)
            if active
            else _("%(name)s is gedeactiveerd.", name=user.name),
            "success",
        )
    return redirect(url_for("accounts.admin_edit_user", user_id=user.id))


@bp.route("/beheer/gebruikers/<int:user_id>/opnieuw-uitnodigen", methods=["POST"])
@role_required(*MANAGER_ROLES)
def admin_reinvite_user(user_id):
    """Send a new invitation link; earlier open links stop working."""
    user = access_managed_user(current_user, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        token = service.reinvite_user(current_user, user, utcnow())
    except service.AccountError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        _send_invitation(user, token)
        flash(_("Er is een nieuwe uitnodiging verstuurd naar %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.admin_edit_user", user_id=user.id))


@bp.route("/beheer/gebruikers/<int:user_id>/wachtwoord-herstellen", methods=["POST"])
@role_required(*MANAGER_ROLES)
def admin_reset_password(user_id):
    """Clear a forgotten password and e-mail a link to choose a new one."""
    user = access_managed_user(current_user, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        token = service.reset_password(current_user, user, utcnow())
    except service.AccountError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        _send_invitation(user, token)
        flash(_("Er is een link om een nieuw wachtwoord te kiezen verstuurd naar %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.admin_edit_user", user_id=user.id))


@bp.route("/beheer/gebruikers/<int:user_id>/tweestaps-herstellen", methods=["POST"])
@role_required(*MANAGER_ROLES)
@step_up_required()
def admin_reset_totp(user_id):
    """Remove a person's second factor after a lost phone; they set up a new one at their next login.

    Audited. The manager must first verify the person's identity outside
    the platform (in person or by a call back to a known number).
    """
    user = access_managed_user(current_user, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    now = utcnow()
    try:
        twofactor.reset_second_factor(current_user, user, now)
    except service.AccountError as error:
        flash(error.message, "error")
    else:
        audit.record(audit.TOTP_RESET, actor=current_user, now=now, object_type="user", object_id=user.id,
                     source=audit.Source(ip=request.remote_addr))
        db.session.commit()
        flash(_("De tweestapsverificatie van %(name)s is hersteld. Bij de volgende keer inloggen stelt %(name)s "
                "een nieuwe authenticator-app in.", name=user.name), "success")
    return redirect(url_for("accounts.admin_edit_user", user_id=user.id))


# --- organisations, teams, expertise areas -------------------------------------

_SIMPLE = {
    "organisations": dict(
        model=Organisation,
        form=OrganisationForm,
        access=access_organisation,
        save=service.save_organisation,
        title=lambda: _("Organisaties"),
        singular=lambda: _("organisatie"),
    ),
    "teams": dict(
        model=Team,
        form=TeamForm,
        access=access_team,
        save=service.save_team,
        title=lambda: _("Buurtteams"),
        singular=lambda: _("buurtteam"),
    ),
    "areas": dict(
        model=ExpertiseArea,
        form=ExpertiseAreaForm,
        access=access_expertise_area,
        save=service.save_expertise_area,
        title=lambda: _("Expertisegebieden"),
        singular=lambda: _("expertisegebied"),
    ),
}


def _save_args(kind, form):
    args = dict(name=form.name.data, active=form.active.data)
    if kind == "areas":
        args["description"] = form.description.data or ""
    return args


def _list_view(kind):
    spec = _SIMPLE[kind]
    form = spec["form"]()
    if form.validate_on_submit():
        if not current_user.has_role(Role.ADMIN):
            abort(403)
        try:
            spec["save"](None, **_save_args(kind, form))
        except service.AccountError as error:
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Toegevoegd."), "success")
            return redirect(request.path)
    items = db.session.scalars(db.select(spec["model"]).order_by(spec["model"].name)).all()
    return render_template(
        "accounts/admin/simple_list.html",
        kind=kind,
        title=spec["title"](),
        singular=spec["singular"](),
        items=items,
        form=form,
        may_edit=current_user.has_role(Role.ADMIN),
    )


def _edit_view(kind, object_id):
    spec = _SIMPLE[kind]
    obj = spec["access"](current_user, object_id)
    form = spec["form"](obj=obj)
    if form.validate_on_submit():
        try:
            spec["save"](obj, **_save_args(kind, form))
        except service.AccountError as error:
            getattr(form, error.field or "name").errors.append(error.message)
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("De wijzigingen zijn opgeslagen."), "success")
            return redirect(url_for(f"accounts.admin_{kind}"))
    return render_template(
        "accounts/admin/simple_edit.html",
        kind=kind,
        title=spec["title"](),
        singular=spec["singular"](),
        obj=obj,
        form=form,
    )


@bp.route("/beheer/organisaties", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def admin_organisations():
    """List organisations; admins add new ones."""
    return _list_view("organisations")


@bp.route("/beheer/organisaties/<int:object_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_edit_organisations(object_id):
    """Rename or (de)activate an organisation."""
    return _edit_view("organisations", object_id)


@bp.route("/beheer/teams", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def admin_teams():
    """List neighbourhood teams; admins add new ones."""
    return _list_view("teams")


@bp.route("/beheer/teams/<int:object_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_edit_teams(object_id):
    """Rename or (de)activate a neighbourhood team."""
    return _edit_view("teams", object_id)


@bp.route("/beheer/expertisegebieden", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def admin_areas():
    """List expertise areas; admins add new ones."""
    return _list_view("areas")


@bp.route("/beheer/expertisegebieden/<int:object_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_edit_areas(object_id):
    """Rename, describe or (de)activate an expertise area."""
    return _edit_view("areas", object_id)
