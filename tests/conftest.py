"""Fixtures shared by every test.

Every test that takes `app` runs once on SQLite and, when
TRACKER_TEST_DATABASE_URL is set, once more on that PostgreSQL database.
"""

import os
import shutil
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, exists, make_url, select, text

from tracker import create_app, normalise_database_url
from tracker.extensions import db
from tracker.history.models import HistoryEvent

# Under pytest-xdist each worker gets its own PostgreSQL database, named after
# the one given (`tracker_ci_gw0`, ...), created at start and dropped at the end.
BASE_PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _worker_url(url: str | None) -> str | None:
    if not url or not WORKER:
        return url
    parsed = make_url(normalise_database_url(url))
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


PG_URL = _worker_url(BASE_PG_URL)

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]

BASE_TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-only-not-secret",
    "WTF_CSRF_ENABLED": False,
    # Cheap hashes keep the suite fast; one test checks the real parameters.
    "PASSWORD_HASH_METHOD": "argon2id:8:1:1",
    "SERVER_NAME": "localhost",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql: runs against PostgreSQL")
    config.addinivalue_line("markers", "fixed_now(moment): the app's clock (tracker.clock.now) "
                                       "reads this aware UTC moment instead of the time")
    if PG_URL and PG_URL != BASE_PG_URL:
        _admin_execute(f'DROP DATABASE IF EXISTS "{make_url(PG_URL).database}" WITH (FORCE)')
        _admin_execute(f'CREATE DATABASE "{make_url(PG_URL).database}"')
        # A database of our own, emptied after every test: its commits need not
        # wait for the disk (nothing here survives a crash of the server).
        _admin_execute(f'ALTER DATABASE "{make_url(PG_URL).database}" SET synchronous_commit TO off')


def pytest_unconfigure(config):
    if PG_URL and PG_URL != BASE_PG_URL:
        _admin_execute(f'DROP DATABASE IF EXISTS "{make_url(PG_URL).database}" WITH (FORCE)')


def _admin_execute(statement: str) -> None:
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def pytest_collection_modifyitems(config, items):
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="TRACKER_TEST_DATABASE_URL is not set")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def _pg_schema():
    """Build the schema once per session in the PostgreSQL test database."""
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": PG_URL})
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return True


# Every sequence a test moved starts again at 1, as in a new database.
_RESTART_SEQUENCES = text(
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")


def _empty_all(app) -> None:
    """Delete every row and restart the ids. DELETE, not TRUNCATE: a test
    leaves a few rows, and TRUNCATE gives each table new files (half a second
    a test for all of them; a few milliseconds this way). The history refuses
    DELETE (append-only), so it alone is truncated, and only when it holds rows."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name == HistoryEvent.__tablename__:
                    if connection.scalar(select(exists().select_from(table))):
                        connection.execute(text(f'TRUNCATE "{table.name}"'))
                else:
                    connection.execute(table.delete())
            connection.execute(_RESTART_SEQUENCES)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_schema(tmp_path_factory):
    """An empty SQLite database with the schema, built once per session and
    copied for each test (a copy takes well under a millisecond, building
    the schema about fifty)."""
    folder = tmp_path_factory.mktemp("schema")
    path = folder / "schema.sqlite"
    app = _create_app(folder, {**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return path


def _create_app(tmp_path, config):
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    os.environ["TRACKER_INSTANCE_PATH"] = str(instance)
    try:
        return create_app(config)
    finally:
        del os.environ["TRACKER_INSTANCE_PATH"]


def make_app(tmp_path, engine: str, request, **overrides):
    if engine == "postgresql":
        request.getfixturevalue("_pg_schema")
        url = normalise_database_url(PG_URL)
    else:
        path = tmp_path / "test.sqlite"
        url = f"sqlite:///{path}"
        if not path.exists():  # a second app of the same test shares the first one's database
            shutil.copyfile(request.getfixturevalue("_sqlite_schema"), path)
    # Pages read the clock; a test marked fixed_now(moment) knows what "today" is.
    fixed_now = request.node.get_closest_marker("fixed_now")
    if fixed_now is not None:
        overrides = {"FIXED_NOW": fixed_now.args[0], **overrides}
    config = {**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides}
    app = _create_app(tmp_path, config)
    if engine == "sqlite":
        if config["SQLALCHEMY_DATABASE_URI"] != url:  # a database of the test's own
            with app.app_context():
                db.create_all()
    else:
        # Whoever made it, the next test finds the shared PostgreSQL database empty.
        request.addfinalizer(lambda: _empty_all(app))
    return app


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


@pytest.fixture
def app(tmp_path, engine_name, request):
    app = make_app(tmp_path, engine_name, request)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for service-level tests (no HTTP)."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def login_as(app, client):
    """`login_as("hr")` makes a user with that role and signs the client in as them.
    Pass an existing user instead of a role to sign in as that user."""
    from tests import factories

    def _login(role_or_user="member", **kwargs):
        with app.app_context():
            if isinstance(role_or_user, str):
                user = factories.make_user(role=role_or_user, **kwargs)
                db.session.commit()
            else:
                user = role_or_user
            user_id = user.id
        sign_in_session(client, user_id)
        with app.app_context():
            return db.session.get(type(user), user_id)

    return _login


def sign_in_session(client, user_id: int) -> None:
    """Give `client` the session cookie of a browser signed in as that user."""
    from tracker.accounts.models import User

    with client.application.app_context():
        session_id = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True


@contextmanager
def count_queries(app):
    """Count the SQL statements run inside the block: `with count_queries(app) as n: ...; n()`."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", before)


def query_plan(sql: str, **params) -> str:
    """How the database would run `sql` (plain SQL with :named parameters),
    as one line of text. PostgreSQL is told to avoid whole-table scans, so
    that a test's few rows show whether an index can answer the query at all
    (on a few rows it would read the table anyway)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text("EXPLAIN QUERY PLAN " + sql), params)
        return " ".join(str(row[-1]) for row in rows)
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    return " ".join(row[0] for row in connection.execute(text("EXPLAIN " + sql), params))
