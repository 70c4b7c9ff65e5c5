"""`flask vault purge`: erase identities whose retention has ended (for cron).

Needs no key: crypto-shredding deletes the ciphertext and every wrap.
"""
import click

from ..core.time import utcnow
from ..extensions import db


def init_app(app):
    group = click.Group("vault", help="Identity vault jobs.")

    @group.command("purge")
    def purge_command():
        """Erase every resident identity past its retention date."""
        from . import service

        count = service.purge_expired(utcnow())
        db.session.commit()
        click.echo(f"Erased {count} identities.")

    @group.command("replay-tombstones")
    def replay_command():
        """After restoring a backup: erase again every identity that was erased before."""
        from . import service

        count = service.replay_tombstones(utcnow())
        db.session.commit()
        click.echo(f"Erased {count} identities again.")

    app.cli.add_command(group)
