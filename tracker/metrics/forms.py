"""Metric and reading forms: shape only. Rules live in `tracker.metrics.services`."""

from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.accounts.picker import account_shown, resolve_account
from tracker.concurrency import VersionedForm
from tracker.forms import CheckboxesField, PickerField, TrackerForm
from tracker.ids import form_id
from tracker.metrics.models import CADENCES, DIRECTIONS, SOURCES
from tracker.metrics.services import MAX_NAME, MAX_NOTE, MAX_STANDARD, MetricInput
from tracker.validators import too_long

PRECISE_EXAMPLE = "95% of orders processed within 3 hours of receipt, measured weekly"


class NumberField(FloatField):
    """A decimal number typed as text, with a message a person understands."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = float(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError("Enter a number, like 42 or 3.5: digits only, no units.") from None


class MetricForm(VersionedForm, TrackerForm):
    name = StringField("Name", validators=[DataRequired(), too_long("The name", MAX_NAME)])
    unit = StringField(
        "Unit", validators=[Optional(), Length(max=40)],
        description="What the numbers count: %, minutes, calls, $.",
    )
    direction = SelectField("Which way is better?", choices=DIRECTIONS)
    baseline = NumberField("Baseline", validators=[InputRequired()],
                           description="Where it stands today.")
    target = NumberField("Target", validators=[InputRequired()],
                         description="Where it must get to.")
    min_value = NumberField("Lowest plausible reading", validators=[Optional()],
                            description="Optional: readings below it are refused as typos "
                                        "(% metrics: 0 unless you say otherwise; counts: 0).")
    max_value = NumberField("Highest plausible reading", validators=[Optional()],
                            description="Optional: readings above it are refused (% metrics: 100).")
    target_date = DateField("Target date", validators=[InputRequired("Give the date the target is due.")])
    cadence = SelectField("Read", choices=CADENCES, default="monthly")
    source = SelectField(
        "Where the numbers come from", choices=SOURCES, default="customer",
        description="What customers perceive counts more than what we believe about ourselves.",
    )
    standard = TextAreaField(
        "Performance standard",
        validators=[DataRequired(), Length(max=MAX_STANDARD)],
        description=f"One sentence someone else could check, with a number and a time bound: "
                    f"“{PRECISE_EXAMPLE}”. Words like “promptly” or “efficiently” are flagged.",
    )
    # Typed, with suggestions: a select of every person grows with the organisation.
    owner_id = PickerField("Owner", resolve=resolve_account, shown=account_shown,
                           search_endpoint="accounts.people_search",
                           description="Type a name or email, then choose from the suggestions.")
    department_id = SelectField("Department", coerce=form_id, validate_choice=False)
    # The service says which ids do not exist, in words.
    behaviour_ids = CheckboxesField("Behaviours it observes", coerce=form_id, validate_choice=False)

    def data_for_service(self) -> MetricInput:
        return MetricInput(
            name=self.name.data,
            unit=self.unit.data or "",
            direction=self.direction.data,
            baseline=self.baseline.data,
            target=self.target.data,
            target_date=self.target_date.data,
            cadence=self.cadence.data,
            source=self.source.data,
            standard=self.standard.data,
            owner_id=self.owner_id.data or 0,
            department_id=self.department_id.data or None,
            behaviour_ids=tuple(self.behaviour_ids.data or ()),
            min_value=self.min_value.data,
            max_value=self.max_value.data,
        )


class ReadingForm(TrackerForm):
    observed_on = DateField("Observed on", validators=[InputRequired("Give the date it was observed.")])
    value = NumberField("Value", validators=[InputRequired()])
    note = TextAreaField(
        "Note", validators=[Optional(), Length(max=MAX_NOTE)],
        description="Optional: what explains the number.",
    )


class CorrectReadingForm(TrackerForm):
    value = NumberField("Correct value", validators=[InputRequired()])
    reason = TextAreaField("Why", validators=[DataRequired("Say why: the history keeps the reason."),
                                               Length(max=MAX_NOTE)])


class VoidReadingForm(TrackerForm):
    reason = TextAreaField("Why", validators=[DataRequired("Say why: the history keeps the reason."),
                                               Length(max=MAX_NOTE)])


class ReadingsImportForm(TrackerForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])
