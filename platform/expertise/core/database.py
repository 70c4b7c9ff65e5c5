"""Database column types and engine settings shared by every model."""
import re
import sqlite3
import sys
import threading
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


class _WriterLock:
    """One writer at a time per process, waiting in line (made at first use: after gevent's patching).

    SQLite lets one writer in at a time anyway; its busy wait polls with
    growing sleeps (up to 100 ms), so a writer that has waited long keeps
    losing to newcomers. Queued on this lock, the writers of a process go in
    the order they came, each as soon as the previous one commits, and only
    one of them per process asks SQLite for its lock.
    """

    _lock = None
    _made = threading.Lock()

    @classmethod
    def get(cls):
        if cls._lock is None:
            with cls._made:
                if cls._lock is None:
                    cls._lock = threading.Lock()
        return cls._lock


class SQLiteConnection(sqlite3.Connection):
    """sqlite3's connection, which lets go of the process's writer lock when its transaction ends."""

    holds_writer_lock = False

    def _let_go(self):
        if self.holds_writer_lock:
            self.holds_writer_lock = False
            _WriterLock.get().release()

    def commit(self):
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._let_go()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._let_go()

    def close(self):
        try:
            super().close()
        finally:
            self._let_go()


@event.listens_for(Engine, "do_connect")
def _sqlite_connection_class(dialect, connection_record, cargs, cparams):
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        cparams.setdefault("factory", SQLiteConnection)


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
    if not isinstance(dbapi_connection, sqlite3.Connection) and not module.startswith("sqlite3"):
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

    Before SQLite's lock a writer queues for its process's (`_WriterLock`).
    Under gevent, SQLite's busy wait would sleep in C and stop every greenlet
    of the process, also the one holding the lock (a deadlock until the
    timeout): there the wait for the other processes' writers is a loop that
    yields (`_begin_cooperatively`).
    """
    if conn.dialect.name != "sqlite" or not _SQLITE_WRITE.match(statement):
        return
    dbapi_connection = cursor.connection
    if dbapi_connection.in_transaction or conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    queued = isinstance(dbapi_connection, SQLiteConnection)
    try:
        if queued:
            if not _WriterLock.get().acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
                raise sqlite3.OperationalError("database is locked (by a writer of this process)")
            dbapi_connection.holds_writer_lock = True
        if _gevent_patched():
            _begin_cooperatively(dbapi_connection, deadline)
        else:
            dbapi_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if queued:
            dbapi_connection._let_go()
        raise sa.exc.OperationalError("BEGIN IMMEDIATE", (), error) from error


def _gevent_patched():
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("time")


def _begin_cooperatively(dbapi_connection, deadline):
    """BEGIN IMMEDIATE, retried with (gevent-patched) sleeps until the deadline."""
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
            pause = min(pause * 2, 0.01)
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
