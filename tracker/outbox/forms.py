"""Outbox forms: shape only. Rules live in `tracker.outbox.services`."""

from flask_wtf import FlaskForm


class ResendForm(FlaskForm):
    """The confirmation that sends a message again: nothing but its CSRF token."""
