"""check-in replies by email: checkin_reply, one row per Message-ID

Revision ID: b4e2d7a91c3f
Revises: a7c3e9f1d2b5
Create Date: 2026-11-29 20:10:00

"""
from alembic import op
import sqlalchemy as sa

import tracker.db


# revision identifiers, used by Alembic.
revision = 'b4e2d7a91c3f'
down_revision = 'a7c3e9f1d2b5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'checkin_reply',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('checkin_id', sa.Integer(), nullable=False),
        sa.Column('sender', sa.String(length=254), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('lines', sa.JSON(), nullable=False),
        sa.Column('attachments', sa.JSON(), nullable=False),
        sa.Column('received_at', tracker.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['checkin_id'], ['checkin.id'],
                                name=op.f('fk_checkin_reply_checkin_id_checkin'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_reply')),
        sa.UniqueConstraint('message_id', name=op.f('uq_checkin_reply_message_id')),
    )
    with op.batch_alter_table('checkin_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_reply_checkin_id'), ['checkin_id'], unique=False)


def downgrade():
    with op.batch_alter_table('checkin_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_reply_checkin_id'))
    op.drop_table('checkin_reply')
