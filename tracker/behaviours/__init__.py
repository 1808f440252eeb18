"""Target behaviours (wanted) and no-nos (to eliminate)."""

from flask import Blueprint

bp = Blueprint("behaviours", __name__, url_prefix="/behaviours")

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
