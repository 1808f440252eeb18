"""Building the demo organisation. Adds and flushes; the CLI commits."""

import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.extensions import db

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
    """Delete every row of every table, children first."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
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
