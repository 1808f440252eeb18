"""temporary passwords: replaced at the first sign-in, expiring after a set time

Revision ID: e5b8c2d94f13
Revises: d71f2a9c4e08
Create Date: 2026-11-29 15:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import tracker.db


# revision identifiers, used by Alembic.
revision = 'e5b8c2d94f13'
down_revision = 'd71f2a9c4e08'
branch_labels = None
depends_on = None


def upgrade():
    # Existing passwords are the people's own: nothing to replace, no expiry.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_must_change', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('password_expires_at', tracker.db.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('password_must_change', existing_type=sa.Boolean(), server_default=None)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('password_expires_at')
        batch_op.drop_column('password_must_change')
