"""The landing page after sign-in, and the health check."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from tracker.dashboard import views  # noqa: E402,F401
