"""Signing in with the organisation's identity provider (OpenID Connect)."""

from flask import Blueprint

bp = Blueprint("sso", __name__)

# The views are imported by create_app, not here.
