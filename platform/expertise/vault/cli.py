"""`flask vault purge`: erase identities and case texts whose retention has ended (for cron).

Identities go IDENTITY_RETENTION_DAYS after closing; the texts and thread of a
closed question CASE_TEXT_RETENTION_DAYS after closing (default 730: 24 months),
leaving a published knowledge-base summary, which is a record of its own.

Needs no key: crypto-shredding deletes the ciphertext and every wrap. Both
commands then finish every erasure committed so far, also those of the pages
(identity erasure, redaction, draft deletion): a checkpoint on SQLite, VACUUM
of the tables erasures touch on PostgreSQL (`core.erasure`).
"""
import click

from ..core import erasure
from ..core.time import utcnow
from ..extensions import db


def init_app(app):
    group = click.Group("vault", help="Identity vault jobs.")

    @group.command("purge")
    def purge_command():
        """Erase every identity and case text past its retention date, then finish every erasure (daily)."""
        from ..questions import service as questions
        from . import service

        now = utcnow()
        count = service.purge_expired(now)
        db.session.commit()
        click.echo(f"Erased {count} identities.")
        texts = questions.purge_case_texts(now)
        db.session.commit()
        click.echo(f"Emptied the texts of {texts} closed questions.")
        erasure.finish_erasures()

    @group.command("replay-tombstones")
    def replay_command():
        """After restoring a backup: erase again every identity that was erased before, then finish."""
        from . import service

        count = service.replay_tombstones(utcnow())
        db.session.commit()
        click.echo(f"Erased {count} identities again.")
        erasure.finish_erasures()

    app.cli.add_command(group)
