"""`flask vault purge`: erase identities whose retention has ended (for cron).

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
        """Erase every identity past its retention date, then finish every erasure (daily)."""
        from . import service

        count = service.purge_expired(utcnow())
        db.session.commit()
        click.echo(f"Erased {count} identities.")
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
