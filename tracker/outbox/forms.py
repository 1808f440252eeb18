"""Outbox forms: shape only. Rules live in `tracker.outbox.services`."""

from tracker.forms import TrackerForm


class ResendForm(TrackerForm):
    """The confirmation that sends a message again: nothing but its CSRF token."""
