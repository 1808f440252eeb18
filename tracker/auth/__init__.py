"""Signing in and out, and the one authorization helper every view uses."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
