"""Error pages that say what happened and leak nothing."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker import transaction

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing here. It may have been moved or never existed."),
    405: ("Not allowed", "That action is not available here."),
    413: ("Too large", "What you sent is larger than this app accepts."),
    500: ("Something went wrong", "The error was logged. Nothing you submitted was half-saved."),
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(
            400, "This form was out of date or did not come from this site. "
            "Go back, reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code in MESSAGES:
            return render_error(e.code)
        return e

    @app.errorhandler(500)
    def server_error(e):
        # Whatever the request wrote must not be committed by a later one.
        transaction.rollback()
        return render_error(500)
