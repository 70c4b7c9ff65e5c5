"""Database column types and engine settings shared by every model."""
from datetime import timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine


class UtcDateTime(sa.types.TypeDecorator):
    """Store timezone-aware datetimes as UTC and always return them aware.

    SQLite keeps no time zone; PostgreSQL's timestamptz does. Normalising here
    means every comparison in the services works the same on both.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use expertise.core.time.utcnow()")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on foreign keys, WAL and secure_delete for every SQLite connection.

    secure_delete overwrites freed space, so erased data does not linger in the
    file; WAL lets readers and the writer work at the same time (its log keeps
    old pages until a checkpoint: `core.erasure` runs one after each erasure).
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


_HAND_WRITTEN = set()


def declare_hand_written(*names):
    """Name schema objects that migrations create by hand and models do not describe.

    Full-text search tables, triggers and expression indexes differ per
    database; autogenerate and the migration test leave them (and, for a
    table, its `<name>_…` shadow tables) alone.
    """
    _HAND_WRITTEN.update(names)


def include_object(obj, name, type_, reflected, compare_to):
    """Alembic `include_object`: skip hand-written objects found in the database."""
    if reflected and compare_to is None and name:
        for known in _HAND_WRITTEN:
            if name == known or name.startswith(known + "_"):
                return False
    return True
