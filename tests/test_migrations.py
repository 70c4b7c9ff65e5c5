"""Migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from expertise.core.database import include_object
from expertise.extensions import db


def test_upgraded_database_matches_the_models(app):
    # The session fixture built the schema with `flask db upgrade` on an empty database.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_sqlite_runs_with_foreign_keys_wal_and_secure_delete(app):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
