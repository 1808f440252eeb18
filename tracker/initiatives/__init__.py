"""Initiatives: the moves that change a culture."""

from flask import Blueprint

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
