"""Burning Platform Tracker: the application factory."""

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker import extensions
from tracker.accounts.passwords import hasher_for
from tracker.sso.settings import provider_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Pure: no migrations, network calls or schedulers here."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("TRACKER_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    register_config(app, test_config)
    register_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_security(app)
    register_cli(app)
    register_template_helpers(app)
    return app


def register_config(app: Flask, test_config: dict | None) -> None:
    """Layers: defaults in code, `instance/config.py`, `TRACKER_*` environment
    variables and `DATABASE_URL`; `test_config` replaces the last three."""
    app.config.from_object("tracker.config")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("TRACKER")
        if os.environ.get("DATABASE_URL") and "TRACKER_SQLALCHEMY_DATABASE_URI" not in os.environ:
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.update(test_config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "sqlite:///" + str(Path(app.instance_path) / "tracker.sqlite")
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    # A mistyped hash method fails here, at start-up, not at the first sign-in.
    hasher_for(app.config["PASSWORD_HASH_METHOD"])
    for name in POSITIVE_SETTINGS:
        _check_positive(app.config, name)
    # A wrong single sign-on setting fails here, naming it, not at someone's sign-in.
    provider_settings(app.config)
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_DAYS"])
    if app.config.get("SECURE_COOKIES"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


# Settings that must be numbers above zero (a day count, an hour count, a limit).
POSITIVE_SETTINGS = ("REMEMBER_DAYS", "TEMPORARY_PASSWORD_HOURS", "SIGN_IN_MAX_FAILURES_PER_ACCOUNT",
                     "SIGN_IN_MAX_FAILURES_PER_ADDRESS", "SIGN_IN_WINDOW_MINUTES",
                     "READINGS_IMPORT_MAX_ROWS", "READINGS_IMPORT_MAX_ERRORS", "API_REQUESTS_PER_MINUTE")


def _check_positive(config, name: str) -> None:
    value = config[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 10**6:
        raise ValueError(f"{name} must be a positive number, not {value!r}")


def register_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and
    scheme from the X-Forwarded-For and X-Forwarded-Proto headers they set
    (sign-in throttling counts per client address). Without a proxy, those
    headers are anyone's to forge, so they are ignored."""
    proxies = app.config["TRUSTED_PROXIES"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise ValueError(f"TRUSTED_PROXIES must be a whole number of proxies, not {proxies!r}")
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # as Flask's docs do
            app.wsgi_app, x_for=proxies, x_proto=proxies)


def normalise_database_url(url: str) -> str:
    """Send `postgres://` and `postgresql://` URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret_key(instance: Path) -> str:
    """Read the key generated on first start, or make one. Kept out of the
    repository; losing it only signs everybody out."""
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker starting at the same moment won the race; use its key.
        for _ in range(50):
            existing = key_file.read_text().strip()
            if existing:
                return existing
            time.sleep(0.05)
        raise
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def register_extensions(app: Flask) -> None:
    # Referenced through the module: a top-level `db` name here would shadow
    # the `tracker.db` module that migrations import.
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True
    )
    extensions.csrf.init_app(app)
    login_manager = extensions.login_manager
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def register_blueprints(app: Flask) -> None:
    from tracker.ids import IdConverter

    # Before any blueprint: their routes read ids with `<id:...>`.
    app.url_map.converters["id"] = IdConverter
    from tracker.accounts import views as accounts
    from tracker.auth import views as auth
    from tracker.behaviours import views as behaviours
    from tracker.checkins import views as checkins
    from tracker.dashboard import views as dashboard
    from tracker.digests import views as digests
    from tracker.history import models as history_models  # noqa: F401 (registers the table)
    from tracker.incentives import views as incentives
    from tracker.initiatives import views as initiatives
    from tracker.metrics import views as metrics
    from tracker.organisation import views as organisation
    from tracker.outbox import views as outbox
    from tracker.people import views as people
    from tracker.sso import views as sso
    from tracker.tokens import views as tokens
    from tracker.webhooks import views as webhooks

    for module in (auth, sso, accounts, dashboard, initiatives, behaviours, metrics, checkins,
                   organisation, outbox, digests, people, incentives, tokens, webhooks):
        app.register_blueprint(module.bp)
    register_api(app)


def register_api(app: Flask) -> None:
    """The JSON API: token-authenticated, so exempt from CSRF (the session
    cookie never authenticates it), documented by OpenAPI 3.1."""
    from tracker.api import bp, docs, reference  # noqa: F401 (reference registers its page)
    from tracker.api.models import IdempotentRequest  # noqa: F401 (registers the table)
    from tracker.api.openapi import init_api

    extensions.csrf.exempt(bp)
    init_api(app)
    app.register_blueprint(docs)


def register_errors(app: Flask) -> None:
    from tracker.errors import register_error_handlers

    register_error_handlers(app)


def register_security(app: Flask) -> None:
    from tracker.security import register_security_headers

    register_security_headers(app)


def register_cli(app: Flask) -> None:
    from tracker.accounts.cli import users_cli
    from tracker.checkins.cli import classify_command, mail_cli
    from tracker.demo.cli import demo_cli
    from tracker.digests.cli import digests_cli
    from tracker.scheduler import scheduler_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(classify_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(digests_cli)


def register_template_helpers(app: Flask) -> None:
    from tracker.auth.policy import can
    from tracker.charts import percent
    from tracker.metrics.models import change_wording
    from tracker.plural import counted
    from tracker.validation import error_attrs

    app.jinja_env.globals["can"] = can
    # `share|percent`: the one rounding of a share to a whole percent (charts.percent).
    app.jinja_env.filters["percent"] = percent
    # `amount|change_in(unit)`: a change in a metric's own unit ("40 points" of a percentage).
    app.jinja_env.filters["change_in"] = change_wording
    # `n|counted('act')`: "1 act", "2 acts" (plural.counted).
    app.jinja_env.filters["counted"] = counted
    app.jinja_env.globals["error_attrs"] = error_attrs
    app.jinja_env.globals["organisation_name"] = app.config["ORGANISATION_NAME"]
