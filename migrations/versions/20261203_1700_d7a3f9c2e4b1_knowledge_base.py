"""knowledge base: scrubbed case summaries, their Dutch search index, answers found; case text retention

* `case_summary` (+ `case_summary_area`): a closed case's scrubbed summary, a
  record of its own. Searched in Dutch as questions are
  (expertise.questions.search): on SQLite a contentless FTS5 table
  `case_summary_fts` filled by triggers with `dutch_stems()`; on PostgreSQL a
  generated `search_vector` column (`to_tsvector('dutch', …)`, stored) with a
  GIN index (expertise.knowledge.search).
* `knowledge_answer_found`: "vraag niet gesteld, antwoord gevonden", per team.
* `question.texts_erased_at`: when retention emptied the case's texts. Added
  with a plain ADD COLUMN (no batch copy of `question`, whose FTS triggers
  would otherwise have to be recreated).

Revision ID: d7a3f9c2e4b1
Revises: d3a7f19c4e28
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa

from expertise.questions.search import dutch_stems

# revision identifiers, used by Alembic.
revision = 'd7a3f9c2e4b1'
down_revision = 'd3a7f19c4e28'
branch_labels = None
depends_on = None

COLUMNS = ("title", "situation", "request", "advice", "outcome_note")
FTS_TABLE = f"""
CREATE VIRTUAL TABLE case_summary_fts USING fts5(
    {', '.join(COLUMNS)},
    content='',
    tokenize='unicode61 remove_diacritics 2'
)
"""
_OLD = ", ".join(f"dutch_stems(old.{c})" for c in COLUMNS)
_NEW = ", ".join(f"dutch_stems(new.{c})" for c in COLUMNS)
_COLS = ", ".join(COLUMNS)
FTS_TRIGGERS = [
    f"""
    CREATE TRIGGER case_summary_fts_ai AFTER INSERT ON case_summary BEGIN
        INSERT INTO case_summary_fts(rowid, {_COLS}) VALUES (new.id, {_NEW});
    END
    """,
    f"""
    CREATE TRIGGER case_summary_fts_ad AFTER DELETE ON case_summary BEGIN
        INSERT INTO case_summary_fts(case_summary_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD});
    END
    """,
    f"""
    CREATE TRIGGER case_summary_fts_au AFTER UPDATE OF {_COLS} ON case_summary BEGIN
        INSERT INTO case_summary_fts(case_summary_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD});
        INSERT INTO case_summary_fts(rowid, {_COLS}) VALUES (new.id, {_NEW});
    END
    """,
]
# PostgreSQL keeps the summary's tsvector in a generated column, so ranking reads it instead of
# parsing every matching text again (ts_rank over to_tsvector(...) took seconds at 10^5 rows).
PG_COLUMN = """
ALTER TABLE case_summary ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('dutch', coalesce(title, '') || ' ' || coalesce(situation, '') || ' ' ||
        coalesce(request, '') || ' ' || coalesce(advice, '') || ' ' || coalesce(outcome_note, ''))
) STORED
"""
PG_INDEX = "CREATE INDEX ix_case_summary_search ON case_summary USING gin (search_vector)"


def upgrade():
    op.create_table(
        'case_summary',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('title', sa.String(length=150), nullable=False),
        sa.Column('situation', sa.Text(), nullable=False),
        sa.Column('request', sa.Text(), nullable=False),
        sa.Column('advice', sa.Text(), nullable=False),
        sa.Column('outcome_note', sa.Text(), nullable=False),
        sa.Column('outcome', sa.String(length=15), nullable=True),
        sa.Column('age_band', sa.String(length=6), nullable=False),
        sa.Column('organisations', sa.JSON(), nullable=True),
        sa.Column('case_closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('pii_check', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_case_summary_decided_by_id_user')),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_case_summary_owner_id_user')),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_case_summary_question_id_question'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_case_summary_team_id_team')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_summary')),
    )
    op.create_index(op.f('ix_case_summary_owner_id'), 'case_summary', ['owner_id'])
    op.create_index(op.f('ix_case_summary_question_id'), 'case_summary', ['question_id'])
    op.create_index(op.f('ix_case_summary_published_at'), 'case_summary', ['published_at'])
    op.create_index('ix_case_summary_status_published', 'case_summary', ['status', 'published_at'])
    op.create_table(
        'case_summary_area',
        sa.Column('summary_id', sa.Integer(), nullable=False),
        sa.Column('expertise_area_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['expertise_area_id'], ['expertise_area.id'], name=op.f('fk_case_summary_area_expertise_area_id_expertise_area'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['summary_id'], ['case_summary.id'], name=op.f('fk_case_summary_area_summary_id_case_summary'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('summary_id', 'expertise_area_id', name=op.f('pk_case_summary_area')),
    )
    op.create_index('ix_case_summary_area_area', 'case_summary_area', ['expertise_area_id', 'summary_id'])
    op.create_table(
        'knowledge_answer_found',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summary_id', sa.Integer(), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['summary_id'], ['case_summary.id'], name=op.f('fk_knowledge_answer_found_summary_id_case_summary'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_knowledge_answer_found_team_id_team')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_answer_found')),
    )
    op.create_index(op.f('ix_knowledge_answer_found_summary_id'), 'knowledge_answer_found', ['summary_id'])
    op.create_index(op.f('ix_knowledge_answer_found_team_id'), 'knowledge_answer_found', ['team_id'])
    op.create_index(op.f('ix_knowledge_answer_found_found_at'), 'knowledge_answer_found', ['found_at'])
    op.execute("ALTER TABLE question ADD COLUMN texts_erased_at " +
               ("TIMESTAMP WITH TIME ZONE" if op.get_bind().dialect.name == "postgresql" else "DATETIME"))
    if op.get_bind().dialect.name == "sqlite":
        op.get_bind().connection.driver_connection.create_function("dutch_stems", 1, dutch_stems, deterministic=True)
        op.execute(FTS_TABLE)
        for trigger in FTS_TRIGGERS:
            op.execute(trigger)
    else:
        op.execute(PG_COLUMN)
        op.execute(PG_INDEX)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("case_summary_fts_ai", "case_summary_fts_ad", "case_summary_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS case_summary_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_case_summary_search")
        op.execute("ALTER TABLE case_summary DROP COLUMN IF EXISTS search_vector")
    op.execute("ALTER TABLE question DROP COLUMN texts_erased_at")  # SQLite >= 3.35: no batch copy
    op.drop_table('knowledge_answer_found')
    op.drop_table('case_summary_area')
    op.drop_table('case_summary')
