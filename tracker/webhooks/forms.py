"""Webhook forms: shape only. Rules live in `tracker.webhooks.services`."""

from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.accounts.picker import account_shown, resolve_account
from tracker.forms import PickerField, TrackerForm
from tracker.webhooks.services import EVENT_NEEDS, EVENTS, MAX_DESCRIPTION, MAX_URL, EndpointInput

EVENT_CHOICES = [(event, f"{event}: {meaning}" + (" (owner must be allowed to read people decisions)"
                                                 if event in EVENT_NEEDS else ""))
                 for event, meaning in EVENTS.items()]


class EndpointForm(TrackerForm):
    # The service says what is wrong with a URL, in words, beside the field.
    url = StringField("URL", validators=[Length(max=MAX_URL * 4)],
                      description="Where each event is POSTed as JSON, signed; https:// unless it is "
                                  "inside your own network.")
    description = StringField("Description", validators=[Length(max=MAX_DESCRIPTION * 4)],
                              description="What receives it, for the next admin (optional).")
    # Typed, with suggestions: a select of every person grows with the organisation.
    owner_id = PickerField("Owner", resolve=resolve_account, shown=account_shown,
                           search_endpoint="accounts.people_search",
                           description="Type a name or email, then choose from the suggestions. Told "
                                       "by mail if the endpoint is disabled; it receives nothing its "
                                       "owner could not see in the app.")
    # The service says which events may not be chosen, and why.
    events = SelectMultipleField("Events", choices=EVENT_CHOICES, validate_choice=False,
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def data_for_service(self) -> EndpointInput:
        return EndpointInput(url=self.url.data or "", description=self.description.data or "",
                             events=list(self.events.data or []), owner_id=self.owner_id.data or None)


class ConfirmForm(TrackerForm):
    """A button that posts (rotate the secret, enable, disable): only the CSRF token."""


class EnabledForm(TrackerForm):
    """The enable or disable button: `enabled` is "y" to enable."""

    enabled = HiddenField()
