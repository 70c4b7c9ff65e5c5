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

# Where `python run.py` (and so `make run`) listens unless HOST and PORT say otherwise.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def serve_address(environ=None):
    """Return (host, port) for the development server: HOST and PORT, else 127.0.0.1:5000."""
    environ = os.environ if environ is None else environ
    host = environ.get("HOST") or DEFAULT_HOST
    port = environ.get("PORT") or str(DEFAULT_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"PORT must be a port number (1-65535), not {port!r}")
    return host, int(port)


def local_url(host, port):
    """Return the address a browser on this machine opens for a server listening on host:port.

    A server on every address (0.0.0.0, ::) is opened through loopback; from
    another machine the browser uses another address, so set BASE_URL.
    """
    host = host.strip("[]").lower()
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}:{port}"


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
    # hide_parameters: database errors name no statement parameters (post texts) in any message.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    # Sessions: HttpOnly, SameSite=Lax, 30 minutes idle, never "remember me".
    # The cookie is a browser-session cookie (no Expires): closing the browser
    # on a shared computer ends the login there. The time-outs are enforced on
    # the server row (SESSION_IDLE_TIMEOUT, SESSION_ABSOLUTE_TIMEOUT); Flask
    # still refuses a cookie signed longer ago than PERMANENT_SESSION_LIFETIME,
    # which is therefore the absolute time-out, not the idle one (the cookie is
    # not re-signed on every request).
    SESSION_COOKIE_NAME = os.environ.get("SESSION_COOKIE_NAME", "ep_session")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_TIMEOUT
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

    # The family knows advice is asked about them (Utrecht's 3-gesprek): a
    # deployment may make the confirmation optional.
    REQUIRE_FAMILY_CONSENT = _env_bool("REQUIRE_FAMILY_CONSENT", True)

    INVITATION_VALIDITY = timedelta(days=7)
    # Accept e-mail addresses at `.test` (a special-use domain: the demo accounts') when inviting.
    # Development and tests only; production refuses them like every special-use domain.
    EMAIL_ALLOW_TEST_DOMAIN = False
    PASSWORD_MIN_LENGTH = 12
    # zxcvbn score (0-4) a new password needs; 3 = "safely unguessable".
    PASSWORD_MIN_SCORE = 3

    # Two factors (NEN 7510, ASVS 6.3.3): TOTP for every account. The secret
    # is stored encrypted under TOTP_ENC_KEY, which lives outside the database.
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Platform Expertise Jeugd")
    # Between the password and the code: how long the pending login lives.
    PENDING_LOGIN_VALIDITY = timedelta(minutes=5)
    # Step-up: a password or code this recent allows handover, erasure, recovery,
    # role changes, deactivation and resetting someone's second factor.
    STEP_UP_VALIDITY = timedelta(minutes=5)
    # Per account and client address: this many failed passwords or codes in a
    # row lock that address out of the account for a while (the holder
    # elsewhere still logs in; accounts.service explains the lock).
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_DURATION = timedelta(minutes=15)
    # Per account, from all addresses together since the last complete login:
    # past this many failures, addresses the holder did not log in from within
    # LOGIN_KNOWN_SOURCE_AGE wait LOGIN_ACCOUNT_DELAY, doubling with each
    # further failure, at most LOGIN_LOCK_DURATION.
    LOGIN_ACCOUNT_CEILING = 20
    LOGIN_ACCOUNT_DELAY = timedelta(seconds=30)
    LOGIN_KNOWN_SOURCE_AGE = timedelta(days=90)
    # Notifications of one kind about one question (or none) for one person
    # within this window are one notification, with at most one e-mail.
    NOTIFICATION_COALESCE_WINDOW = timedelta(minutes=30)

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

    # The public address. Links in e-mails are built from it, not from the request's
    # Host header, and Socket.IO accepts only its origin. Development derives it from
    # HOST and PORT (DevelopmentConfig); a browser at another origin is logged once.
    BASE_URL = os.environ.get("BASE_URL", local_url(DEFAULT_HOST, DEFAULT_PORT))

    # Identity vault (see docs/privacy.md). The pepper is Argon2id's `secret`
    # input and the audit key signs the audit chain: both live outside the
    # database, so a database copy alone can neither guess passwords offline
    # nor rewrite the audit trail unnoticed.
    VAULT_PEPPER_VERSION = int(os.environ.get("VAULT_PEPPER_VERSION", "1"))
    # Earlier peppers while users are re-wrapped at their next login,
    # as "VERSION:SECRET,VERSION:SECRET" (e.g. "1:old-secret").
    VAULT_PEPPER_FALLBACKS = {
        int(version): secret
        for version, _, secret in (
            item.partition(":") for item in os.environ.get("VAULT_PEPPER_FALLBACKS", "").split(",") if item
        )
    }
    # Argon2id cost for the key-encryption key (iterations, memory KiB, lanes);
    # equal to expertise.vault.crypto.PRODUCTION_KDF (a test checks it).
    VAULT_KDF = (3, 65536, 4)
    # The per-session vault key lives only in this HttpOnly cookie.
    VAULT_COOKIE_NAME = os.environ.get("VAULT_COOKIE_NAME", "ep_vk")
    VAULT_COOKIE_SECURE = False
    AUDIT_MAC_KEY_ID = int(os.environ.get("AUDIT_MAC_KEY_ID", "1"))
    # Days after a question is closed until the resident's identity is erased.
    IDENTITY_RETENTION_DAYS = int(os.environ.get("IDENTITY_RETENTION_DAYS", "365"))
    # Days after closing until a question's texts and thread are emptied (F18), in the same job.
    CASE_TEXT_RETENTION_DAYS = int(os.environ.get("CASE_TEXT_RETENTION_DAYS", "730"))
    # The knowledge base of closed cases (/kennisbank); offering a case stays the owner's choice.
    KNOWLEDGE_BASE_ENABLED = _env_bool("KNOWLEDGE_BASE_ENABLED", True)

    # How experts hear of new questions (DESIGN.md, the three collaboration models):
    # "network" (all experts in the areas), "triage" (a coordinator first) or
    # "team" (the standing experts of the team's weekly consultation).
    COLLABORATION_MODEL = os.environ.get("COLLABORATION_MODEL", "network")
    # Weeks of consultation meetings planned ahead, and an agenda item's default slot.
    CONSULTATION_WEEKS_AHEAD = int(os.environ.get("CONSULTATION_WEEKS_AHEAD", "8"))
    CONSULTATION_SLOT_MINUTES = 15

    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    # "threading" for `make run` and the tests; "gevent" under gunicorn's gevent
    # workers (production). Set explicitly: auto-detection would pick gevent as
    # soon as it is installed, also for `python run.py`.
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
    # How often each process disconnects sockets whose session ended (logout,
    # time-out, deactivation); 0 turns the check off (in-process tests).
    SOCKETIO_SESSION_CHECK_SECONDS = float(os.environ.get("SOCKETIO_SESSION_CHECK_SECONDS", "15"))
    # Behind nginx: the proxies whose X-Forwarded-For/-Proto/-Host are believed, as
    # "127.0.0.1,::1" (expertise.core.proxy). Unset, the socket's peer is the client.
    TRUSTED_PROXIES = tuple(p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip())
    # Per-address and per-user limits; with several instances they must share one store
    # ("redis://127.0.0.1:6379/1"), or each instance counts on its own.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a 429

    # The deduce worker's Unix socket (see expertise.moderation.deduce_worker). Unset: the
    # personal-data check of posts runs on the rule detectors alone. The app waits at most
    # DEDUCE_TIMEOUT seconds for an answer, then carries on without it.
    DEDUCE_SOCKET = os.environ.get("EXPERTISE_DEDUCE_SOCKET") or None
    DEDUCE_TIMEOUT = float(os.environ.get("EXPERTISE_DEDUCE_TIMEOUT", "0.5"))
    # The learned marketing model (expertise.moderation.learned): `flask moderation retrain`
    # writes its models into MARKETING_MODEL_DIR (the active one and the previous); until the
    # first retrain the app scores with the base model `make install` builds from the
    # development set (MARKETING_MODEL_BASE), and without that trains one when first needed.
    MARKETING_MODEL_DIR = os.environ.get("EXPERTISE_MARKETING_MODEL_DIR") or str(INSTANCE / "marketing-model")
    MARKETING_MODEL_BASE = os.environ.get("EXPERTISE_MARKETING_MODEL") or str(ROOT / ".venv" / "marketing-model.json")
    MARKETING_DEV_SET = str(ROOT / "data" / "dev" / "marketing_dev.jsonl")


