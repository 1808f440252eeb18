"""Personal access tokens: what a program shows the JSON API instead of a
password. Created on the account's tokens page and shown once, stored only as
a hash, each with a name, scopes, an expiry and a last-used time; revoked by
their owner or an admin. The API itself lives in `tracker.api`."""

from flask import Blueprint

bp = Blueprint("tokens", __name__)
