"""Incentives: what the organisation pays for, judged against the change.

What each department, role or named group is measured or paid on, how each
incentive supports or pulls against each target behaviour and no-no, the
map of departments against behaviours, the conflicts between departments
paid to pull opposite ways, and the initiatives that change an incentive.
"""

from flask import Blueprint

bp = Blueprint("incentives", __name__, url_prefix="/incentives")

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
