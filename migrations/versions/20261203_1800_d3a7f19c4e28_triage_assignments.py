"""triage: a route per question, triage workers and their teams, expert availability, assignments

Revision ID: d3a7f19c4e28
Revises: d2a7f4c9e1b8
Create Date: 2026-12-03 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a7f19c4e28'
down_revision = 'd2a7f4c9e1b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route', sa.String(length=10), nullable=True))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('triage_worker', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('absent_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('monthly_capacity', sa.Integer(), nullable=True))
    op.create_table(
        'triage_team',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_triage_team_team_id_team'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_triage_team_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'team_id', name=op.f('pk_triage_team')),
    )
    op.create_table(
        'assignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('expert_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('respond_by', sa.DateTime(timezone=True), nullable=False),
        sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expected_on', sa.Date(), nullable=True),
        sa.Column('decline_reason', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_assignment_assigned_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['expert_id'], ['user.id'], name=op.f('fk_assignment_expert_id_user'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_assignment_question_id_question'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment')),
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_expert_status', ['expert_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_respond_by'), ['respond_by'], unique=False)


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_respond_by'))
        batch_op.drop_index(batch_op.f('ix_assignment_question_id'))
        batch_op.drop_index('ix_assignment_expert_status')
    op.drop_table('assignment')
    op.drop_table('triage_team')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('monthly_capacity')
        batch_op.drop_column('absent_until')
        batch_op.drop_column('triage_worker')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('route')
