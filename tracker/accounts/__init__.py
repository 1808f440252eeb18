"""Accounts: users, departments, the admin pages and the `users` CLI."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from tracker.accounts import views  # noqa: E402,F401
