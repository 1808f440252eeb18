"""Error pages that say what happened and leak nothing.

Rendering an error page never queries the database: the page may be the
answer to the database being away. A signed-in user whose account this
request already loaded sees the usual menu; otherwise (an unknown URL, a
500, the database unavailable) the page shows as to a visitor, because
loading the account would be a query.
"""

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from tracker import transaction
from tracker.api import problems
from tracker.db import database_unavailable
from tracker.extensions import login_manager

log = logging.getLogger("tracker.errors")

# How long a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 60

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing here. It may have been moved or never existed."),
    405: ("Not allowed", "That action is not available here."),
    413: ("Too large", "What you sent is larger than this app accepts."),
    500: ("Something went wrong", "The error was logged. Nothing you submitted was half-saved."),
}


def _without_loading_the_user(*, forget_loaded: bool = False) -> None:
    """Make the page's `current_user` the one this request already loaded, or
    an anonymous visitor: Flask-Login would otherwise query for the account
    while rendering. After a rollback the loaded account is expired (reading
    it would query again), so it is dropped then, and always with `forget_loaded`."""
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    if forget_loaded or user is None or (state is not None and state.expired_attributes):
        g._login_user = login_manager.anonymous_user()


def render_error(code: int, detail: str | None = None):
    _without_loading_the_user()
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def unavailable_response():
    """The 503 page: plain words, Retry-After, and no query anywhere in it."""
    _without_loading_the_user(forget_loaded=True)
    body = render_template("errors/unavailable.html")
    return body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _rollback_quietly() -> None:
    """Throw the request's work away; with the database gone even that may fail."""
    try:
        transaction.rollback()
    except SQLAlchemyError:
        log.warning("rollback failed while the database was unavailable")


def _api_request() -> bool:
    """Under /api errors are problem details (RFC 9457), not pages."""
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(
            400, "This form was out of date or did not come from this site. "
            "Go back, reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if _api_request():
            return problems.from_http_exception(e)
        if e.code in MESSAGES:
            return render_error(e.code)
        return e

    @app.errorhandler(SQLAlchemyError)
    def database_error(e: SQLAlchemyError):
        if not database_unavailable(e):
            raise e  # a fault of ours: Flask turns it into the 500 below
        # One line, no traceback: an outage repeats on every request.
        log.warning("database unavailable: %s", str(e).splitlines()[0] if str(e) else type(e).__name__)
        _rollback_quietly()
        if _api_request():
            return problems.response(503, "The database is unavailable; try again shortly.",
                                     headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        return unavailable_response()

    @app.errorhandler(500)
    def server_error(e):
        # Whatever the request wrote must not be committed by a later one.
        _rollback_quietly()
        if _api_request():
            return problems.response(500, "The error was logged. Nothing you sent was half-saved.")
        _without_loading_the_user(forget_loaded=True)
        return render_error(500)
