"""Declarative base, naming convention and the small helpers every model uses."""

import sqlite3
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import DateTime, MetaData, Row, event
from sqlalchemy.engine import CursorResult, Dialect, Engine, Result
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Constraint names must be predictable so Alembic can alter them on SQLite too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached or refused us (server
    down, connections refused or cut, a locked SQLite file), rather than that
    our statement was wrong. Such a request is worth retrying in a minute."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


# A result row of any columns (a bare `Row` is a row of no columns to a type checker).
AnyRow = Row[*tuple[Any, ...]]


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through `Session.execute` changed
    (typed as a plain Result; it is a CursorResult, which counts them)."""
    return cast("CursorResult[Any]", result).rowcount or 0


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones; without this, values read back would be naive
    on SQLite and aware on PostgreSQL, and comparisons would break.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL lets readers work while the scheduler writes; with WAL,
    synchronous=NORMAL is the documented safe setting (a power cut may lose
    the last commits, never corrupt the file) and saves an fsync per commit;
    the busy timeout waits for a lock instead of failing; SQLite leaves
    foreign keys off unless asked."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
