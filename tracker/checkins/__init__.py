"""Check-ins: what owners say they did, with talk kept apart from action."""

from flask import Blueprint

bp = Blueprint("checkins", __name__, url_prefix="/checkins")

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
