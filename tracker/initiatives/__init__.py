"""Initiatives: the moves that change a culture."""

from flask import Blueprint

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")

from tracker.initiatives import views  # noqa: E402,F401
