"""The base of every form: text fields hold plain text, nothing else.

Every form in the app derives from `TrackerForm` (tests/test_layers.py checks),
so no field can bring a control character to a service or the database: a
text area may hold line breaks and tabs, every other field (titles, names,
addresses, choices, hidden values) is a single line. The refusal is put
beside the field, before its own validators run; a hidden field's refusal,
which nobody could see beside it, goes above the form.

`WholeNumberField` is the integer field to use: WTForms' own takes a number
of any length. `CheckboxesField` is how every form picks several things (a
checkbox each, drawn by `checkboxes` in templates/_forms.html).
`blank_unless_plain` is the filter for a value that only steers, where a
control character means "absent" rather than "refused". `PickerField` names
one of many records (a person, an initiative) by what someone types, with
suggestions from a search endpoint: a list of every record would grow with
the organisation. `LongSelectField` is a select of many choices (every
metric, every incentive in effect) drawn from options rendered once per
data version (`tracker.options`), not built option by option per request.
"""

from collections.abc import Callable

from flask import url_for
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import Choice
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

from tracker.ids import form_id
from tracker.options import Options
from tracker.validation import FieldError, leaf_fields
from tracker.validators import text_problem


def _label(field: Field) -> str:
    text = field.label.text if field.label else ""
    return f"“{text}”" if text else "This value"


def _plain_text(form, field: Field) -> None:
    # The value as the form holds it: numbers and dates that parsed hold no
    # control character, and a filter may have cleaned the text already.
    values = field.data if isinstance(field.data, list | tuple) else (field.data,)
    for value in values:
        problem = text_problem(value, _label(field), single_line=not isinstance(field, TextAreaField))
        if problem:
            raise StopValidation(problem)


def blank_unless_plain(value):
    """A filter for a value that only steers (where to go after signing in):
    one holding a control character is treated as absent, not refused."""
    return "" if text_problem(value, "", single_line=True) else value


class WholeNumberField(IntegerField):
    """A whole number of at most nine digits. WTForms' IntegerField takes any
    length, and a 400-digit number then overflows NumberRange and the database."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 9):
            self.data = None
            raise ValueError("Enter a whole number, like 3.")
        self.data = int(text)


class CheckboxesField(SelectMultipleField):
    """Several choices, each a checkbox: one look and one way to pick in every
    form (a multi-select needs Ctrl-click, which few people know). Choices may
    be grouped ({"Target behaviours": [...], "No-nos": [...]})."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PickerInput:
    """A text input with a `<datalist>` of suggestions, which static/js/picker.js
    fills from the field's search endpoint as the person types. Without script
    the input still takes what the field's resolver understands (an email)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        options = f"{kwargs['id']}-options"
        attributes = html_params(type="text", name=field.name, value=field._value(), list=options,
                                 autocomplete="off", data_picker=url_for(field.search_endpoint),
                                 **kwargs)
        # html_params escapes every value; the datalist's id is escaped here.
        return Markup(f'<input {attributes}><datalist id="{escape(options)}"></datalist>')  # noqa: S704


class PickerField(StringField):
    """One record among many, named by typing: `resolve(text)` turns what was
    typed into the record's id (None for nothing typed) or raises FieldError
    saying what to type instead; `shown(id)` is how the record reads in the
    input ("Sam Lee <sam@example.com>"). `data` is the id, as a select's was,
    so the form hands the service the same value; the typed text stays in the
    input when the form comes back with an error. `search_endpoint` answers
    `?q=` with suggestions (a JSON list of {"value", "label"})."""

    widget = PickerInput()

    def __init__(self, label=None, validators=None, *, resolve: Callable[[str], int | None],
                 shown: Callable[[int], str], search_endpoint: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.resolve, self.shown_as, self.search_endpoint = resolve, shown, search_endpoint
        self.typed: str | None = None

    def process_formdata(self, valuelist):
        # What was typed is resolved when the form is validated, after the
        # check for control characters; until then the id is unknown.
        if valuelist:
            self.typed, self.data = valuelist[0], None

    def pre_validate(self, form) -> None:
        if self.typed is None:
            return
        if text_problem(self.typed, "", single_line=True):
            return  # the plain-text check beside the field says what is wrong
        try:
            self.data = self.resolve(self.typed)
        except FieldError as e:
            raise StopValidation(e.message) from None

    def shown(self) -> str:
        """The chosen record as the input shows it; empty for none."""
        return self.shown_as(self.data) if self.data else ""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.shown()


class LongSelect(Select):
    """Draws a `LongSelectField`: its few first choices, then its kept options
    with the chosen one marked (`Options.html`), in one pass. Validation
    flags are kept as WTForms' own select keeps them."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = True
        chosen = "" if field.data is None else str(field.data)
        first = "".join(
            f'<option value="{escape(value)}"{" selected" if str(value) == chosen else ""}>'
            f"{escape(label)}</option>" for value, label in field.first)
        options = field.options.html(field.data, field.leave_out)
        # Every value and label is escaped, here and in Options.of; html_params escapes the rest.
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{first}{options}</select>")  # noqa: S704


class LongSelectField(SelectField):
    """A select of many records (every metric, every incentive in effect),
    whose `data` is the chosen id (0 for a `first` choice such as "— none —").
    `offer(options, leave_out=...)` gives it options kept per data version
    (`tracker.options.kept_options`); the few `first` choices come before
    them. Not limited to the offered choices: the service says what is
    wrong with an id it cannot take."""

    widget = LongSelect()

    def __init__(self, label=None, validators=None, *, first=(), **kwargs):
        super().__init__(label, validators, coerce=form_id, validate_choice=False, **kwargs)
        self.first: tuple[tuple[object, str], ...] = tuple(first)
        self.options = Options.NONE
        self.leave_out: frozenset[int] = frozenset()

    def offer(self, options: Options, leave_out=()) -> None:
        self.options, self.leave_out = options, frozenset(leave_out)

    @property
    def offered(self) -> int:
        """How many choices the select shows."""
        return len(self.first) + len(self.options) - self.options.count(self.leave_out)

    def iter_choices(self):
        # For what reads the choices one by one (an edit conflict names the
        # chosen label); drawing the select does not come here.
        for value, label in (*self.first, *self.options.iter_choices(self.leave_out)):
            yield Choice(value, label, self.coerce(value) == self.data, {})

    def has_groups(self) -> bool:
        return False


class TrackerForm(FlaskForm):
    """A FlaskForm whose every field refuses control characters (see the module)."""

    def validate(self, extra_validators=None) -> bool:
        for field in leaf_fields(self):
            if _plain_text not in field.validators:
                # A copy per bound field: the declared list is shared by every instance.
                field.validators = [_plain_text, *field.validators]
        valid = super().validate(extra_validators)
        for field in leaf_fields(self):
            if isinstance(field, HiddenField) and field.errors:
                self.form_errors.extend(e for e in field.errors if e not in self.form_errors)
        return valid
