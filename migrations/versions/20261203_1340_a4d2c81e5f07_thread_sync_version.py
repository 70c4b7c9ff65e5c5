"""thread sync version: a per-question change counter, the live page's catch-up cursor

Revision ID: a4d2c81e5f07
Revises: b7d41e2a9c53
Create Date: 2026-12-03 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d2c81e5f07'
down_revision = 'b7d41e2a9c53'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sync_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sync_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_column('sync_version')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('sync_version')
