"""SQLite's write lock: a writing transaction takes it first (BEGIN IMMEDIATE), so it never upgrades."""
import sqlite3

import pytest
import sqlalchemy as sa

from expertise.extensions import db


@pytest.fixture
def probe_table(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE lock_probe (id INTEGER PRIMARY KEY, who TEXT)")
    yield "lock_probe"
    db.session.rollback()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE lock_probe")


def test_a_transaction_that_reads_then_writes_is_not_refused_after_another_writer(probe_table):
    """A savepoint opens a transaction before its first write; a deferred one would read, then fail to upgrade."""
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        with db.session.begin_nested():
            db.session.execute(sa.text("SELECT count(*) FROM lock_probe")).scalar()
            try:  # another writer, between this transaction's read and its write
                other.execute("INSERT INTO lock_probe (who) VALUES ('other')")
            except sqlite3.OperationalError as error:
                assert "locked" in str(error)  # it has to wait: this transaction holds the write lock
            db.session.execute(sa.text("INSERT INTO lock_probe (who) VALUES ('this')"))
        db.session.commit()
    finally:
        other.close()
    assert db.session.execute(sa.text("SELECT who FROM lock_probe WHERE who = 'this'")).scalar() == "this"


def test_reads_take_no_lock_and_the_first_write_takes_it(probe_table):
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        db.session.execute(sa.text("SELECT count(*) FROM lock_probe")).scalar()
        other.execute("INSERT INTO lock_probe (who) VALUES ('other')")  # reads alone leave writers be
        db.session.execute(sa.text("INSERT INTO lock_probe (who) VALUES ('this')"))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.commit()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()

