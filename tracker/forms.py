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
control character means "absent" rather than "refused".
"""

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField, SelectMultipleField, TextAreaField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.validation import leaf_fields
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
