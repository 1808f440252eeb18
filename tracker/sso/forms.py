from wtforms import HiddenField

from tracker.forms import TrackerForm, blank_unless_plain


class ProviderSignInForm(TrackerForm):
    """The "Sign in with <provider>" button: its CSRF token, and where to go afterwards."""

    next = HiddenField(filters=[blank_unless_plain])
