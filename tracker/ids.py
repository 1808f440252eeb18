"""Row ids as they arrive from outside: in a URL, a form or a query string.

Every table's id is a 32-bit integer on PostgreSQL, so an id is a whole number
from 1 to 2,147,483,647; anything else names no row, and asking the database
about it would fail (PostgreSQL refuses an integer out of range). URLs read
ids with the `id` converter (`<id:initiative_id>`, registered by
`create_app`), which answers 404 for anything outside the range; forms and
query strings read them with `parse_id`.
"""

from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(value) -> int | None:
    """`value` as a row id (an int, or ASCII digits with optional spaces around),
    or None when it cannot be one: empty, not digits (`²` included), 0, or
    beyond MAX_ID. Never raises."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS):
            return None
        number = int(text)
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def form_id(value) -> int:
    """A SelectField `coerce` for ids: the id, or ValueError (WTForms then says
    the choice is not valid). An empty choice is 0, which names no row."""
    if value in (None, "", 0, "0"):
        return 0
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


class IdConverter(BaseConverter):
    """`<id:name>` in a route: digits naming a possible row, else 404."""

    regex = rf"[0-9]{{1,{_MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))
