"""scale: one narrow index with every column of the list's visibility rule, for its count

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
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(
            'ix_question_listing', ['status', 'moderation_state', 'owner_id', 'team_id', 'visibility'], unique=False
        )


def downgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_listing')
