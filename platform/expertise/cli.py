"""Flask command-line commands (`flask --app run <command>`)."""
import click
from flask import current_app

from .extensions import db


def init_app(app):
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed when there are no accounts yet.")
    def seed_demo_command(if_empty):
        """Create the demo world (idempotent) and print the demo logins."""
        from .accounts.models import User
        from .demo import DEMO_PASSWORD, seed_demo

        if current_app.config.get("ENV_NAME") == "production":
            raise click.ClickException("seed-demo refuses to run in production")
        if if_empty and db.session.scalar(db.select(db.func.count(User.id))):
            click.echo("Database has accounts already; demo world not seeded.")
        else:
            seed_demo()
            db.session.commit()
            click.echo("Demo world ready.")
        print_demo_logins()

    def print_demo_logins():
        from .demo import ACCOUNTS, DEMO_PASSWORD

        click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for email, name, roles, *_ in ACCOUNTS:
            click.echo(f"  {', '.join(r.value for r in roles):<14} {email}")
