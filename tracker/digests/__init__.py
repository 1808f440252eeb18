"""The weekly email digest: what was done, and what was only said."""

from flask import Blueprint

bp = Blueprint("digests", __name__, url_prefix="/digests")

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
