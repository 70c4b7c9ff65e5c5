"""Flask command-line commands (`flask --app run <command>`)."""
import click
from flask import current_app

from .core.time import utcnow
from .extensions import db


def init_app(app):
    moderation = click.Group("moderation", help="Measure and retrain the marketing check.")
    privacy = click.Group("privacy", help="Measure the personal-data guard.")

    @moderation.command("evaluate")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--ids", type=click.Choice(["all", "odd", "even"]), default="all")
    @click.option("--cross-validate", "cross", is_flag=True,
                  help="k-fold figures: the model trained on the file's other folds (the development set).")
    @click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
    def moderation_evaluate(path, ids, cross, folds):
        """Print the figures of the marketing check (as the app decides) on a labelled JSONL file."""
        from .moderation import service
        from .moderation.evaluate import cross_validate_marketing, evaluate_marketing

        watched = service.watched_pairs()
        if cross:
            click.echo("\n".join(cross_validate_marketing(path, k=folds, watched=watched)))
        else:
            click.echo("\n".join(evaluate_marketing(path, ids=ids, model=service.current_model(), watched=watched)))

    @moderation.command("retrain")
    @click.option("--dev", "dev_path", type=click.Path(exists=True, dir_okay=False),
                  help="Development set (default: MARKETING_DEV_SET).")
    @click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
    def moderation_retrain(dev_path, folds):
        """Retrain the marketing model from the development set and the moderators' decisions.

        Prints nested k-fold figures first, then makes the new model active, keeping the
        previous one (`flask moderation rollback`).
        """
        from .moderation import learned, service
        from .moderation.decision import decide_marketing
        from .moderation.evaluate import cross_validation_lines, cv_info

        store_dir = current_app.config.get("MARKETING_MODEL_DIR")
        if not store_dir:
            raise click.ClickException("MARKETING_MODEL_DIR is not set")
        dev_path = dev_path or current_app.config["MARKETING_DEV_SET"]
        texts, labels = learned.read_labelled(dev_path)
        examples = service.training_examples()
        watched = service.watched_pairs()
        texts += [t for t, _ in examples]
        labels += [y for _, y in examples]
        click.echo(f"examples: {len(texts) - len(examples)} from {dev_path}, {len(examples)} from moderators' decisions "
                   f"({sum(y for _, y in examples)} marketing)")
        try:
            result = learned.cross_validate(
                texts, labels, k=folds,
                decide=lambda text, model: decide_marketing(text, model=model, watched=watched).held)
            lines = cross_validation_lines(result)
            info = {"version": learned.version_now(), "created_at": utcnow().isoformat(timespec="seconds"),
                    "examples": {"development": len(texts) - len(examples), "decisions": len(examples)},
                    "cv": cv_info(result)}
            model = learned.train(texts, labels, k=folds, info=info)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        click.echo("\n".join(lines))
        store = learned.ModelStore(store_dir)
        previous = store.active_path()
        path = store.install(model)
        click.echo(f"threshold {model.threshold:.2f} (from {folds}-fold out-of-fold probabilities on all examples)")
        click.echo(f"active model: {path.name}; previous: {previous.name if previous else 'the base model'}")

    @moderation.command("rollback")
    def moderation_rollback():
        """Make the previous marketing model active again (the current one becomes the previous)."""
        from .moderation import learned

        store_dir = current_app.config.get("MARKETING_MODEL_DIR")
        if not store_dir:
            raise click.ClickException("MARKETING_MODEL_DIR is not set")
        store = learned.ModelStore(store_dir)
        current = store.active_path()
        try:
            path = store.rollback()
        except FileNotFoundError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"active model: {path.name if path else 'the base model'}; "
                   f"previous: {current.name if current else 'the base model'}")

    def _deduce_for(detectors, socket, cache):
        """Return text -> deduce's spans for the privacy commands (None for `--detectors rules`)."""
        from .moderation import deduce_worker
        from .moderation.evaluate import deduce_source

        if detectors == "rules":
            return None
        if socket and not deduce_worker.probe(socket, 5.0):
            raise click.ClickException(f"no deduce worker answers on {socket}")
        configured = current_app.config.get("DEDUCE_SOCKET")
        socket = socket or (configured if configured and deduce_worker.probe(configured, 5.0) else None)
        if socket:
            click.echo(f"# deduce: the worker on {socket}", err=True)
            return deduce_source(socket)
        click.echo("# deduce: loading it in this process (about 1 GB, up to a minute)", err=True)
        return deduce_source(None, cache)

    detectors_option = click.option(
        "--detectors", type=click.Choice(["all", "rules", "deduce"]), default="all", show_default=True,
        help="all: the rules and deduce, as the app runs; deduce alone: figures not tuned on any set")
    socket_option = click.option("--socket", default=None, help="the deduce worker's socket (default: DEDUCE_SOCKET, "
                                                                 "else deduce is loaded in this process)")
    cache_option = click.option("--cache", default=None, envvar="EXPERTISE_DEDUCE_CACHE",
                                help="deduce's prebuilt cache for loading it in this process")

    @privacy.command("evaluate")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--ids", type=click.Choice(["all", "odd", "even"]), default="all")
    @detectors_option
    @socket_option
    @cache_option
    def privacy_evaluate(path, ids, detectors, socket, cache):
        """Print span precision/recall of the personal-data guard on a labelled JSONL file."""
        from .moderation.evaluate import evaluate_privacy

        deduce = _deduce_for(detectors, socket, cache)
        click.echo("\n".join(evaluate_privacy(path, ids=ids, detectors=detectors, deduce=deduce)))

    @privacy.command("false-warnings")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @detectors_option
    @socket_option
    @cache_option
    def privacy_false_warnings(path, detectors, socket, cache):
        """Print the guard's false-warning rate on the texts labelled advice of a JSONL file."""
        from .moderation.evaluate import evaluate_false_warnings

        deduce = _deduce_for(detectors, socket, cache)
        click.echo("\n".join(evaluate_false_warnings(path, detectors=detectors, deduce=deduce)))

    app.cli.add_command(moderation)
    app.cli.add_command(privacy)

    notifications = click.Group("notifications", help="Notification e-mails.")

    @notifications.command("send-digests")
    def send_digests_command():
        """Send the daily digest e-mail to everyone with unread daily-digest notifications.

        Run once a day from cron, e.g. `30 7 * * * cd /srv/expertise &&
        .venv/bin/flask --app run notifications send-digests`.
        """
        from .core.time import utcnow
        from .realtime.service import send_digests

        count = send_digests(utcnow())
        db.session.commit()  # the e-mails go out after this commit
        click.echo(f"{count} digest e-mail(s) sent.")

    app.cli.add_command(notifications)

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
            from .demo import seed_demo_recovery_key

            from .demo import seed_demo_totp

            seed_demo()
            kit = seed_demo_recovery_key()
            totp_secrets = seed_demo_totp()
            db.session.commit()
            click.echo("Demo world ready.")
            if kit:
                # Demo only: a real recovery kit is printed once on /beheer/herstelsleutel.
                click.echo(f"Demo recovery kit (keep it to try the recovery ceremony): {kit}")
            if totp_secrets:
                # Demo only: real accounts scan a QR code at their first login.
                click.echo("Demo TOTP secrets (add one to an authenticator app, or run "
                           "`flask --app run demo-totp EMAIL` for the current code):")
                for email, secret in totp_secrets.items():
                    click.echo(f"  TOTP {email} {secret}")
        print_demo_logins()

    @app.cli.command("demo-totp")
    @click.argument("email")
    def demo_totp_command(email):
        """Print the current second-factor code of a demo account (development only)."""
        from .core.time import utcnow
        from .demo import demo_totp_code

        if current_app.config.get("ENV_NAME") == "production":
            raise click.ClickException("demo-totp refuses to run in production")
        code = demo_totp_code(email, utcnow())
        if code is None:
            raise click.ClickException("not a demo account with a second factor")
        click.echo(code)

    def print_demo_logins():
        from .demo import ACCOUNTS, DEMO_PASSWORD

        click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for email, name, roles, *_ in ACCOUNTS:
            click.echo(f"  {', '.join(r.value for r in roles):<14} {email}")
