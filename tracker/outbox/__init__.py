"""The outbox: every message sent later (reminders, digests) waits here, with
one set of states, one backoff and one handover rule."""

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

# The views are imported by create_app, not here, so importing a model never
# drags in every view.
