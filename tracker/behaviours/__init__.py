"""Target behaviours (wanted) and no-nos (to eliminate)."""

from flask import Blueprint

bp = Blueprint("behaviours", __name__, url_prefix="/behaviours")

from tracker.behaviours import views  # noqa: E402,F401