class DevelopmentConfig(BaseConfig):
    """Local development: SQLite in instance/, throwaway secrets, mail to files."""

    ENV_NAME = "development"

    @property
    def SECRET_KEY(self):  # noqa: N802 - Flask reads upper-case names
        return os.environ.get("SECRET_KEY") or _throwaway_secret("SECRET_KEY")

    @property
    def VAULT_PEPPER(self):  # noqa: N802
        return os.environ.get("VAULT_PEPPER") or _throwaway_secret("VAULT_PEPPER")

    @property
    def AUDIT_MAC_KEY(self):  # noqa: N802
        return os.environ.get("AUDIT_MAC_KEY") or _throwaway_secret("AUDIT_MAC_KEY")

    @property
    def TOTP_ENC_KEY(self):  # noqa: N802
        return os.environ.get("TOTP_ENC_KEY") or _throwaway_secret("TOTP_ENC_KEY")

    @property
    def BASE_URL(self):  # noqa: N802
        """BASE_URL when set, else the address run.py serves (`make run PORT=5101`: port 5101)."""
        return os.environ.get("BASE_URL") or local_url(*serve_address())

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'expertise.db'}"
    )
    MAIL_SUPPRESS_SEND = True
    MAIL_FILE_DIR = str(INSTANCE / "mail")
    EMAIL_ALLOW_TEST_DOMAIN = True
    # `make run` starts the worker on this socket next to the app (run.py) when
    # EXPERTISE_DEDUCE_CACHE names its cache. Without either the app does not ask deduce
    # (a socket nobody serves would hold every post: the check fails closed).
    DEDUCE_SOCKET = os.environ.get("EXPERTISE_DEDUCE_SOCKET") or (
        str(INSTANCE / "deduce.sock") if os.environ.get("EXPERTISE_DEDUCE_CACHE") else None
    )


