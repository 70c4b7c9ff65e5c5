"""scale: one narrow index with every column of the list's visibility rule, for its count

It also carries the id (INCLUDE), so a count with an area filter joins the index alone to
question_expertise_area instead of reading the wide rows (the expert's list at 10^5: 78 -> 46 ms).

PostgreSQL only, written by hand (see `declare_hand_written` in questions/models.py: without
statistics SQLite would choose it for the list's ids and sort every match).

Revision ID: e1b5c7a9d3f2
Revises: d9a4f6c2e1b8
Create Date: 2026-12-04 14:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e1b5c7a9d3f2'
down_revision = 'd9a4f6c2e1b8'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index(
            'ix_question_listing', 'question', ['status', 'moderation_state', 'owner_id', 'team_id', 'visibility'],
            unique=False, postgresql_include=['id'],
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_question_listing', table_name='question')
