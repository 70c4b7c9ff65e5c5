"""Step-up re-authentication: "bevestig dat jij het bent" before a sensitive action.

Handover, erasure, the recovery ceremony, recovery-key generation, role
changes, deactivation and resetting someone's second factor need a password
or code from the last STEP_UP_VALIDITY (5 minutes), kept as
`user_session.reauth_at`. Logging in counts as one.

For a POST the confirmation page carries the form the person just sent as
hidden fields and posts back to the same address: after a right password or
code the original view runs with the original input, so nobody retypes.
Fields named in `secret_fields` (the recovery kit) are never echoed into a
page; the person pastes them again. For a GET the page posts to
`accounts.step_up`, which returns to the page afterwards.
"""
from functools import wraps

from flask import g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..audit import service as audit
from ..core.time import utcnow
from ..extensions import db
from ..vault import session as vault_session  # the small login hook: checks a password with the vault key
from . import service, twofactor
from .forms import StepUpForm

MARKER = "_step_up"
_OWN_FIELDS = {"csrf_token", MARKER, "step_up_password", "step_up_code"}


def _hidden_fields(secret_fields):
    return [(name, value) for name, value in request.form.items(multi=True)
            if name not in _OWN_FIELDS and name not in secret_fields]


def confirm(form, now):
    """Check the step-up form for the logged-in person; return (ok, locked). The caller commits.

    A right password or code renews `reauth_at`; a wrong one counts towards
    the lock of this address like a failed login, and a lock ends every
    session of the account.
    """
    user = current_user._get_current_object()
    password = form.step_up_password.data or ""
    code = (form.step_up_code.data or "").strip()
    ok = False
    how = ""
    if password:
        ok, _material = service.check_password(user, password, vault_session)
        how = "password"
    elif code:
        how = twofactor.verify_second_factor(user, code, now) or "code"
        ok = how in (twofactor.TOTP, twofactor.RECOVERY)
    if not how:
        return False, False  # nothing typed: not an attempt
    source = audit.Source(ip=request.remote_addr)
    if ok:
        twofactor.mark_step_up(g.user_session, now)
        audit.record(audit.STEP_UP, actor=user, now=now, source=source, detail=how)
        return True, False
    locked = service.register_failure(user, now, source=request.remote_addr)
    audit.record(audit.STEP_UP, actor=user, now=now, outcome=audit.FAILURE, source=source, detail=how)
    if locked:
        audit.record(audit.LOGIN_LOCK, actor=user, now=now, object_type="user", object_id=user.id, source=source)
        service.end_all_sessions(user)
    return False, locked


def locked_out():
    logout_user()
    session.clear()
    response = redirect(url_for("accounts.login"))
    vault_session.clear_cookie(response)
    return response


def require_step_up(secret_fields=()):
    """Return None when the person may go on, else the response that asks them to confirm."""
    now = utcnow()
    if twofactor.step_up_is_fresh(g.get("user_session"), now):
        return None
    form = StepUpForm()
    error = None
    if request.method == "POST" and request.form.get(MARKER) == "1":
        ok, locked = confirm(form, now)
        db.session.commit()
        if ok:
            return None
        if locked:
            return locked_out()
        error = _("Dit wachtwoord of deze code klopt niet. Probeer het opnieuw.")
    if request.method == "POST":
        action = request.full_path.rstrip("?")
    else:
        action = url_for("accounts.step_up", next=request.full_path.rstrip("?"))
    return render_template(
        "accounts/step_up.html", form=form, action=action, hidden=_hidden_fields(secret_fields),
        error=error, dropped=[n for n in secret_fields if request.form.get(n)], marker=MARKER,
    )


def step_up_required(methods=("POST",), secret_fields=()):
    """Ask for a recent password or code before the view runs for these methods."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.method in methods and current_user.is_authenticated:
                response = require_step_up(secret_fields)
                if response is not None:
                    return response
            return view(*args, **kwargs)

        return wrapped

    return decorator
