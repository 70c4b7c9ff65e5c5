"""Login, logout, invitations, language and the home page of each role."""
from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..audit import service as audit
from ..core.forms import ActionForm
from ..core.templating import home_card, menu_item
from ..core.time import utcnow
from ..extensions import db, limiter
from ..vault import session as vault_session  # the small login hook of the vault
from . import service
from .forms import AcceptInvitationForm, ChangePasswordForm, LoginForm
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
        now = utcnow()
        source = audit.Source(ip=request.remote_addr)
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except service.AccountError as error:
            form.password.errors.append(error.message)
            # Pseudonymous: the account id when the account exists, never the e-mail.
            audit.record(audit.LOGIN, actor=getattr(error, "user", None), now=now, outcome=audit.FAILURE,
                         source=source)
            db.session.commit()
        else:
            language = session.get("lang")
            session.clear()  # a fresh session at login: no fixation
            if language:
                session["lang"] = language
            sid = service.start_session(user, now, request.user_agent.string or "")
            k_sess = vault_session.open_at_login(user, form.password.data, service.find_session(sid), now)
            audit.record(audit.LOGIN, actor=user, now=now, source=source)
            db.session.commit()
            session["sid"] = sid
            session.permanent = True
            login_user(user, remember=False)
            response = redirect(_safe_next(request.args.get("next")))
            if k_sess is not None:
                vault_session.set_cookie(response, k_sess)
            else:
                vault_session.clear_cookie(response)
            return response
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
    response = redirect(url_for("accounts.login"))
    vault_session.clear_cookie(response)
    return response


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def accept_invitation(token):
    """Let an invited person choose a password and activate the account."""
    invitation = service.find_invitation(token, utcnow())
    if invitation is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = AcceptInvitationForm()
    has_key = vault_session.has_key(invitation.user)
    if form.validate_on_submit():
        now = utcnow()
        try:
            user = service.accept_invitation(invitation, form.password.data, now)
            code = vault_session.enrol(user, form.password.data, now, recovery_code=form.recovery_code.data,
                                       source=audit.Source(ip=request.remote_addr))
        except (service.AccountError, vault_session.VaultError) as error:
            db.session.rollback()
            getattr(form, error.field or "password", form.password).errors.append(error.message)
        else:
            db.session.commit()
            if code:
                # Shown once, in this response only; the server keeps just the wrap under it.
                response = make_response(render_template("accounts/recovery_code.html", code=code))
                response.headers["Cache-Control"] = "no-store"
                return response
            flash(_("Je account is geactiveerd. Log in met je nieuwe wachtwoord."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation, has_key=has_key)


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


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password (the current one is needed); other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            service.change_password(current_user, form.current_password.data, form.password.data)
            vault_session.change_password(current_user, form.current_password.data, form.password.data, now)
        except (service.AccountError, vault_session.VaultError) as error:
            db.session.rollback()
            getattr(form, error.field or "current_password", form.current_password).errors.append(error.message)
        else:
            service.end_other_sessions(current_user, g.user_session)
            audit.record(audit.PASSWORD_CHANGE, actor=current_user, now=now, object_type="user",
                         object_id=current_user.id, source=audit.Source(ip=request.remote_addr))
            db.session.commit()
            flash(_("Je wachtwoord is gewijzigd. Je andere sessies zijn beëindigd."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/sessies")
@login_required
def sessions():
    """List the person's own sessions, this one marked, with a button to end the others."""
    return render_template(
        "accounts/sessions.html",
        rows=service.own_sessions(current_user),
        current=g.user_session,
        action_form=ActionForm(),
    )


@bp.route("/account/sessies/<int:session_id>/beeindigen", methods=["POST"])
@login_required
def end_session(session_id):
    """End one of the person's own sessions (another browser, a forgotten computer)."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if not service.end_own_session(current_user, session_id):
        abort(404)
    db.session.commit()
    flash(_("De sessie is beëindigd."), "success")
    return redirect(url_for("accounts.sessions"))


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
