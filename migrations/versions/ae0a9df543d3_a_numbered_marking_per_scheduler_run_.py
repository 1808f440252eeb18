"""a numbered marking per scheduler run that marks check-ins missed

Revision ID: ae0a9df543d3
Revises: 8b239b33ede3
Create Date: 2026-11-30 02:34:23.577534

"""
from alembic import op
import sqlalchemy as sa

import tracker.db


# revision identifiers, used by Alembic.
revision = 'ae0a9df543d3'
down_revision = '8b239b33ede3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_missed_marking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('marked_at', tracker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checkins', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_missed_marking'))
    )


def downgrade():
    op.drop_table('checkin_missed_marking')
