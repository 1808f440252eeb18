"""failed sign-ins, counted per account and per client address to throttle guessing

Revision ID: d71f2a9c4e08
Revises: c3a4e1f07b21
Create Date: 2026-11-29 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import tracker.db


# revision identifiers, used by Alembic.
revision = 'd71f2a9c4e08'
down_revision = 'c3a4e1f07b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('failed_sign_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', tracker.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_sign_in'))
    )
    with op.batch_alter_table('failed_sign_in', schema=None) as batch_op:
        batch_op.create_index('ix_failed_sign_in_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_failed_sign_in_email_at', ['email', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_failed_sign_in_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('failed_sign_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_sign_in_at'))
        batch_op.drop_index('ix_failed_sign_in_email_at')
        batch_op.drop_index('ix_failed_sign_in_address_at')

    op.drop_table('failed_sign_in')
