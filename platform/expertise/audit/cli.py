"""`flask audit verify`: check the HMAC chain and print OK or the first broken row."""
import click

from . import service


def init_app(app):
    group = click.Group("audit", help="Check the audit trail.")

    @group.command("verify")
    def verify_command():
        """Print OK with the chain head, or the seq of the first broken row (exit code 1)."""
        broken = service.verify_chain()
        if broken is not None:
            click.echo(f"BROKEN at seq {broken}")
            raise SystemExit(1)
        seq, mac = service.chain_head()
        click.echo(f"OK {seq} events; head {seq} {mac}")

    app.cli.add_command(group)
