"""organisation cue phrases for the talk/action classifier

Revision ID: a7c3e9d41b20
Revises: f8080ec79dbf
Create Date: 2026-11-29 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import tracker.db


# revision identifiers, used by Alembic.
revision = 'a7c3e9d41b20'
down_revision = 'f8080ec79dbf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'classifier_cue_phrase',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phrase', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('weight', sa.SmallInteger(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', tracker.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_classifier_cue_phrase_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_classifier_cue_phrase')),
        sa.UniqueConstraint('phrase', name=op.f('uq_classifier_cue_phrase_phrase')),
    )


def downgrade():
    op.drop_table('classifier_cue_phrase')
