"""The factory, configuration layers, database settings and error pages."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from tracker import create_app, normalise_database_url
from tracker.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_connection_uses_wal_busy_timeout_and_foreign_keys(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite", "SECRET_KEY": "x"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def _config_of(tmp_path, env: dict, expr: str) -> str:
    """Build the app in a clean process, as `flask --app app` would, and print one value."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    full_env.pop("DATABASE_URL", None)
    full_env.update(env)
    full_env["TRACKER_INSTANCE_PATH"] = str(tmp_path)
    code = f"from tracker import create_app; app = create_app(); print({expr})"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True,
        check=True,
    )
    return out.stdout.strip()


def test_config_layers_instance_file_then_environment(tmp_path):
    (tmp_path / "config.py").write_text("ORGANISATION_NAME = 'From instance'\nPASSWORD_MIN_LENGTH = 20\n")
    assert _config_of(tmp_path, {}, "app.config['ORGANISATION_NAME']") == "From instance"
    env = {"TRACKER_ORGANISATION_NAME": "From env"}
    assert _config_of(tmp_path, env, "app.config['ORGANISATION_NAME']") == "From env"
    # Environment values are parsed as JSON where they can be.
    env = {"TRACKER_PASSWORD_MIN_LENGTH": "14"}
    assert _config_of(tmp_path, env, "app.config['PASSWORD_MIN_LENGTH']") == "14"


def test_database_url_selects_the_database(tmp_path):
    env = {"DATABASE_URL": "postgresql://someone@db.example/tracker"}
    assert (
        _config_of(tmp_path, env, "app.config['SQLALCHEMY_DATABASE_URI']")
        == "postgresql+psycopg://someone@db.example/tracker"
    )
    default = _config_of(tmp_path, {}, "app.config['SQLALCHEMY_DATABASE_URI']")
    assert default == f"sqlite:///{tmp_path / 'tracker.sqlite'}"


def test_secret_key_is_generated_once_and_kept_in_instance(tmp_path):
    first = _config_of(tmp_path, {}, "app.config['SECRET_KEY']")
    second = _config_of(tmp_path, {}, "app.config['SECRET_KEY']")
    assert len(first) == 64 and first == second
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_secure_cookies_setting_marks_cookies_secure(tmp_path):
    env = {"TRACKER_SECURE_COOKIES": "true"}
    out = _config_of(
        tmp_path, env,
        "app.config['SESSION_COOKIE_SECURE'], app.config['REMEMBER_COOKIE_SECURE'], "
        "app.config['SESSION_COOKIE_HTTPONLY'], app.config['SESSION_COOKIE_SAMESITE']",
    )
    assert out == "True True True Lax"


def test_factory_starts_no_scheduler_and_runs_no_migrations(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite", "SECRET_KEY": "x"})
    with app.app_context():
        tables = db.session.execute(
            text("SELECT name FROM sqlite_master WHERE type='table'")
        ).scalars().all()
    assert tables == []


def test_unknown_page_gets_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not found" in response.data
    assert b"Traceback" not in response.data


def test_server_error_page_leaks_nothing_and_rolls_back(app):
    from tracker.accounts.models import Department

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        db.session.add(Department(name="Half written"))
        db.session.flush()
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b"secret internals" not in response.data
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM department")).scalar() == 0


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_every_page_title_is_plain_text():
    """A page's <title> is words: markup inside {% block title %} (a section
    pasted into it once) would show as text in the browser tab."""
    import re

    templates = Path(__file__).resolve().parent.parent / "templates"
    for path in templates.rglob("*.html"):
        for title in re.findall(r"{% block title %}(.*?){% endblock %}", path.read_text(), re.S):
            assert "<" not in title and "\n" not in title, f"{path.relative_to(templates)}: {title[:80]!r}"
