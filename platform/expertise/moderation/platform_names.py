"""The display names of the platform's active users, for the personal-data checks.

"Eens met Eva" names a colleague on the platform, not a family: the guard and the
moderation checks do not flag a user's name used for that user (`pii.PlatformNames`).
A resident may share a name with a user, so the exemption never applies where a
resident or relative is named ("dochter Eva", "Eva (12)"), and never to the resident's
known identity, which the owner's texts are always checked against (it blocks).

Cheap: one query for the names of active users, kept per app and process for
`TTL` seconds and dropped at once when a user is added or changed in this process
(other processes see the change within `TTL`). Only names; no other column is read.
"""
import time

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .pii import PlatformNames

TTL = 60.0
_KEY = "expertise.platform_names"


def platform_names():
    """Return the PlatformNames of the active users (cached; see the module doc)."""
    from ..accounts.models import User  # noqa: PLC0415  (accounts imports moderation)

    cached = current_app.extensions.get(_KEY)
    now = time.monotonic()
    if cached is not None and now - cached[0] < TTL:
        return cached[1]
    names = PlatformNames.of(db.session.scalars(sa.select(User.name).where(User.active.is_(True))))
    current_app.extensions[_KEY] = (now, names)
    return names


@event.listens_for(Session, "after_flush")
def _users_changed(session, _context):
    """Drop the cached names when this process adds, changes or deletes a user."""
    from ..accounts.models import User  # noqa: PLC0415

    if any(isinstance(o, User) for o in (*session.new, *session.dirty, *session.deleted)):
        try:
            current_app.extensions.pop(_KEY, None)
        except RuntimeError:  # no app context (scripts): nothing cached
            pass
