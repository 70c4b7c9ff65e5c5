"""Flask extensions, created unbound here and bound in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Posting (questions, advice, replies): per account, so a team behind one NAT
# address is not limited together. Generous for people, tight for scripts.
POSTING_LIMIT = "30 per hour"
# Actions that notify other people (more perspectives, flags, agenda and triage
# steps): per account too. Notifications coalesce anyway (realtime.service);
# this stops a script from making the platform mail people in bursts.
NOTIFYING_LIMIT = "30 per hour"


def per_user():
    """Rate-limit key: the logged-in account (pseudonymous id), else the address."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()
# Engine.IO and Socket.IO loggers stay off: at INFO they log packet contents.
socketio = SocketIO(logger=False, engineio_logger=False)
