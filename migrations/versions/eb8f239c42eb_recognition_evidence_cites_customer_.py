"""recognition evidence cites customer opinion

Revision ID: eb8f239c42eb
Revises: e2c9f4a7b813
Create Date: 2026-11-29 20:27:35.767721

"""
import warnings

from alembic import op
import sqlalchemy as sa

import tracker.db


# revision identifiers, used by Alembic.
revision = 'eb8f239c42eb'
down_revision = 'e2c9f4a7b813'
branch_labels = None
depends_on = None


# SQLite's batch mode copies people_evidence and reflects the tables it refers
# to on the way: the initiative's expression index on lower(title) cannot be
# reflected, and needs not be (that table is not copied).
UNREFLECTED_INDEX = "Skipped unsupported reflection of expression-based index"


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", UNREFLECTED_INDEX)
        with op.batch_alter_table('people_evidence', schema=None) as batch_op:
            batch_op.add_column(sa.Column('customer_metric_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('customer_words', sa.Text(), server_default='', nullable=False))
            batch_op.create_index(batch_op.f('ix_people_evidence_customer_metric_id'), ['customer_metric_id'],
                                  unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_people_evidence_customer_metric_id_metric'), 'metric',
                                        ['customer_metric_id'], ['id'])


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", UNREFLECTED_INDEX)
        with op.batch_alter_table('people_evidence', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_people_evidence_customer_metric_id_metric'),
                                     type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_people_evidence_customer_metric_id'))
            batch_op.drop_column('customer_words')
            batch_op.drop_column('customer_metric_id')
