"""reading corrections and voids (append-only), a metric's plausible range

Revision ID: a7c3e9f1d2b5
Revises: b4e8d1f0c6a3
Create Date: 2026-11-29 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1d2b5'
down_revision = 'b4e8d1f0c6a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_value', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('max_value', sa.Float(), nullable=True))
    # Every reading stored so far is current: none was ever corrected.
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_current', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('voided', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_reading_supersedes_id'), ['supersedes_id'])
        batch_op.create_foreign_key(batch_op.f('fk_reading_supersedes_id_reading'), 'reading',
                                    ['supersedes_id'], ['id'])
        batch_op.drop_constraint('uq_reading_metric_id', type_='unique')
        batch_op.create_index('uq_reading_current_day', ['metric_id', 'observed_on'], unique=True,
                              sqlite_where=sa.text('is_current = 1'),
                              postgresql_where=sa.text('is_current'))
        batch_op.create_index('ix_reading_metric_history', ['metric_id', 'observed_on'])


def downgrade():
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.drop_index('ix_reading_metric_history')
        batch_op.drop_index('uq_reading_current_day')
        batch_op.create_unique_constraint('uq_reading_metric_id', ['metric_id', 'observed_on'])
        batch_op.drop_constraint(batch_op.f('fk_reading_supersedes_id_reading'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_reading_supersedes_id'), type_='unique')
        batch_op.drop_column('reason')
        batch_op.drop_column('voided')
        batch_op.drop_column('supersedes_id')
        batch_op.drop_column('is_current')
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.drop_column('max_value')
        batch_op.drop_column('min_value')
