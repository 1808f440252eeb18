"""Check-in forms: shape only. The rules (dates, evidence, who may report)
live in `tracker.checkins.services`, so jobs and the API obey them too."""

from wtforms import (
    Form,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField, FieldList, FormField, SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from tracker.checkins.classifier import CUE_ROLES, CUE_WEIGHTS
from tracker.checkins.cues import MAX_PHRASE as MAX_CUE_PHRASE
from tracker.checkins.models import CUE_KINDS, ENTRY_KINDS
from tracker.checkins.services import (
    MAX_DONE_BY,
    MAX_ENTRIES,
    MAX_ENTRY,
    MAX_EVIDENCE,
    MAX_NOTE,
    EntryInput,
    ReadingInput,
)
from tracker.forms import TrackerForm
from tracker.ids import form_id, parse_id
from tracker.metrics.services import MAX_NOTE as MAX_READING_NOTE

DEFAULT_ROWS = 3
KIND_CHOICES = [SelectChoice(value, label) for value, label in ENTRY_KINDS.items()]
TOO_LONG = "At most {max:,} characters."


def behaviour_choices(behaviours) -> list[SelectChoice]:
    """The optional behaviour select: target behaviours first, then the no-nos."""
    return (
        [SelectChoice(0, "— none —")]
        + [SelectChoice(b.id, b.name, optgroup="Supports a target behaviour")
           for b in behaviours if not b.is_no_no]
        + [SelectChoice(b.id, b.name, optgroup="Feeds a no-no") for b in behaviours if b.is_no_no]
    )


class _EntryFields(Form):
    """One talk-or-action statement. A row left without text is ignored."""

    # No default: the owner chooses, the app only suggests.
    kind = RadioField("Kind", choices=KIND_CHOICES, validate_choice=False,
                      validators=[Optional()])
    text = TextAreaField("What happened", validators=[
        Optional(), Length(max=MAX_ENTRY, message=TOO_LONG.format(max=MAX_ENTRY))])
    happened_on = DateField("Date it happened", validators=[Optional()])
    done_by = StringField("Who did it", validators=[Optional(), Length(max=MAX_DONE_BY)])
    evidence = StringField("Evidence", validators=[
        Optional(), Length(max=MAX_EVIDENCE, message=TOO_LONG.format(max=MAX_EVIDENCE))])
    behaviour_id = SelectField("Behaviour or no-no", coerce=form_id, validators=[Optional()])

    def to_input(self) -> EntryInput:
        return EntryInput(
            kind=self.kind.data or "",
            text=self.text.data or "",
            happened_on=self.happened_on.data,
            done_by=self.done_by.data or "",
            evidence=self.evidence.data or "",
            behaviour_id=self.behaviour_id.data or None,
        )

    @property
    def is_blank(self) -> bool:
        return not (self.text.data or "").strip()


class _ReadingFields(Form):
    """One optional metric reading; ignored while the value is empty."""

    metric_id = HiddenField()
    value = StringField("Value", validators=[Optional(), Length(max=40)])
    observed_on = DateField("Observed on", validators=[Optional()])
    # One limit for a reading's note, here and on the metric's page: the metrics service's.
    note = StringField("Note", validators=[Optional(), Length(max=MAX_READING_NOTE)])

    @property
    def is_blank(self) -> bool:
        return not (self.value.data or "").strip()


class CheckInForm(TrackerForm):
    """Entries and readings for one check-in; posted to preview or submit."""

    entries = FieldList(FormField(_EntryFields), min_entries=1, max_entries=MAX_ENTRIES)
    readings = FieldList(FormField(_ReadingFields), max_entries=50)

    def set_behaviour_choices(self, choices: list[SelectChoice]) -> None:
        for row in self.entries:
            row.form.behaviour_id.choices = choices

    def entry_inputs(self) -> list[EntryInput]:
        return [row.form.to_input() for row in self.entries]

    def reading_inputs(self) -> list[ReadingInput]:
        """One input per reading row, blank ones included, so a refusal names its row."""
        inputs = []
        for row in self.readings:
            metric_id = parse_id(row.form.metric_id.data)
            inputs.append(ReadingInput(metric_id=metric_id, value=(row.form.value.data or "").strip(),
                                       observed_on=row.form.observed_on.data,
                                       note=row.form.note.data or ""))
        return inputs

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for row in self.readings:
            if not row.form.is_blank and row.form.observed_on.data is None \
                    and not row.form.observed_on.errors:
                row.form.observed_on.errors = ["Give the date the value was observed."]
                valid = False
        return valid


class AmendForm(TrackerForm):
    """A correction to a submitted check-in, or an entry that was left out."""

    amends_id = SelectField("Which entry", coerce=form_id)
    kind = RadioField("Kind", choices=KIND_CHOICES, validators=[
        DataRequired(message="Choose talk or action.")])
    text = TextAreaField("What happened", validators=[
        DataRequired(message="Say what happened."),
        Length(max=MAX_ENTRY, message=TOO_LONG.format(max=MAX_ENTRY))])
    happened_on = DateField("Date it happened", validators=[Optional()])
    done_by = StringField("Who did it", validators=[Optional(), Length(max=MAX_DONE_BY)])
    evidence = StringField("Evidence", validators=[
        Optional(), Length(max=MAX_EVIDENCE, message=TOO_LONG.format(max=MAX_EVIDENCE))],
        description="A link (https://…) or a reference such as “contract #4471” or “PO-2291”.")
    behaviour_id = SelectField("Behaviour or no-no", coerce=form_id, validators=[Optional()])
    note = TextAreaField("Why you are amending it", validators=[
        DataRequired(message="Say why you are amending it."),
        Length(max=MAX_NOTE, message=TOO_LONG.format(max=MAX_NOTE))])

    def to_input(self) -> EntryInput:
        return EntryInput(kind=self.kind.data or "", text=self.text.data or "",
                          happened_on=self.happened_on.data, done_by=self.done_by.data or "",
                          evidence=self.evidence.data or "",
                          behaviour_id=self.behaviour_id.data or None)


class ReviewForm(TrackerForm):
    """The reviewer's verdict, sent by one of three buttons named `verdict`."""

    verdict = StringField(validators=[DataRequired(), AnyOf(("confirm", "talk", "action"))])


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role, f"{kind}: {label}") for kind, roles in CUE_ROLES.items()
            for role, label in roles.items()]


WEIGHT_CHOICES = [SelectChoice(weight, str(weight)) for weight in CUE_WEIGHTS]


class CuePhraseForm(TrackerForm):
    """A new cue phrase: shape only; `cues.add_cue` checks role against kind."""

    phrase = StringField("Phrase", validators=[DataRequired(), Length(max=MAX_CUE_PHRASE, message=TOO_LONG)])
    kind = SelectField("Points to", choices=[SelectChoice(k, v) for k, v in CUE_KINDS.items()],
                       validators=[DataRequired()])
    role = SelectField("Role", choices=_role_choices(), validators=[DataRequired()])
    weight = SelectField("Weight", choices=WEIGHT_CHOICES, coerce=int, default=3)


class CueChangeForm(TrackerForm):
    """A cue phrase's role, weight and use."""

    role = SelectField("Role", choices=_role_choices(), validators=[DataRequired()])
    weight = SelectField("Weight", choices=WEIGHT_CHOICES, coerce=int)
    active = SelectField("In use", choices=[SelectChoice("yes", "In use"),
                                            SelectChoice("no", "Switched off")])
