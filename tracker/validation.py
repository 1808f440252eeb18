"""Refusals that name the field to blame, and the one place a view puts them on a form.

A service raises a `FieldError` (each domain subclasses it: `InitiativeError`,
`PeopleError`…) naming the form field at fault, so the page shows the message
beside that field instead of in a banner (FlaskBB's `populate_errors`). A
service that checks several fields reports every problem at once through
`collect`. Services know nothing of forms: `field` is the name of the input
they were given, which the forms use for their fields too.
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import Self

from wtforms import Field, Form
from wtforms.fields import FieldList, FormField


class FieldError(Exception):
    """A submitted value broke a rule; the message is fit to show whoever submitted it.

    `field` names the form field to blame: "title", or nested as WTForms names a
    subfield ("entries-2-evidence", "evidence-0-what", counted from 0). None when
    no one field is at fault (a permission, the state of the record). `errors`
    is every problem found: this one alone, or all of them after `collect`.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors: list[FieldError] = [self]

    @classmethod
    def collect(cls, errors: Sequence["FieldError"]) -> Self:
        """One exception of this class carrying every problem in `errors` (not empty)."""
        if len(errors) == 1 and isinstance(errors[0], cls):
            return errors[0]
        combined = cls(" ".join(e.message for e in errors))
        combined.errors = [problem for e in errors for problem in e.errors]
        return combined


def leaf_fields(fields: Iterable[Field]) -> Iterator[Field]:
    """Every field of a form, those inside FieldList and FormField included."""
    for field in fields:
        if isinstance(field, FormField):
            yield from leaf_fields(field.form)
        elif isinstance(field, FieldList):
            yield from leaf_fields(field.entries)
        else:
            yield field


def populate_errors(form: Form, error: FieldError) -> None:
    """Put each message of `error` beside the field it names, subfields of
    FieldList and FormField included; a message that names no field of this
    form goes to `form.form_errors`, shown above the form."""
    by_name = {field.name: field for field in leaf_fields(form)}
    prefix = getattr(form, "_prefix", "")
    for problem in error.errors:
        field = by_name.get(prefix + problem.field) if problem.field else None
        if field is None:
            if problem.message not in form.form_errors:
                form.form_errors.append(problem.message)
        elif problem.message not in field.errors:
            # Before validation WTForms holds a field's errors in a tuple.
            field.errors = [*field.errors, problem.message]


def error_attrs(field: Field) -> dict[str, str]:
    """The attributes that tie an input to its errors (`#<id>-error`, rendered by
    the `errors` macro in templates/_forms.html); empty when it has none."""
    if not field.errors:
        return {}
    return {"aria-invalid": "true", "aria-describedby": f"{field.id}-error"}
