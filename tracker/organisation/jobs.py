"""Database upkeep the scheduler does for the organisation's data."""

from datetime import datetime

from sqlalchemy import func, select, text

from tracker.extensions import db

GROWTH = 1.25   # statistics are stale once a table has a quarter more rows
SMALL = 1_000   # below this, any plan is fast and statistics do not matter


def stale_tables(counts: dict[str, int], analysed: dict[str, int]) -> list[str]:
    """Tables whose row count has grown past what their statistics say."""
    return sorted(name for name, rows in counts.items()
                  if rows >= SMALL and rows > GROWTH * analysed.get(name, 0))


def refresh_statistics(now: datetime) -> dict[str, int]:
    """Keep SQLite's query-planner statistics current.

    Without `sqlite_stat1`, SQLite guesses every index equally selective and
    can walk thousands of open check-ins where one user's ten would do.
    PostgreSQL's autovacuum keeps its own statistics, so there this does
    nothing. Tables are analysed when they have grown by a quarter since
    their statistics were taken, so most ticks only count rows.
    """
    if db.engine.dialect.name != "sqlite":
        return {"analysed": 0}
    connection = db.session.connection()
    analysed: dict[str, int] = {}
    if connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        # The first number of each index's stat is the table's row count then.
        analysed = dict(connection.execute(text(
            "SELECT tbl, max(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl")).all())
    counts = {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
              for table in db.metadata.sorted_tables}
    stale = stale_tables(counts, analysed)
    for name in stale:
        connection.execute(text(f'ANALYZE "{name}"'))
    return {"analysed": len(stale)}
