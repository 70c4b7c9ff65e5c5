"""Login, logout, invitations, language and the home page of each role."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..core.forms import ActionForm
from ..core.templating import home_card, menu_item
from ..core.time import utcnow
from ..extensions import db, limiter
from . import service
from .forms import AcceptInvitationForm, LoginForm
from .models import Role

bp = Blueprint("accounts", __name__)


def _safe_next(target):
    """Return a local path to continue to after login, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("accounts.home")


@bp.route("/")
@login_required
def home():
    """Show what the logged-in person can do next, per role."""
    return render_template("accounts/home.html", roles=current_user.roles, Role=Role)


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    """Log in with e-mail and password; one generic message for every failure."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except service.AccountError as error:
            form.password.errors.append(error.message)
        else:
            language = session.get("lang")
            session.clear()  # a fresh session at login: no fixation
            if language:
                session["lang"] = language
            sid = service.start_session(
                user, utcnow(), request.user_agent.string or ""
            )
            db.session.commit()
            session["sid"] = sid
            session.permanent = True
            login_user(user, remember=False)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/uitloggen", methods=["POST"])
def logout():
    """End the session here and on the server."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    sid = session.get("sid")
    logout_user()
    session.clear()
    service.end_session(sid)
    db.session.commit()
    flash(_("Je bent uitgelogd."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def accept_invitation(token):
    """Let an invited person choose a password and activate the account."""
    invitation = service.find_invitation(token, utcnow())
    if invitation is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            service.accept_invitation(invitation, form.password.data, utcnow())
        except service.AccountError as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Je account is geactiveerd. Log in met je nieuwe wachtwoord."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)


@bp.route("/taal", methods=["POST"])
def set_language():
    """Switch the interface language between Dutch and English."""
    form = ActionForm()
    language = request.form.get("lang")
    if not form.validate_on_submit() or language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = language
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account")
@login_required
def profile():
    """Show the person's own account: roles, team, organisation, areas."""
    return render_template("accounts/profile.html", user=current_user)


menu_item("accounts.home", _l("Start"), order=0)
menu_item("accounts.admin_index", _l("Beheer"), roles=(Role.ADMIN, Role.COORDINATOR), order=90)
menu_item("accounts.profile", _l("Mijn account"), order=95)
home_card(
    "accounts.admin_users",
    _l("Mensen uitnodigen en beheren"),
    _l("Nodig gezinswerkers en deskundigen uit, wijzig hun rollen en expertisegebieden of deactiveer een account."),
    roles=(Role.ADMIN, Role.COORDINATOR),
    order=80,
)
home_card(
    "accounts.admin_organisations",
    _l("Organisaties, buurtteams en expertisegebieden"),
    _l("Leg vast welke organisaties zijn aangesloten, welke buurtteams vragen stellen en op welke gebieden deskundigen adviseren."),
    roles=(Role.ADMIN,),
    order=85,
)
home_card(
    "accounts.profile",
    _l("Je account"),
    _l("Bekijk je rollen, je team of organisatie en je expertisegebieden."),
    order=99,
)
