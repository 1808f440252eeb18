"""While the database refuses the app's connections: a 503 in plain words,
a JSON 503 from the health check, one line per job from a tick, and nothing
stored from what was submitted meanwhile. On PostgreSQL only this test's own
database is cut off (the server keeps running); on SQLite its file is made
unopenable."""

from sqlalchemy import func, select

from tests.conftest import count_queries
from tests.outage import database_cut
from tracker.behaviours.models import Behaviour
from tracker.extensions import db
from tracker.scheduler import JOBS


def test_a_signed_in_page_says_briefly_unavailable_with_retry_after(app, login_as, client):
    login_as("admin")
    with database_cut(app):
        response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    page = response.get_data(as_text=True)
    assert "briefly unavailable" in page
    assert "it was not saved" in page and "try again in a minute" in page
    assert "Traceback" not in page and "psycopg" not in page and "sqlite" not in page.lower()
    assert client.get("/").status_code == 200  # and back once the database is


def test_what_was_submitted_during_the_outage_is_not_stored(app, login_as, client):
    login_as("admin")
    with database_cut(app):
        response = client.post("/behaviours/new", data={
            "name": "Refund up to $200 without asking", "kind": "target",
            "from_behaviour": "", "to_behaviour": ""})
    assert response.status_code == 503
    assert "it was not saved" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Behaviour)) == 0


def test_the_health_check_answers_json_503_while_the_database_is_away(app, client):
    with database_cut(app):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert response.json["status"] == "unavailable"
    assert response.json["database"] == "unavailable"
    assert client.get("/healthz").json == {"status": "ok"}


def test_an_unknown_url_is_a_404_without_loading_the_account(app, login_as, client):
    login_as("member")
    with count_queries(app) as queries:
        response = client.get("/no/such/page")
    assert response.status_code == 404 and queries() == 0
    with database_cut(app):
        assert client.get("/no/such/page").status_code == 404


def test_a_tick_prints_one_line_per_job_while_the_database_is_away(app, runner):
    with database_cut(app):
        result = runner.invoke(args=["scheduler", "tick", "--at", "2026-01-09T08:30:00Z"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"{name}: database unavailable" for name in JOBS]


def test_an_error_page_after_a_rollback_does_not_query_for_the_account(app, login_as, client):
    from flask import abort
    from flask_login import current_user

    from tracker import transaction

    @app.get("/stale-then-forbidden")
    def stale_then_forbidden():
        assert current_user.is_authenticated  # loads the account: one query
        transaction.rollback()  # ...which expires it
        abort(403)

    login_as("member")
    with count_queries(app) as queries:
        response = client.get("/stale-then-forbidden")
    assert response.status_code == 403 and queries() == 1
