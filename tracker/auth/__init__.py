"""Signing in and out, and the one authorization helper every view uses."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from tracker.auth import views  # noqa: E402,F401
