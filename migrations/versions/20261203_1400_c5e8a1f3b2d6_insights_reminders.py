"""insights: reminder markers and follow-up answers

Revision ID: c5e8a1f3b2d6
Revises: 7c3e2f9a4b10
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e8a1f3b2d6'
down_revision = '7c3e2f9a4b10'
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


def downgrade():
    with op.batch_alter_table('insights_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insights_follow_up_answered_at'))
    op.drop_table('insights_follow_up')
    op.drop_table('insights_reminder')
