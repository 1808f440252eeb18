"""one amendment per entry: a unique index on checkin_entry.amends_id

Revision ID: a7c31e5d9b02
Revises: e5b8c2d94f13
Create Date: 2026-11-29 17:20:00.000000

Concurrent requests could store several amendments of the same entry (and
leave the check-in's tallies short). Before the index is made unique, such
amendments are chained in the order they were stored, each amending the one
before it, which is what amending them one after the other would have made:
the latest stands, every one stays visible. Then every check-in's tallies
are recounted.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c31e5d9b02'
down_revision = 'e5b8c2d94f13'
branch_labels = None
depends_on = None


def _chain_duplicate_amendments(connection) -> None:
    # An amendment always has a larger id than what it amends, and stays so,
    # so this ends; a pass can make new pairs (the one re-pointed to was itself
    # amended already), hence the loop.
    while rows := connection.execute(sa.text(
            "SELECT id, amends_id FROM checkin_entry WHERE amends_id IN ("
            " SELECT amends_id FROM checkin_entry WHERE amends_id IS NOT NULL"
            " GROUP BY amends_id HAVING count(*) > 1) ORDER BY amends_id, id")).all():
        previous: dict[int, int] = {}
        for entry_id, amends_id in rows:
            if amends_id in previous:
                connection.execute(
                    sa.text("UPDATE checkin_entry SET amends_id = :before WHERE id = :id"),
                    {"before": previous[amends_id], "id": entry_id})
            previous[amends_id] = entry_id


def _recount_tallies() -> None:
    standing = """FROM checkin_entry e WHERE e.checkin_id = checkin.id
        AND NOT EXISTS (SELECT 1 FROM checkin_entry a WHERE a.amends_id = e.id)"""
    kind = "COALESCE(e.reviewed_kind, e.kind)"
    op.execute(f"""UPDATE checkin SET
        evidenced_count = (SELECT count(*) {standing} AND {kind} = 'action' AND e.evidence <> ''),
        unevidenced_count = (SELECT count(*) {standing} AND {kind} = 'action' AND e.evidence = ''),
        talk_count = (SELECT count(*) {standing} AND {kind} = 'talk')""")


def upgrade():
    _chain_duplicate_amendments(op.get_bind())
    _recount_tallies()
    with op.batch_alter_table('checkin_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_entry_amends_id')
        batch_op.create_index('ix_checkin_entry_amends_id', ['amends_id'], unique=True)


def downgrade():
    with op.batch_alter_table('checkin_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_entry_amends_id')
        batch_op.create_index('ix_checkin_entry_amends_id', ['amends_id'], unique=False)
