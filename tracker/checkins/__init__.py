"""Check-ins: what owners say they did, with talk kept apart from action."""

from flask import Blueprint

bp = Blueprint("checkins", __name__, url_prefix="/checkins")

from tracker.checkins import views  # noqa: E402,F401
