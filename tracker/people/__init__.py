"""People decisions: hires, promotions, moves, demotions, exits and
recognition, each with the behaviour evidence behind it."""

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
