"""ux: follow or mute a question per person, and a child's age in months under one year

Revision ID: d9a4f6c2e1b8
Revises: d7a3f9c2e4b1
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd9a4f6c2e1b8'
down_revision = 'd7a3f9c2e4b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'question_following',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_following_question_id_question'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_question_following_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'question_id', name=op.f('pk_question_following')),
    )
    with op.batch_alter_table('question_following', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_following_question_id'), ['question_id'], unique=False)
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('child_age_months', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('child_age_months')
    with op.batch_alter_table('question_following', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_following_question_id'))
    op.drop_table('question_following')
