"""The landing page after sign-in, and the health check."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
