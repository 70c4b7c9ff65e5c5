"""Erasure that leaves nothing behind on disk: the step after an erasing commit.

Deleting or overwriting a row does not yet erase its bytes. SQLite runs with
`secure_delete` (`core.database`), so freed space in the database file is
zeroed, but its write-ahead log (`-wal`) keeps the earlier page images until a
checkpoint has copied the log back into the file and the log is truncated.
PostgreSQL keeps every deleted or overwritten row version as a dead tuple until
VACUUM, and a GIN index keeps a word as a key even when no row has it any more.

Services that erase (identity erasure and re-keying, the retention purge,
replaying tombstones, a redaction that deletes the original, deleting a draft)
call `erase_on_commit()`. One `after_commit` hook then checkpoints SQLite's log
with TRUNCATE on a connection of its own. The daily job (`flask vault purge`)
calls `finish_erasures()`: on SQLite the same checkpoint (for one that a busy
reader blocked), on PostgreSQL VACUUM of every table declared with
`declare_erasable` and a rebuild of its declared word indexes. What this does
and does not guarantee is in docs/privacy.md ("Erasure and retention").
"""
import logging
import time

from sqlalchemy import event as sa_event
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

log = logging.getLogger(__name__)

_MARK = "erasure_pending"
# Tables whose rows erasures delete or overwrite -> indexes to rebuild (PostgreSQL).
_ERASABLE = {}

# A checkpoint waits for readers that still see older pages; in a request it
# may wait this long per attempt, then gives up until the next one.
CHECKPOINT_ATTEMPTS = 5
CHECKPOINT_BUSY_MS = 100
CHECKPOINT_PAUSE = 0.05


def declare_erasable(table, *, rebuild_indexes=()):
    """Name a table whose rows erasures delete or overwrite, for the daily VACUUM on PostgreSQL.

    `rebuild_indexes` names indexes that keep words from the rows (GIN):
    VACUUM removes a dead row's entries but not the word itself, a rebuild does.
    """
    _ERASABLE[table] = tuple(rebuild_indexes)


def erasable_tables():
    return sorted(_ERASABLE)


def erase_on_commit():
    """Mark the current transaction as erasing: its commit is followed by the checkpoint."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any SQL still drops the mark
    session.info[_MARK] = True


def checkpoint_sqlite(engine):
    """Copy SQLite's write-ahead log into the database file and truncate it; True when done.

    A checkpoint cannot pass a reader that still sees older pages. It is tried
    a few times, briefly; then it is left to the next erasure or the daily
    job, and logged once.
    """
    with engine.connect() as connection:
        previous = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
        try:
            for attempt in range(CHECKPOINT_ATTEMPTS):
                if attempt:
                    time.sleep(CHECKPOINT_PAUSE)
                busy, _frames, _copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if not busy:
                    return True
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={int(previous)}")
    log.warning("erasure: the write-ahead log is still in use after %d checkpoints; "
                "the next erasure or `flask vault purge` truncates it", CHECKPOINT_ATTEMPTS)
    return False


def vacuum_postgresql(engine):
    """VACUUM every erasable table (and its TOAST table) and rebuild its word indexes."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        quote = connection.dialect.identifier_preparer.quote
        for table, indexes in sorted(_ERASABLE.items()):
            # INDEX_CLEANUP ON: PostgreSQL may skip the indexes when few rows died.
            connection.exec_driver_sql(f"VACUUM (INDEX_CLEANUP ON) {quote(table)}")
            for index in indexes:
                connection.exec_driver_sql(f"REINDEX INDEX CONCURRENTLY {quote(index)}")


def finish_erasures():
    """Finish every erasure committed so far (the daily job): checkpoint, or VACUUM on PostgreSQL."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        checkpoint_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        vacuum_postgresql(engine)


def _after_commit(session):
    if not session.info.pop(_MARK, False):
        return
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL: the daily job's VACUUM (it cannot run inside a request's transaction)
    try:
        checkpoint_sqlite(engine)
    except SQLAlchemyError as error:  # the erasure is committed; the next checkpoint finishes it
        log.warning("erasure: checkpoint failed: %s", type(error).__name__)


def _after_soft_rollback(session, previous_transaction):
    if not previous_transaction.nested:
        session.info.pop(_MARK, None)


def init_app(app):
    """Install the after-commit and rollback hooks once per process."""
    if not getattr(db.session, "_erasure_hooks", False):
        sa_event.listen(db.session, "after_commit", _after_commit)
        sa_event.listen(db.session, "after_soft_rollback", _after_soft_rollback)
        db.session._erasure_hooks = True
