"""Organisation settings and the scheduler's record of its jobs."""

from flask import Blueprint

bp = Blueprint("organisation", __name__, url_prefix="/admin")

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
