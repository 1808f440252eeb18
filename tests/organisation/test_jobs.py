"""Database upkeep: SQLite's planner statistics follow the data as it grows."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from tests import factories
from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.organisation.jobs import refresh_statistics, stale_tables

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def test_only_tables_grown_past_their_statistics_are_stale():
    counts = {"checkin": 5_000, "reading": 1_200, "history_event": 900, "initiative": 2_000}
    analysed = {"checkin": 4_500, "reading": 900, "initiative": 1_600}
    assert stale_tables(counts, analysed) == ["reading"]  # 1,200 > 1.25 × 900; history is small
    assert stale_tables(counts, {}) == ["checkin", "initiative", "reading"]


def _many_checkins(initiatives: int, weeks: int) -> int:
    """Many initiatives, each with many check-ins, few of them open; the id of one initiative."""
    owner = factories.make_user("member")
    ids = [factories.make_initiative(owner=owner, status="in_progress").id for _ in range(initiatives)]
    first = date(2020, 1, 6)
    db.session.execute(insert(CheckIn), [
        {"initiative_id": initiative_id, "period_start": first + timedelta(weeks=i),
         "period_end": first + timedelta(weeks=i, days=6), "due_on": first + timedelta(weeks=i, days=7),
         "state": "open" if i == weeks - 1 else "missed", "created_at": NOW}
        for initiative_id in ids for i in range(weeks)])
    db.session.commit()
    return ids[0]


def test_sqlite_statistics_are_taken_once_a_table_grows_and_steer_the_planner(app, ctx, engine_name):
    if engine_name != "sqlite":
        assert refresh_statistics(NOW) == {"analysed": 0}  # PostgreSQL's autovacuum does it
        return
    initiative_id = _many_checkins(60, 25)
    query = text("EXPLAIN QUERY PLAN SELECT id FROM checkin WHERE initiative_id = :initiative "
                 "AND state = 'open' ORDER BY due_on")

    def plan() -> str:
        return " ".join(str(r[-1]) for r in db.session.execute(query, {"initiative": initiative_id}))

    # Without statistics SQLite walks every open check-in of the organisation.
    assert "ix_checkin_state_due_on" in plan()
    assert refresh_statistics(NOW)["analysed"] >= 1
    db.session.commit()
    rows = dict(db.session.execute(text(
        "SELECT tbl, max(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl")).all())
    assert rows["checkin"] == 1_500
    assert refresh_statistics(NOW) == {"analysed": 0}, "nothing grew since"
    assert "ix_checkin_state_due_on" not in plan(), "one initiative's check-ins are fewer"
