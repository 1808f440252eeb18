"""indexes for the initiative list's sorts and kind filter

Revision ID: 5b9249fe245a
Revises: b89f12599c52
Create Date: 2026-11-23 20:46:35.519134

"""
from alembic import op
import sqlalchemy as sa

import tracker.db


# revision identifiers, used by Alembic.
revision = '5b9249fe245a'
down_revision = 'b89f12599c52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.create_index('ix_initiative_due_date_id', ['due_date', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_initiative_start_date_id', ['start_date', 'id'], unique=False)
        batch_op.create_index('ix_initiative_updated_at_id', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_initiative_title_lower', [sa.text('lower(title)'), 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_index('ix_initiative_title_lower')
        batch_op.drop_index('ix_initiative_updated_at_id')
        batch_op.drop_index('ix_initiative_start_date_id')
        batch_op.drop_index(batch_op.f('ix_initiative_kind'))
        batch_op.drop_index('ix_initiative_due_date_id')
