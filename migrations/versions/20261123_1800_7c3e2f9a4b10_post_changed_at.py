"""post changed_at: when open pages last had to learn about a post (catch-up after a reconnect)

Revision ID: 7c3e2f9a4b10
Revises: 5b1e0c9d7a21
Create Date: 2026-11-23 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e2f9a4b10'
down_revision = '5b1e0c9d7a21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True))
    # Published posts changed last when they were published or edited.
    op.execute("UPDATE post SET changed_at = COALESCE(edited_at, created_at) WHERE status = 'published'")


def downgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
