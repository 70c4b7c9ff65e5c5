"""Who may open which resident: only its owner.

Views never load a resident themselves. A missing resident and someone
else's resident both answer 404 (so an id reveals nothing), and the failed
attempt is written to the audit trail.
"""
from flask import abort, request

from ..audit import service as audit
from ..core.time import utcnow
from ..extensions import db
from .models import Resident


def source():
    """Return the audit access point of this request."""
    return audit.Source(ip=request.remote_addr)


def access_own_resident(user, resident_id):
    """Return the user's own, not erased resident, or 404 (audited as resource denied).

    The denial is committed here because the 404 ends the request before
    the view could commit.
    """
    resident = db.session.get(Resident, resident_id)
    if resident is None or resident.owner_id != user.id or resident.is_erased:
        db.session.rollback()
        audit.record(audit.RESIDENT_ACCESS_DENIED, actor=user, now=utcnow(), object_type="resident",
                     object_id=resident_id, outcome=audit.DENIED, source=source())
        db.session.commit()
        abort(404)
    return resident
