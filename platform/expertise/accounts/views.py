"""Login, logout, invitations, language and the home page of each role."""
from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..audit import service as audit
from ..core.forms import ActionForm
from ..core.redirects import safe_next
from ..core.templating import home_card, menu_item
from ..core.time import utcnow
from ..extensions import db, limiter
from ..vault import session as vault_session  # the small login hook of the vault
from . import service, stepup, twofactor
from .forms import AcceptInvitationForm, ChangePasswordForm, CodeForm, EnrolCodeForm, LoginForm, StepUpForm
from .models import Role

bp = Blueprint("accounts", __name__)


@bp.route("/")
@login_required
def home():
    """Show what the logged-in person can do next, per role."""
    return render_template("accounts/home.html", roles=current_user.roles, Role=Role)


def _fresh_session():
    """Clear the Flask session (no fixation), keeping only the chosen language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    """Log in, step one: e-mail and password; one generic message for every failure.

    A right password opens no session: it starts a pending login, and the
    second factor (or its enrolment at the first login) follows.
    """
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    if form.validate_on_submit():
        now = utcnow()
        source = audit.Source(ip=request.remote_addr)
        try:
            user, material = service.authenticate(form.email.data, form.password.data, now=now, vault=vault_session,
                                                  source=request.remote_addr)
        except service.AccountError as error:
            form.password.errors.append(error.message)
            # Pseudonymous: the account id when the account exists, never the e-mail.
            actor = getattr(error, "user", None)
            audit.record(audit.LOGIN, actor=actor, now=now, outcome=audit.FAILURE, source=source,
                         detail="locked" if getattr(error, "locked", False) else "password")
            if getattr(error, "locked_now", False):
                audit.record(audit.LOGIN_LOCK, actor=actor, now=now, object_type="user", object_id=actor.id,
                             source=source)
            db.session.commit()
        else:
            token = twofactor.start_pending_login(user, material, now, safe_next(request.args.get("next")))
            db.session.commit()
            _fresh_session()
            session[PENDING] = token
            return redirect(url_for("accounts.login_code" if user.has_totp else "accounts.enrol_totp"))
    return render_template("accounts/login.html", form=form)


PENDING = "pending_login"


def _pending_login():
    """Return the pending login of this browser, or None (expired, unknown, or none)."""
    row = twofactor.find_pending_login(session.get(PENDING), utcnow())
    db.session.commit()
    return row


def _pending_gone():
    session.pop(PENDING, None)
    flash(_("Je inlogpoging is verlopen of afgebroken. Log opnieuw in."), "info")
    return redirect(url_for("accounts.login"))


def _complete_login(pending, now, how, recovery_codes=None):
    """Turn a pending login into a session after the second factor; set the vault cookie.

    Only here does the person get a `user_session` row, the vault key sealed
    into it and the `ep_vk` cookie.
    """
    user = pending.user
    material = twofactor.pending_material(pending, session.get(PENDING))
    next_path = pending.next_path or url_for("accounts.home")
    twofactor.end_pending_login(pending)
    service.clear_failures(user, now, source=request.remote_addr)
    _fresh_session()
    sid = service.start_session(user, now, request.user_agent.string or "")
    k_sess = vault_session.open_at_login(user, material, service.find_session(sid), now)
    if vault_session.has_key(user):
        service.use_vault_verifier(user)  # from now on one Argon2id per login
    audit.record(audit.LOGIN, actor=user, now=now, source=audit.Source(ip=request.remote_addr), detail=how)
    db.session.commit()
    session["sid"] = sid
    # A browser-session cookie, without Expires: it goes when the browser closes.
    # The server row keeps the idle and absolute time-outs.
    session.permanent = False
    login_user(user, remember=False)
    if recovery_codes:
        # Shown once, in this response only; the server keeps their HMACs.
        response = make_response(render_template("accounts/recovery_codes.html", codes=recovery_codes,
                                             next_path=safe_next(next_path)))
    else:
        response = redirect(safe_next(next_path))
    if k_sess is not None:
        vault_session.set_cookie(response, k_sess)
    else:
        vault_session.clear_cookie(response)
    return response


def _second_factor_failed(pending, now):
    """Count a wrong code; return a redirect when the pending login ended, else None."""
    user = pending.user
    locked = service.register_failure(user, now, source=request.remote_addr)
    source = audit.Source(ip=request.remote_addr)
    audit.record(audit.LOGIN, actor=user, now=now, outcome=audit.FAILURE, source=source, detail="second_factor")
    if locked:
        audit.record(audit.LOGIN_LOCK, actor=user, now=now, object_type="user", object_id=user.id, source=source)
        twofactor.end_pending_login(pending)  # this browser's; the holder's elsewhere stays
    alive = not locked and twofactor.fail_pending_login(pending)
    db.session.commit()
    if not alive:
        return _pending_gone()
    return None


@bp.route("/inloggen/code", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login_code():
    """Log in, step two: a code from the authenticator app, or a recovery code."""
    pending = _pending_login()
    if pending is None:
        return _pending_gone()
    if not pending.user.has_totp:
        return redirect(url_for("accounts.enrol_totp"))
    form = CodeForm()
    if form.validate_on_submit():
        now = utcnow()
        how = twofactor.verify_second_factor(pending.user, form.code.data, now)
        if how is not None:
            return _complete_login(pending, now, how)
        gone = _second_factor_failed(pending, now)
        if gone is not None:
            return gone
        form.code.errors.append(_("Deze code klopt niet of is al gebruikt. Wacht op de volgende code van je app, "
                                  "of gebruik een herstelcode."))
    return render_template("accounts/login_code.html", form=form)


@bp.route("/inloggen/tweestaps-instellen", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def enrol_totp():
    """Set up the authenticator app at the first login (or after an admin reset)."""
    pending = _pending_login()
    if pending is None:
        return _pending_gone()
    user = pending.user
    if user.has_totp:
        return redirect(url_for("accounts.login_code"))
    secret = twofactor.start_enrolment(user)
    db.session.commit()
    form = EnrolCodeForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            codes = twofactor.confirm_enrolment(user, form.code.data, now)
        except service.AccountError as error:
            gone = _second_factor_failed(pending, now)
            if gone is not None:
                return gone
            form.code.errors.append(error.message)
        else:
            audit.record(audit.TOTP_ENROL, actor=user, now=now, object_type="user", object_id=user.id,
                         source=audit.Source(ip=request.remote_addr))
            return _complete_login(pending, now, twofactor.TOTP, recovery_codes=codes)
    uri = twofactor.provisioning_uri(user, secret)
    return render_template("accounts/enrol_totp.html", form=form, qr=twofactor.qr_svg(uri),
                                     secret=twofactor.group_secret(secret))


@bp.route("/bevestigen", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", methods=["POST"])
def step_up():
    """Confirm it is you (password or code), then go back to the page that asked for it."""
    target = safe_next(request.args.get("next"))
    form = StepUpForm()
    error = None
    if request.method == "POST":
        ok, locked = stepup.confirm(form, utcnow())
        db.session.commit()
        if ok:
            return redirect(target)
        if locked:
            return stepup.locked_out()
        error = _("Dit wachtwoord of deze code klopt niet. Probeer het opnieuw.")
    return render_template("accounts/step_up.html", form=form, action=request.full_path, hidden=[],
                                     error=error, dropped=[], marker=stepup.MARKER)


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
            if vault_session.has_key(user):
                service.use_vault_verifier(user)
        except (service.AccountError, vault_session.VaultError) as error:
            db.session.rollback()
            getattr(form, error.field or "password", form.password).errors.append(error.message)
        else:
            db.session.commit()
            if code:
                # Shown once, in this response only; the server keeps just the wrap under it.
                return render_template("accounts/recovery_code.html", code=code)
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
    return redirect(safe_next(request.form.get("next")))


@bp.route("/account")
@login_required
def profile():
    """Show the person's own account: roles, team, organisation, areas."""
    return render_template("accounts/profile.html", user=current_user)


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per minute", methods=["POST"])
def change_password():
    """Change the password (the current one is needed); other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            service.change_password(current_user, form.current_password.data, form.password.data,
                                    vault=vault_session)
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
