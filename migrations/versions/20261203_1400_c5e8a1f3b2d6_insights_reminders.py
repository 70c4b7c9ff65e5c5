"""insights: reminder markers, follow-up answers, and indexes for the figures

Revision ID: c5e8a1f3b2d6
Revises: b7d41c2e9f05
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e8a1f3b2d6'
down_revision = 'b7d41c2e9f05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'insights_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_insights_reminder_question_id_question'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_insights_reminder')),
        sa.UniqueConstraint('question_id', 'kind', name='uq_insights_reminder_question_kind'),
    )
    op.create_table(
        'insights_follow_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('situation', sa.String(length=12), nullable=True),
        sa.Column('referral', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_insights_follow_up_question_id_question'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_insights_follow_up')),
        sa.UniqueConstraint('question_id', name=op.f('uq_insights_follow_up_question_id')),
    )
    with op.batch_alter_table('insights_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insights_follow_up_answered_at'), ['answered_at'], unique=False)
    # Plain CREATE INDEX, no batch: a batch that copied `question` would drop its FTS triggers on SQLite.
    op.create_index('ix_post_kind_created_at', 'post', ['kind', 'created_at'], unique=False)
    op.create_index('ix_question_closed_at', 'question', ['closed_at'], unique=False)


def downgrade():
    op.drop_index('ix_question_closed_at', table_name='question')
    op.drop_index('ix_post_kind_created_at', table_name='post')
    with op.batch_alter_table('insights_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insights_follow_up_answered_at'))
    op.drop_table('insights_follow_up')
    op.drop_table('insights_reminder')
