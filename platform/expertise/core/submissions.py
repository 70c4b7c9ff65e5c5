"""One-time submission keys: a form sent twice creates one thing, and the second send gets the first result.

A browser sends a form again when its author retries after an error page, a
time-out or a double click, while the first send may have been saved. Each
form that creates something (a question, a post) carries a random key in a
hidden field (`SubmissionKeyMixin`, rendered by the `csrf_field` template
global). The view asks `first_result` before doing the work, and after the
work (in the same transaction) `record_result` stores the key with the
address of what it made. A second send with the same key then finds the
first result instead of creating a second; two sends at the same moment
meet at the unique (user, key) constraint, and the later one rolls back and
gets the first one's address (`SubmissionRepeated`, then `answer_repeated`).
No savepoint: SQLAlchemy runs the session's after-commit hooks (events,
e-mail) when a savepoint is released, before the transaction commits.

Keys are kept for KEY_LIFETIME: long enough for any retry, and a form older
than that gets a new key when it is opened again. Each recorded key removes
the expired ones.
"""
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField
from wtforms.validators import ValidationError

from ..extensions import db
from .database import UtcDateTime

KEY_LIFETIME = timedelta(days=1)
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class SubmissionKey(db.Model):
    """A submission key used by a user, and the address of what its first send created."""

    __tablename__ = "submission_key"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(64))
    result_url: Mapped[str] = mapped_column(sa.String(300))
    created_at = mapped_column(UtcDateTime, nullable=False, index=True)


class SubmissionRepeated(Exception):
    """This key was used already (by a send that committed first): roll back, then `answer_repeated`."""


def new_key():
    """Return a fresh random key for a form."""
    return secrets.token_urlsafe(24)


def _well_formed(form, field):
    """Refuse a damaged key, and give the form a fresh one so that sending it again works."""
    if field.data and not KEY_PATTERN.fullmatch(field.data):
        field.data = new_key()
        raise ValidationError(_l("Het formulier was beschadigd. Controleer je tekst en verstuur het opnieuw."))


class SubmissionKeyMixin:
    """A form field with the one-time submission key (a new one on every fresh form).

    A form sent without a key (opened before keys existed) is accepted, without the check.
    """

    submission_key = HiddenField(default=new_key, validators=[_well_formed])


def first_result(user, key):
    """Return the address the first send with this key led to, or None when the key is new (or None)."""
    if not key:
        return None
    return db.session.scalar(
        sa.select(SubmissionKey.result_url).where(SubmissionKey.user_id == user.id, SubmissionKey.key == key)
    )


def answer_repeated(user, key):
    """The view's answer to a form sent again: the first send's result (what it created), not a second one."""
    flash(_("Dit formulier was al verstuurd en is bewaard; je ziet hieronder het resultaat."), "info")
    return redirect(first_result(user, key) or url_for("questions.index"))


def record_result(user, key, result_url, *, now):
    """Store the key with what its send created; raise SubmissionRepeated when another send got there first.

    Call it after the work, in the same transaction: when it raises, the
    caller rolls back its work and answers with `answer_repeated`. Without
    a key (a form from before keys existed) nothing is recorded.
    """
    if not key:
        return
    db.session.flush()  # the work's own errors are its own, not a repeated key
    db.session.execute(sa.delete(SubmissionKey).where(SubmissionKey.created_at < now - KEY_LIFETIME))
    db.session.add(SubmissionKey(user_id=user.id, key=key, result_url=result_url, created_at=now))
    try:
        db.session.flush()
    except IntegrityError:
        raise SubmissionRepeated() from None
