"""Form validators every domain's forms share: shape only (length, characters
no database stores). Rules a job or the API must also obey live in services."""

import re

from wtforms import Field, Form
from wtforms.validators import Length, ValidationError

# C0 control characters other than tab and line breaks, and DEL. Nobody types
# them, and PostgreSQL refuses NUL in text outright.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_nul(form: Form, field: Field) -> None:
    """Databases cannot store the NUL character, and no keyboard types it."""
    if field.data and "\x00" in field.data:
        raise ValidationError("Remove the NUL character: text cannot contain it.")


def plain_text(form: Form, field: Field) -> None:
    """Refuse text holding control characters (pasted binary, a NUL byte)."""
    if isinstance(field.data, str) and _CONTROL_CHARACTERS.search(field.data):
        raise ValidationError("This contains control characters; type or paste plain text.")


def too_long(label: str, limit: int) -> Length:
    """A length check whose message names the field: "The title is at most 200 characters."."""
    return Length(max=limit, message=f"{label} is at most {limit:,} characters.")
