"""Webhooks out: endpoints an admin registers, the events they receive,
signed the Standard Webhooks way and delivered through the outbox."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

# The views are imported by create_app, not here, so importing a model never
# drags in every view.
