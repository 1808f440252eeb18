"""Token forms: shape only. Rules live in `tracker.tokens.services`."""

from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.forms import TrackerForm, WholeNumberField
from tracker.tokens.services import MAX_DAYS, MAX_NAME
from tracker.validators import too_long


class TokenForm(TrackerForm):
    name = StringField("Name", validators=[DataRequired(), too_long("The name", MAX_NAME)],
                       description="What will use it, e.g. “Survey tool NPS feed”.")
    scopes = SelectMultipleField("Scopes", widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), validate_choice=True)
    days = WholeNumberField("Expires after (days)", default=90,
                            validators=[NumberRange(1, MAX_DAYS, f"From 1 to {MAX_DAYS} days.")])


class RevokeForm(TrackerForm):
    """A revoke button: only the CSRF token."""
