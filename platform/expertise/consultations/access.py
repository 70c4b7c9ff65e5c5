"""Who may see and change which consultation, meeting and agenda item.

Views never load these objects themselves: they call one function here,
which answers 404 for missing and forbidden objects alike.
"""
from flask import abort

from ..accounts.models import Role
from ..extensions import db
from .models import AgendaItem, Consultation, Meeting
from .service import can_see_meeting, live_assignment

# Roles that take part in meetings; moderators and admins do not.
MEETING_ROLES = (Role.FAMILY_WORKER, Role.EXPERT, Role.COORDINATOR)


def access_series(user, series_id):
    """Return a series for a coordinator to manage, or 404 (only coordinators manage)."""
    series = db.session.get(Consultation, series_id)
    if series is None or not user.has_role(Role.COORDINATOR):
        abort(404)
    return series


def access_meeting(user, meeting_id):
    """Return a meeting `user` may see, or 404.

    Coordinators see every meeting; experts and family workers only those they
    take part in: standing or invited experts, owners of questions on the agenda.
    """
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not can_see_meeting(user, meeting):
        abort(404)
    return meeting


def access_managed_meeting(user, meeting_id):
    """Return a meeting for a coordinator to manage, or 404."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not user.has_role(Role.COORDINATOR):
        abort(404)
    return meeting


def access_agenda_item(user, item_id):
    """Return an agenda item for a coordinator to manage, or 404."""
    item = db.session.get(AgendaItem, item_id)
    if item is None or not user.has_role(Role.COORDINATOR):
        abort(404)
    return item


def access_assignment(user, question_id):
    """Return `user`'s open or accepted assignment of a question they may see, or 404.

    Only the assigned expert answers an assignment; for anyone else (and for a
    question they cannot see, or that does not exist) it does not exist.
    """
    from ..questions.service import can_see_question

    assignment = live_assignment(user, question_id)
    if assignment is None or not can_see_question(user, assignment.question):
        abort(404)
    return assignment
