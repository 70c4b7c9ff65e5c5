"""login throttle: failed logins per account and client address (the lock per source)

Revision ID: b7d41e2a9c53
Revises: b8d4e1f2a903
Create Date: 2026-12-03 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41e2a9c53'
down_revision = 'b8d4e1f2a903'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_throttle',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('source_hash', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('succeeded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_throttle_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'source_hash', name=op.f('pk_login_throttle')),
    )
    # The old lock was per account: an account locked at the upgrade stays
    # locked for its last minutes, now as the account-wide delay.


def downgrade():
    op.drop_table('login_throttle')
