"""Behaviour forms: shape only. Rules live in `tracker.behaviours.services`."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker.behaviours.models import BEHAVIOUR_KINDS
from tracker.behaviours.services import MAX_NAME, MAX_TEXT
from tracker.concurrency import VersionedForm
from tracker.forms import TrackerForm
from tracker.validators import too_long


class BehaviourForm(VersionedForm, TrackerForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), too_long("The name", MAX_NAME)],
        description="Short and observable: 'Frontline staff refund up to $200 without asking'.",
    )
    kind = SelectField("Kind", choices=BEHAVIOUR_KINDS, default="target")
    from_behaviour = TextAreaField(
        "From: what people do now",
        validators=[Optional(), Length(max=MAX_TEXT)],
        description="The old behaviour this replaces, as a customer or colleague would see it.",
    )
    to_behaviour = TextAreaField(
        "To: what they do instead",
        validators=[Optional(), Length(max=MAX_TEXT)],
        description="For a no-no, what people do once it is gone.",
    )

    def data_for_service(self) -> dict:
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "from_behaviour": self.from_behaviour.data or "",
            "to_behaviour": self.to_behaviour.data or "",
        }
