"""SQLite's write lock: a writing transaction takes it first (BEGIN IMMEDIATE), so it never upgrades."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from expertise.extensions import db

ROOT = Path(__file__).resolve().parents[2]
PYTHONPATH = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])


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



GEVENT_WRITERS = r"""
import json, sys
from gevent import monkey
monkey.patch_all()
import gevent
import sqlalchemy as sa
import expertise.core.database  # noqa: F401  (the engine hooks)

engine = sa.create_engine(f"sqlite:///{sys.argv[1]}")
with engine.begin() as connection:
    connection.exec_driver_sql("CREATE TABLE probe (id INTEGER PRIMARY KEY, who TEXT)")
results = {}

def writer(name, hold):
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO probe (who) VALUES (?)", (name,))
            gevent.sleep(hold)  # waiting on a socket inside the transaction: the other greenlets run
        results[name] = "ok"
    except Exception as error:
        results[name] = type(error).__name__

gevent.joinall([gevent.spawn(writer, "first", 0.3), gevent.spawn(writer, "second", 0)])
with engine.connect() as connection:
    results["rows"] = connection.exec_driver_sql("SELECT count(*) FROM probe").scalar()
print(json.dumps(results))
"""


def test_gevent_writers_of_one_process_wait_for_each_other_instead_of_stopping_it(tmp_path):
    """SQLite's busy wait sleeps in C: under gevent it stopped the greenlet holding the lock as well."""
    pytest.importorskip("gevent")
    run = subprocess.run([sys.executable, "-c", GEVENT_WRITERS, str(tmp_path / "gevent.db")],
                         capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": PYTHONPATH})
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {"first": "ok", "second": "ok", "rows": 2}
