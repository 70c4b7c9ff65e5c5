"""Database column types and engine settings shared by every model."""
import re
import sqlite3
import sys
import time
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


# How long a writer waits for SQLite's write lock before its request fails.
SQLITE_BUSY_TIMEOUT_MS = 10000
# The statements that need the write lock; sqlite3 itself opens a transaction before the
# first four (Python 3.11's "legacy" transaction control), and a savepoint needs one too.
_SQLITE_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT)\b", re.IGNORECASE)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on foreign keys, WAL, secure_delete and a busy timeout for every SQLite connection.

    secure_delete overwrites freed space, so erased data does not linger in the
    file; WAL lets readers and the writer work at the same time (its log keeps
    old pages until a checkpoint: `core.erasure` runs one after each erasure).
    The busy timeout makes a writer wait for the write lock instead of failing
    at once (see `_sqlite_begin_immediate`).
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_begin_immediate(conn, cursor, statement, parameters, context, executemany):
    """Take SQLite's write lock with BEGIN IMMEDIATE before a transaction's first write.

    sqlite3 opens a transaction with a plain (deferred) BEGIN just before the
    first INSERT, UPDATE or DELETE, and reads before it run on their own. A
    deferred transaction that has read and then writes must upgrade its read
    snapshot to the write lock; when another writer committed in between,
    SQLite refuses at once with "database is locked", whatever the busy
    timeout. BEGIN IMMEDIATE takes the lock first, waiting for it under the
    busy timeout, so a transaction never upgrades. Transactions still begin
    at the first write (not the first read, as SQLAlchemy's own recipe would
    have it): a request that mostly reads holds the lock only from its first
    write (an audit row, a read marker) to its commit, and slow work before
    that write (deduce, Markdown) holds nothing.

    Under gevent, SQLite's busy wait would sleep in C and stop every greenlet
    of the process, also the one holding the lock (a deadlock until the
    timeout): there the wait is a loop that yields (`_begin_cooperatively`).
    """
    if conn.dialect.name != "sqlite" or not _SQLITE_WRITE.match(statement):
        return
    dbapi_connection = cursor.connection
    if dbapi_connection.in_transaction or conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    try:
        if _gevent_patched():
            _begin_cooperatively(dbapi_connection)
        else:
            dbapi_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        raise sa.exc.OperationalError("BEGIN IMMEDIATE", (), error) from error


def _gevent_patched():
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("time")


def _begin_cooperatively(dbapi_connection):
    """BEGIN IMMEDIATE, retried with (gevent-patched) sleeps until SQLITE_BUSY_TIMEOUT_MS."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                if time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.02)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


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
