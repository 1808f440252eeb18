"""people decisions indexed by when they were recorded (the digest's week)

Revision ID: 8b239b33ede3
Revises: c4d1e8a2f650
Create Date: 2026-11-30 01:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8b239b33ede3'
down_revision = 'c4d1e8a2f650'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_decision_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('people_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_decision_created_at'))
