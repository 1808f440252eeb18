"""Cutting a test's own database away for a while, on either engine.

PostgreSQL: only the test database refuses connections (`ALLOW_CONNECTIONS
false`) and its open ones are ended (`pg_terminate_backend`); the server
keeps running for everyone else, and the database is let in again afterwards
whatever happened. SQLite: the file is moved aside and a directory stands in
its place, so opening it fails as an unreadable file does (permissions would
not do: the tests may run as root).
"""

import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from tracker.extensions import db


def _admin(url):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextmanager
def database_cut(app):
    """While inside, the app's database cannot be reached; restored on the way out."""
    with app.app_context():
        url = db.engine.url
    _forget_connections(app)
    try:
        with _cut(url):
            yield
    finally:
        _forget_connections(app)


def _forget_connections(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def _cut(url):
    if url.get_backend_name() == "postgresql":
        admin = _admin(url)
        name = url.database
        try:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()
    else:
        path = Path(url.database)
        aside = path.with_name(path.name + ".away")
        os.rename(path, aside)
        path.mkdir()
        try:
            yield
        finally:
            path.rmdir()
            os.rename(aside, path)
