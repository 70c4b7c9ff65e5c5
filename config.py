"""Configuration classes for the expertise platform.

`create_app(config_object)` takes one of these from its caller (`run.py`,
`tests/conftest.py`). Values come from environment variables; production has
no fallbacks for secrets and the factory refuses to start without them.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _throwaway_secret(name):
    """Return a development secret kept in instance/, creating it on first use.

    Development only: the file is outside the repository and private to the
    checkout, so restarting the server keeps sessions and keys valid.
    """
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / f"{name.lower()}.secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class BaseConfig:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    REQUIRED = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")

    PROJECT_ROOT = str(ROOT)
    INSTANCE_PATH = str(INSTANCE)
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Sessions: HttpOnly, SameSite=Lax, 30 minutes idle, never "remember me".
    SESSION_COOKIE_NAME = os.environ.get("SESSION_COOKIE_NAME", "ep_session")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")

    # Argon2id for login (argon2-cffi). 3 passes over 64 MiB with 4 lanes,
    # above the OWASP ASVS 5.0 minimum; tests lower it through TestConfig.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    INVITATION_VALIDITY = timedelta(days=7)
    PASSWORD_MIN_LENGTH = 12

    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "platform@expertise.invalid")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SUPPRESS_SEND = False
    # When set, every outgoing e-mail is also written as an .eml file here
    # (development: instead of sending). The log only says that it was written.
    MAIL_FILE_DIR = None

    # Links in e-mails are built from this, not from the request's Host header.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)


class DevelopmentConfig(BaseConfig):
    """Local development: SQLite in instance/, throwaway secrets, mail to files."""

    ENV_NAME = "development"

    @property
    def SECRET_KEY(self):  # noqa: N802 - Flask reads upper-case names
        return os.environ.get("SECRET_KEY") or _throwaway_secret("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'expertise.db'}"
    )
    MAIL_SUPPRESS_SEND = True
    MAIL_FILE_DIR = str(INSTANCE / "mail")


class TestConfig(BaseConfig):
    """Automated tests: cheap hashing, a database chosen by the test run."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8192
    ARGON2_PARALLELISM = 1
    MAIL_SUPPRESS_SEND = True
    RATELIMIT_ENABLED = False
    BASE_URL = "http://localhost"


class ProductionConfig(BaseConfig):
    """Production: every secret from the environment, secure cookies."""

    ENV_NAME = "production"
    # Explicit, so a stray FLASK_DEBUG=1 in the environment cannot switch it on
    # (Flask reads that variable before the config; the debugger runs code).
    DEBUG = False
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = os.environ.get("SESSION_COOKIE_NAME", "__Host-ep_session")
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env():
    """Return the configuration named by APP_ENV (default: development)."""
    name = os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise SystemExit(f"unknown APP_ENV {name!r}; choose one of {', '.join(CONFIGS)}")
