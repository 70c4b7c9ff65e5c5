"""Expertise platform for youth care: the application factory."""
import logging
from pathlib import Path

from flask import Flask, g, render_template, request, session
from flask_login import current_user

from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate, socketio

log = logging.getLogger(__name__)


class ExpertiseFlask(Flask):
    """Flask with an exception log that names the error type, not its message."""

    def log_exception(self, exc_info):
        # Messages of database errors include statement parameters (user text).
        self.logger.error(
            "unhandled %s in %s %s", exc_info[0].__name__, request.method, request.endpoint
        )


class ConfigError(RuntimeError):
    """The configuration lacks something the platform cannot run without."""


def _check_config(app, config_object):
    from .core.origins import OriginError, origin_of

    required = getattr(config_object, "REQUIRED", ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI"))
    missing = [key for key in required if not app.config.get(key)]
    if missing:
        raise ConfigError(f"missing required config: {', '.join(missing)}")
    try:
        origin_of(app.config.get("BASE_URL") or "")
    except OriginError as error:
        raise ConfigError(
            f"BASE_URL must be the public address, such as https://expertise.example.org ({error})"
        ) from None


def create_app(config_object):
    """Create the Flask application from a configuration object given by the caller."""
    root = Path(config_object.PROJECT_ROOT)
    app = ExpertiseFlask(
        __name__,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
        instance_path=str(config_object.INSTANCE_PATH),
        instance_relative_config=False,
    )
    app.config.from_object(config_object)
    _check_config(app, config_object)
    from .core.params import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    _init_login(app)

    from . import accounts, questions  # noqa: F401  (models register with the metadata)
    from .accounts import admin_views, views as account_views  # noqa: F401
    from .questions import views as question_views
    from .consultations import service as consultation_service, views as consultation_views
    from .moderation import models as moderation_models, views as moderation_views  # noqa: F401
    from .realtime import events as realtime_events  # noqa: F401  (Socket.IO handlers)
    from .realtime import service as realtime_service, views as realtime_views
    from .insights import cli as insights_cli, models as insights_models, views as insights_views  # noqa: F401
    from .audit import cli as audit_cli, models as audit_models, service as audit_service  # noqa: F401
    from .core import erasure, errors, health, logs, origins, proxy, security, submissions, templating  # noqa: F401
    from .vault import cli as vault_cli, service as vault_service, views as vault_views
    from .knowledge import models as knowledge_models, views as knowledge_views  # noqa: F401
    from . import cli

    # Refuse to start on a cryptography/OpenSSL build without Argon2id or HPKE.
    vault_service.self_test()

    app.register_blueprint(account_views.bp)
    app.register_blueprint(question_views.bp)
    app.register_blueprint(moderation_views.bp)
    app.register_blueprint(realtime_views.bp)
    realtime_service.init_app(app)
    erasure.init_app(app)
    app.register_blueprint(vault_views.bp)
    app.register_blueprint(consultation_views.bp)
    app.register_blueprint(health.bp)
    consultation_service.init_app(app)
    app.register_blueprint(insights_views.bp)
    app.register_blueprint(knowledge_views.bp)
    audit_cli.init_app(app)
    insights_cli.init_app(app)
    audit_service.init_app(app)
    vault_cli.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    logs.init_app(app)
    cli.init_app(app)

    # Socket.IO handler modules are imported before init_app binds them.
    socketio.init_app(
        app,
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE", "threading"),
        # The origin browsers send ("https://example.org"), whatever BASE_URL's spelling.
        cors_allowed_origins=[origins.origin_of(app.config["BASE_URL"])],
        manage_session=False,
    )
    origins.init_app(app)  # outside Socket.IO's middleware: it sees the handshakes too
    proxy.init_app(app)  # outermost: Socket.IO and the origin check see the client's values
    return app


def _select_locale():
    from flask import current_app, has_request_context

    if not has_request_context():  # CLI jobs, and messages rendered in tests
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    language = session.get("lang")

    if language in current_app.config["LANGUAGES"]:
        return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _init_login(app):
    from flask_babel import lazy_gettext as _l

    from .accounts.models import User
    from .accounts.service import load_session
    from .core.time import utcnow

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in om deze pagina te zien.")
    login_manager.login_message_category = "info"

    @app.before_request
    def _load_server_session():
        """Resolve the browser's session id to a live server-side session row.

        Flask-Login only knows the user id; the row decides whether the
        session still exists (logout, deactivation and time-outs delete it).
        """
        g.user_session = None
        if request.endpoint == "static" or "sid" not in session:
            return
        row = load_session(session["sid"], utcnow())
        if row is None or row in db.session.dirty:
            # Keep the removal or the new last-seen time whatever the request
            # does next. Otherwise nothing was written, and not committing
            # keeps the session row and its user (with roles and areas) loaded
            # for the request: a commit would expire them, four queries to reload.
            db.session.commit()
        if row is None:
            session.clear()
            return
        g.user_session = row

    @login_manager.user_loader
    def _load_user(user_id):
        row = g.get("user_session")
        if row is None or str(row.user_id) != user_id:
            return None
        return db.session.get(User, row.user_id)