class TestConfig(BaseConfig):
    """Automated tests: cheap hashing, a database chosen by the test run."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8192
    ARGON2_PARALLELISM = 1
    VAULT_PEPPER = "test-only-vault-pepper-not-for-production"
    AUDIT_MAC_KEY = "test-only-audit-mac-key-not-for-production"
    TOTP_ENC_KEY = "test-only-totp-encryption-key-not-for-production"
    VAULT_KDF = (1, 8192, 1)  # expertise.vault.crypto.TEST_KDF
    EMAIL_ALLOW_TEST_DOMAIN = True
    MAIL_SUPPRESS_SEND = True
    RATELIMIT_ENABLED = False
    BASE_URL = "http://localhost"
    SOCKETIO_SESSION_CHECK_SECONDS = 0
    # Tests that need deduce start one worker and point the app at it themselves.
    DEDUCE_SOCKET = None
    # No retrained models unless a test gives a directory (the base model scores).
    MARKETING_MODEL_DIR = None


class ProductionConfig(BaseConfig):
    """Production: every secret from the environment, secure cookies."""

    ENV_NAME = "production"
    REQUIRED = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "VAULT_PEPPER", "AUDIT_MAC_KEY", "TOTP_ENC_KEY")
    # Explicit, so a stray FLASK_DEBUG=1 in the environment cannot switch it on
    # (Flask reads that variable before the config; the debugger runs code).
    DEBUG = False
    SECRET_KEY = os.environ.get("SECRET_KEY")
    TOTP_ENC_KEY = os.environ.get("TOTP_ENC_KEY")
    VAULT_PEPPER = os.environ.get("VAULT_PEPPER")
    AUDIT_MAC_KEY = os.environ.get("AUDIT_MAC_KEY")
    VAULT_COOKIE_NAME = os.environ.get("VAULT_COOKIE_NAME", "__Host-ep_vk")
    VAULT_COOKIE_SECURE = True
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
