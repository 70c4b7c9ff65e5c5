"""Who may see and change which account objects.

Views never load these objects themselves: they call one function here, which
answers 404 for missing and forbidden objects alike, so an id reveals nothing.
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..extensions import db
from .models import ExpertiseArea, Organisation, Role, Team, User

MANAGER_ROLES = (Role.ADMIN, Role.COORDINATOR)


def role_required(*roles):
    """Let through logged-in users holding one of the roles; 403 for the others."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_manage_user(actor, user):
    """Admins manage everyone; coordinators manage family workers and experts only."""
    if actor.has_role(Role.ADMIN):
        return True
    if actor.has_role(Role.COORDINATOR):
        return bool(user.roles) and user.roles <= {Role.FAMILY_WORKER, Role.EXPERT}
    return False


def access_managed_user(actor, user_id):
    """Return the user `actor` may manage, or 404.

    Admins may manage every account; coordinators only accounts that hold no
    other roles than family worker and expert.
    """
    user = db.session.get(User, user_id)
    if user is None or not can_manage_user(actor, user):
        abort(404)
    return user


def _get_or_404(model, object_id):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def access_organisation(actor, organisation_id):
    """Return an organisation for an admin to change, or 404."""
    if not actor.has_role(Role.ADMIN):
        abort(404)
    return _get_or_404(Organisation, organisation_id)


def access_team(actor, team_id):
    """Return a team for an admin to change, or 404."""
    if not actor.has_role(Role.ADMIN):
        abort(404)
    return _get_or_404(Team, team_id)


def access_expertise_area(actor, area_id):
    """Return an expertise area for an admin to change, or 404."""
    if not actor.has_role(Role.ADMIN):
        abort(404)
    return _get_or_404(ExpertiseArea, area_id)
