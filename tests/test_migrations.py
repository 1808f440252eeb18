"""The Alembic migrations build exactly the schema the models describe."""

import os
import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import BASE_TEST_CONFIG, PG_URL
from tracker import create_app, normalise_database_url
from tracker.accounts import services as accounts
from tracker.extensions import db


def _upgrade_and_diff(url: str) -> tuple[list, set[str]]:
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        db.engine.dispose()
    return diff, tables


# SQLite cannot reflect an index on an expression, so autogenerate cannot
# compare ix_initiative_title_lower there; the test below looks for it itself.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_models_on_sqlite(tmp_path):
    path = tmp_path / "m.sqlite"
    diff, tables = _upgrade_and_diff(f"sqlite:///{path}")
    assert diff == []
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        sql = connection.execute(text(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_initiative_title_lower'")).scalar()
    engine.dispose()
    assert sql is not None and "lower(title)" in sql


@pytest.mark.postgresql
@pytest.mark.skipif(not PG_URL, reason="TRACKER_TEST_DATABASE_URL is not set")
def test_migrations_match_models_on_postgresql(tmp_path):
    with _scratch_database("postgresql", tmp_path) as url:
        diff, tables = _upgrade_and_diff(url)
    assert diff == []
    assert {t.name for t in db.metadata.sorted_tables} <= tables

@contextmanager
def _scratch_database(engine: str, tmp_path):
    """The URL of an empty database on `engine`, dropped afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("TRACKER_TEST_DATABASE_URL is not set")
    url = make_url(normalise_database_url(PG_URL))
    scratch = f"{url.database}_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        yield url.set(database=scratch).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_existing_users_get_a_session_token_each_and_old_cookies_stop_working(engine, tmp_path):
    with _scratch_database(engine, tmp_path) as url:
        app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="5b9249fe245a")
            for n in (1, 2):
                db.session.execute(text(
                    "INSERT INTO user_account (email, display_name, role, active, timezone, digest_opt_in,"
                    " password_hash, created_at) VALUES (:email, 'U', 'member', true, 'UTC', true, 'x',"
                    " CURRENT_TIMESTAMP)"), {"email": f"u{n}@example.com"})
            db.session.commit()
            upgrade()
            tokens = db.session.scalars(text("SELECT session_token FROM user_account")).all()
            assert accounts.user_for_session("1") is None  # a cookie from before the upgrade
            db.session.remove()
            db.engine.dispose()
    assert len(tokens) == 2 and len(set(tokens)) == 2 and all(len(t) >= 40 for t in tokens)
