"""Dutch search on SQLite: the FTS5 table holds Snowball Dutch stems, as PostgreSQL's index does

The external-content FTS5 table of the questions migration indexed words as
typed, so "opvoeding" missed "opvoeden". It becomes a contentless FTS5 table
(`content=''`: the index keeps terms only, no copy of the text) filled by the
triggers through `dutch_stems()`, the SQL function the app registers on every
SQLite connection (expertise.questions.search). PostgreSQL is unchanged: its
GIN index already stems with the 'dutch' configuration.

From this revision on, a migration that recreates `question` on SQLite (a
batch copy) must recreate these triggers (FTS_TRIGGERS below).

Revision ID: b8d4e1f2a903
Revises: 7c3e2f9a4b10
Create Date: 2026-12-03 13:30:00

"""
import importlib.util
from pathlib import Path

from alembic import op

from expertise.questions.search import dutch_stems

# revision identifiers, used by Alembic.
revision = 'b8d4e1f2a903'
down_revision = '7c3e2f9a4b10'
branch_labels = None
depends_on = None

TRIGGERS = ("question_fts_ai", "question_fts_ad", "question_fts_au")

FTS_TABLE = """
CREATE VIRTUAL TABLE question_fts USING fts5(
    title, situation, request,
    content='',
    tokenize='unicode61 remove_diacritics 2'
)
"""

# A contentless table forgets a row by being told the terms it was given: the
# same stems of the old values (dutch_stems is deterministic).
_OLD = "dutch_stems(old.title), dutch_stems(old.situation), dutch_stems(old.request)"
_NEW = "dutch_stems(new.title), dutch_stems(new.situation), dutch_stems(new.request)"
FTS_TRIGGERS = [
    f"""
    CREATE TRIGGER question_fts_ai AFTER INSERT ON question BEGIN
        INSERT INTO question_fts(rowid, title, situation, request) VALUES (new.id, {_NEW});
    END
    """,
    f"""
    CREATE TRIGGER question_fts_ad AFTER DELETE ON question BEGIN
        INSERT INTO question_fts(question_fts, rowid, title, situation, request) VALUES ('delete', old.id, {_OLD});
    END
    """,
    f"""
    CREATE TRIGGER question_fts_au AFTER UPDATE OF title, situation, request ON question BEGIN
        INSERT INTO question_fts(question_fts, rowid, title, situation, request) VALUES ('delete', old.id, {_OLD});
        INSERT INTO question_fts(rowid, title, situation, request) VALUES (new.id, {_NEW});
    END
    """,
]

def _questions_migration():
    """Return the questions migration module: its FTS table and triggers are the downgrade's (not a copy)."""
    path = next(Path(__file__).parent.glob("*_10c7ddfd6a2a_questions.py"))
    spec = importlib.util.spec_from_file_location("questions_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _replace(table, triggers):
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS question_fts")
    op.execute(table)
    for trigger in triggers:
        op.execute(trigger)


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    # The app registers dutch_stems on its connections; a bare Alembic run gets it here.
    op.get_bind().connection.driver_connection.create_function("dutch_stems", 1, dutch_stems, deterministic=True)
    _replace(FTS_TABLE, FTS_TRIGGERS)
    op.execute(f"INSERT INTO question_fts(rowid, title, situation, request) "
               f"SELECT id, {_NEW.replace('new.', '')} FROM question")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    old = _questions_migration()
    _replace(old.FTS_TABLE, old.FTS_TRIGGERS)
    op.execute("INSERT INTO question_fts(question_fts) VALUES ('rebuild')")
