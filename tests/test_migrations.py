"""The Alembic migrations build exactly the schema the models describe."""

import os
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

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
# compare ix_initiative_title_lower and ix_people_decision_employee_ref_lower
# there; the test below looks for them itself.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_models_on_sqlite(tmp_path):
    path = tmp_path / "m.sqlite"
    diff, tables = _upgrade_and_diff(f"sqlite:///{path}")
    assert diff == []
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        sql = dict(connection.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE name IN "
            "('ix_initiative_title_lower', 'ix_people_decision_employee_ref_lower')")).all())
    engine.dispose()
    assert "lower(title)" in sql["ix_initiative_title_lower"]
    assert "lower(employee_ref)" in sql["ix_people_decision_employee_ref_lower"]


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


def _owner_and_checkin_in_sql():
    """A user owning an initiative with a submitted check-in, inserted in SQL
    that every revision since temporary passwords (e5b8c2d94f13) accepts."""
    run = db.session.execute
    owner_id = run(text(
        "INSERT INTO user_account (email, display_name, role, active, timezone, digest_opt_in,"
        " password_hash, created_at, session_token, password_must_change) VALUES"
        " ('owner@example.com', 'O', 'member', true, 'UTC', true, 'x', CURRENT_TIMESTAMP, 't', false)"
        " RETURNING id")).scalar_one()
    initiative_id = run(text(
        "INSERT INTO initiative (title, kind, description, burning_platform, status, abandon_reason,"
        " owner_id, start_date, created_at, updated_at) VALUES ('I', 'other', '', 'B', 'in_progress',"
        " '', :owner, '2026-01-05', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
        {"owner": owner_id}).scalar_one()
    checkin_id = run(text(
        "INSERT INTO checkin (initiative_id, period_start, period_end, due_on, state, created_at,"
        " evidenced_count, unevidenced_count, talk_count) VALUES (:initiative, '2026-03-02',"
        " '2026-03-08', '2026-03-06', 'submitted', CURRENT_TIMESTAMP, 1, 0, 1) RETURNING id"),
        {"initiative": initiative_id}).scalar_one()
    return SimpleNamespace(id=owner_id), SimpleNamespace(id=checkin_id)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_several_amendments_of_one_entry_are_chained_and_tallies_recounted(engine, tmp_path):
    """Before amendments were unique per entry, a race could store several of
    one entry (and short tallies). The upgrade chains them oldest first, so
    the latest stands, and recounts."""
    with _scratch_database(engine, tmp_path) as url:
        app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="e5b8c2d94f13")
            run = db.session.execute
            _, checkin = _owner_and_checkin_in_sql()
            entry = ("INSERT INTO checkin_entry (id, checkin_id, kind, text, done_by, evidence,"
                     " suggested_kind, reasons, review_state, amends_id, amendment_note, is_amendment,"
                     " created_at) VALUES (:id, :checkin, :kind, 'x', '', :evidence, :kind, '[]', 'none',"
                     " :amends, '', :amendment, CURRENT_TIMESTAMP)")
            rows = [(1, "action", "PO-1", None), (2, "talk", "", None),
                    # three amendments of entry 1, stored by a race, and one of one of them
                    (3, "talk", "", 1), (4, "talk", "", 1), (5, "talk", "", 1), (6, "action", "", 3)]
            for entry_id, kind, evidence, amends in rows:
                run(text(entry), {"id": entry_id, "checkin": checkin.id, "kind": kind,
                                  "evidence": evidence, "amends": amends,
                                  "amendment": amends is not None})
            db.session.commit()
            upgrade()
            amends = dict(run(text("SELECT id, amends_id FROM checkin_entry")).all())
            tallies = run(text("SELECT evidenced_count, unevidenced_count, talk_count FROM checkin")).one()
            db.session.remove()
            db.engine.dispose()
    assert amends == {1: None, 2: None, 3: 1, 4: 3, 5: 4, 6: 5}
    # Standing: entry 2 (talk) and entry 6 (an action without evidence).
    assert tuple(tallies) == (0, 1, 1)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_what_was_sent_stays_sent_in_the_outbox_and_failed_reminders_come_back(engine, tmp_path):
    from tracker.outbox import services as outbox

    with _scratch_database(engine, tmp_path) as url:
        app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="a7c31e5d9b02")  # the revision before the outbox
            # Plain SQL: the models describe the newest schema, not this one.
            owner, checkin = _owner_and_checkin_in_sql()
            rows = {"c": checkin.id, "u": owner.id}
            db.session.execute(text(
                "INSERT INTO checkin_reminder (checkin_id, kind, recipient, state, error, created_at,"
                " sent_at) VALUES"
                " (:c, 'due', 'owner@example.com', 'sent', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
                " (:c, 'overdue', 'owner@example.com', 'failed', 'Connection refused', CURRENT_TIMESTAMP,"
                " NULL)"), rows)
            db.session.execute(text(
                "INSERT INTO digest_delivery (user_id, week, state, attempts, last_error, message_id,"
                " created_at) VALUES (:u, '2026-W09', 'sent', 1, '', '<d9>', CURRENT_TIMESTAMP),"
                " (:u, '2026-W10', 'handed_over', 1, '', '<d10>', CURRENT_TIMESTAMP),"
                " (:u, '2026-W11', 'retry', 2, '451 busy', '<d11>', CURRENT_TIMESTAMP)"), rows)
            db.session.commit()
            upgrade()
            stored = dict(db.session.execute(text(
                "SELECT dedupe_key, state FROM outbox_message")).all())
            assert stored == {f"reminder:{checkin.id}:due": "sent", f"digest:{owner.id}:2026-W09": "sent",
                              f"digest:{owner.id}:2026-W10": "unknown_outcome"}
            # The reminder the old sender gave up on, and the digest it was retrying, can be queued again.
            again = [f"reminder:{checkin.id}:overdue", f"digest:{owner.id}:2026-W11"]
            assert outbox.keys_taken(again) == set()
            db.session.remove()
            db.engine.dispose()
