"""Accounts: users, departments, the admin pages and the `users` CLI."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

# The views are imported by create_app, not here, so importing a model never
# drags in every view (and the import cycles that come with it).
