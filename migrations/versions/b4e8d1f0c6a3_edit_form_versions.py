"""a version on every record with an edit form, for optimistic concurrency

Revision ID: b4e8d1f0c6a3
Revises: a7c3e9d41b20
Create Date: 2026-11-29 17:40:00.000000

Existing rows start at version 1 (the server default). A form opened before
the upgrade carries no version and saves as it did.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e8d1f0c6a3'
down_revision = 'a7c3e9d41b20'
branch_labels = None
depends_on = None

TABLES = ('initiative', 'metric', 'behaviour', 'people_decision', 'org_settings', 'user_account')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
