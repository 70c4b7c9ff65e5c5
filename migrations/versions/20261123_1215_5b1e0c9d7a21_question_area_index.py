"""question area index: filter the question list by area without a full scan

Revision ID: 5b1e0c9d7a21
Revises: 64c01652b497
Create Date: 2026-11-23 12:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b1e0c9d7a21'
down_revision = '64c01652b497'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_question_expertise_area_area', 'question_expertise_area',
                    ['expertise_area_id', 'question_id'], unique=False)


def downgrade():
    op.drop_index('ix_question_expertise_area_area', table_name='question_expertise_area')
