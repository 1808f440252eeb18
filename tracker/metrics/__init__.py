"""Observable metrics, their precise standards, and readings."""

from flask import Blueprint

bp = Blueprint("metrics", __name__, url_prefix="/metrics")

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
