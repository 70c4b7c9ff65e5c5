"""question resident: question.resident_id, and the personal-data guard's pii_check

`question.resident_id` points at the vault's `resident` (random BigInteger
ids); the identity stays ciphertext there. `pii_check` (JSON) on questions and
posts keeps only the guard's categories and counts, never the text.

SQLite: the column is added with a plain `ALTER TABLE … ADD COLUMN … REFERENCES`
instead of a batch copy of `question`. A batch copy would drop the FTS5
triggers of the questions migration, and with foreign keys on, dropping the
old `question` table deletes (ON DELETE CASCADE) every post, event and area
link. The downgrade has to copy the table (SQLite cannot drop a column that is
part of a foreign key): it switches foreign keys off for the copy and
recreates the FTS triggers.

Revision ID: 26a4de37afd0
Revises: 2e687bd55584
Create Date: 2026-11-23 09:16:10.354209

"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '26a4de37afd0'
down_revision = '2e687bd55584'
branch_labels = None
depends_on = None

FK_NAME = "fk_question_resident_id_resident"


def _fts_triggers():
    """Return the FTS trigger SQL of the questions migration (one definition, not a copy)."""
    path = next(Path(__file__).parent.glob("*_10c7ddfd6a2a_questions.py"))
    spec = importlib.util.spec_from_file_location("questions_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FTS_TRIGGERS


def upgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pii_check', sa.JSON(), nullable=True))

    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE question ADD COLUMN resident_id INTEGER "
            f"CONSTRAINT {FK_NAME} REFERENCES resident (id)"
        )
        op.execute("ALTER TABLE question ADD COLUMN pii_check JSON")
        op.create_index('ix_question_resident_id', 'question', ['resident_id'], unique=False)
    else:
        op.add_column('question', sa.Column('resident_id', sa.BigInteger(), nullable=True))
        op.add_column('question', sa.Column('pii_check', sa.JSON(), nullable=True))
        op.create_index('ix_question_resident_id', 'question', ['resident_id'], unique=False)
        op.create_foreign_key(FK_NAME, 'question', 'resident', ['resident_id'], ['id'])


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    op.drop_index('ix_question_resident_id', table_name='question')
    with op.batch_alter_table('question', schema=None) as batch_op:
        if not sqlite:
            batch_op.drop_constraint(FK_NAME, type_='foreignkey')
        batch_op.drop_column('pii_check')
        batch_op.drop_column('resident_id')
    if sqlite:
        for trigger in _fts_triggers():
            op.execute(trigger)
        op.execute("PRAGMA foreign_keys=ON")

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_column('pii_check')
