"""Observable metrics, their precise standards, and readings."""

from flask import Blueprint

bp = Blueprint("metrics", __name__, url_prefix="/metrics")

from tracker.metrics import views  # noqa: E402,F401
