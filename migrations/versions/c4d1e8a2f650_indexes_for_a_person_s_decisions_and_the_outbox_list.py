"""indexes for a person's decisions (by lower(employee_ref)) and the outbox list (newest first)

A person's decisions are matched on lower(employee_ref), which the plain
index on employee_ref could not answer: every decision was read. The outbox
page lists messages by created_at and id, newest first: without an index
every message was read and sorted for each page.

Revision ID: c4d1e8a2f650
Revises: fd682b7c9c5b
Create Date: 2026-11-30 01:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import tracker.db


# revision identifiers, used by Alembic.
revision = 'c4d1e8a2f650'
down_revision = 'fd682b7c9c5b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_decision_employee_ref'))
        batch_op.create_index('ix_people_decision_employee_ref_lower', [sa.text('lower(employee_ref)')],
                              unique=False)
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_created_at_id', ['created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_created_at_id')
    with op.batch_alter_table('people_decision', schema=None) as batch_op:
        batch_op.drop_index('ix_people_decision_employee_ref_lower')
        batch_op.create_index(batch_op.f('ix_people_decision_employee_ref'), ['employee_ref'], unique=False)
