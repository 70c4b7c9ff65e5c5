"""moderation: decisions as labelled examples, watched words

Revision ID: d2a7f4c9e1b8
Revises: c5e8a1f3b2d6
Create Date: 2026-12-03 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2a7f4c9e1b8'
down_revision = 'c5e8a1f3b2d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderation_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training_label', sa.String(length=12), nullable=True))
    op.create_table(
        'moderation_watched_word',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phrase', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_by_id', sa.Integer(), nullable=True),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_moderation_watched_word_created_by_id_user')),
        sa.ForeignKeyConstraint(['removed_by_id'], ['user.id'], name=op.f('fk_moderation_watched_word_removed_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_watched_word')),
    )
    with op.batch_alter_table('moderation_watched_word', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_watched_word_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_watched_word_removed_at'), ['removed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('moderation_watched_word', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_watched_word_removed_at'))
        batch_op.drop_index(batch_op.f('ix_moderation_watched_word_created_by_id'))
    op.drop_table('moderation_watched_word')
    with op.batch_alter_table('moderation_decision', schema=None) as batch_op:
        batch_op.drop_column('training_label')
