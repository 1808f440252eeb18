"""Building the demo organisation. Adds and flushes; the CLI commits."""

import secrets

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.extensions import db
from tracker.history.models import SQLITE_TRIGGERS

DEPARTMENTS = ("Sales", "Marketing", "Finance", "Operations", "Customer Service", "HR")

# (role, email, name, department)
PEOPLE = (
    ("admin", "admin@example.com", "Alex Admin", None),
    ("executive", "ceo@example.com", "Morgan Reyes (CEO)", None),
    ("executive", "coo@example.com", "Priya Natarajan (COO)", "Operations"),
    ("hr", "hr@example.com", "Hannah Okafor", "HR"),
    ("member", "service@example.com", "Sam Whitfield", "Customer Service"),
    ("member", "sales@example.com", "Jordan Blake", "Sales"),
    ("member", "marketing@example.com", "Casey Lin", "Marketing"),
    ("member", "ops@example.com", "Riley Novak", "Operations"),
    ("member", "finance@example.com", "Taylor Brooks", "Finance"),
)


def database_has_data() -> bool:
    """True when any account exists. Raises click-friendly errors if the schema is missing."""
    try:
        return bool(db.session.scalar(select(func.count()).select_from(User)))
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        raise SchemaMissing(
            "The database has no tables yet: run `flask --app app db upgrade` first."
        ) from None


class SchemaMissing(Exception):
    """The database was never migrated."""


def erase_everything() -> None:
    """Delete every row of every table, history included.

    This is the one operator action that removes history, so it steps
    around the append-only triggers deliberately: TRUNCATE on PostgreSQL
    (row triggers do not fire), dropping and re-creating them on SQLite.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    if db.session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    db.session.execute(text("DROP TRIGGER IF EXISTS history_event_no_update"))
    db.session.execute(text("DROP TRIGGER IF EXISTS history_event_no_delete"))
    for table in tables:
        db.session.execute(delete(table))
    for statement in SQLITE_TRIGGERS:
        db.session.execute(text(statement))
    db.session.flush()


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo organisation; return (role, email, password) per login.

    Passwords are random on every load, so no credential lives in the code.
    """
    departments = {name: accounts.create_department(name) for name in DEPARTMENTS}
    logins = []
    for role, email, name, department in PEOPLE:
        password = secrets.token_urlsafe(9)
        accounts.create_user(
            email=email,
            display_name=name,
            role=role,
            password=password,
            department_id=departments[department].id if department else None,
            timezone="Australia/Sydney",
        )
        logins.append((role, email, password))
    return logins
