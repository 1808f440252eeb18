"""Which database the benchmark uses, and how big it is."""

from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection, make_url

from tracker import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "sqlite:///bench/data/bench.sqlite"

# The tables whose sizes the results report, in the order a reader thinks of them.
COUNTED_TABLES = ("department", "user_account", "behaviour", "metric", "reading", "initiative",
                  "initiative_metric", "initiative_behaviour", "checkin", "checkin_entry",
                  "people_decision", "people_evidence", "incentive", "incentive_judgement", "api_token",
                  "webhook_endpoint", "webhook_delivery", "history_event")


def resolve_url(url: str) -> str:
    """The URL with the psycopg driver for PostgreSQL and, for SQLite, an
    absolute path: a relative one is taken from the repository root (Flask-
    SQLAlchemy would otherwise put it in the instance folder)."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.is_absolute():
            path = ROOT / path
        url = parsed.set(database=str(path)).render_as_string(hide_password=False)
    return url


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database)


def kind(url: str) -> str:
    return make_url(url).get_backend_name()


def generation_record(url: str) -> Path:
    """Where `bench.generate` notes how long it took for this database."""
    name = Path(make_url(url).database or "memory").stem
    return ROOT / "bench" / "data" / f"generated-{kind(url)}-{name}.json"


def row_counts(conn: Connection) -> dict[str, int]:
    """{table: rows} for the tables that exist."""
    from tracker.extensions import db

    existing = set(inspect(conn).get_table_names())
    return {name: conn.scalar(select(func.count()).select_from(db.metadata.tables[name]))
            for name in COUNTED_TABLES if name in existing and name in db.metadata.tables}
