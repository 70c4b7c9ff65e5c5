"""Send e-mail through Flask-Mail; in development, write it to instance/mail/.

Callers pass fixed texts with links only: e-mail leaves the platform's
protection, so no case content and no identity ever goes into one. The log
records that a message went out, never its recipients' links or body.
"""
import logging
from pathlib import Path

from flask import current_app
from flask_mail import Message

from ..extensions import mail
from .time import utcnow

log = logging.getLogger(__name__)


def send_mail(recipient, subject, body):
    """Send one plain-text e-mail to one recipient."""
    message = Message(subject=subject, recipients=[recipient], body=body)
    mail.send(message)
    directory = current_app.config.get("MAIL_FILE_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        target = path / f"{utcnow():%Y%m%dT%H%M%S%f}.eml"
        target.write_text(message.as_string())
        target.chmod(0o600)
        log.info("e-mail written to %s", target.name)
