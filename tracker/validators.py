"""The character rules every form and every service shares: shape only.

Text from outside (a form, a CSV file, the CLI) never holds control
characters: nobody types them, PostgreSQL refuses NUL outright, and a line
break in a title ends up in a mail header. Forms refuse them through
`tracker.forms.TrackerForm` (every text field, automatically); services that
take text from elsewhere, or that are called without a form, ask
`text_problem` and raise their own error with its message.
"""

import re

from wtforms.validators import Length

# C0 control characters other than tab and line breaks, DEL and the C1 controls.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Every character that breaks a line (str.splitlines splits on each, and so
# does the email package, which refuses a header value that has one) or is a control.
_LINE_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def text_problem(value: object, label: str, *, single_line: bool = False,
                 max_length: int | None = None) -> str | None:
    """Why `value` cannot be stored as text named `label` ("The title"), or None.

    Single-line text (titles, names, addresses, references) may hold no line
    break, tab or other control character; multi-line text may hold tabs and
    line breaks but no other control character (NUL among them). With
    `max_length`, longer text is refused in the words `too_long` uses.
    """
    if not isinstance(value, str):
        return None
    if max_length is not None and len(value) > max_length:
        return f"{label} is at most {max_length:,} characters."
    if single_line:
        if _LINE_BREAKS_AND_CONTROLS.search(value):
            return f"{label} must be a single line of plain text: remove line breaks and control characters."
    elif _CONTROL_CHARACTERS.search(value):
        return f"{label} contains control characters; type or paste plain text."
    return None


def without_controls(value: str) -> str:
    """`value` with every line break and control character removed, for text
    used only to look something up or count it (never to store what was typed)."""
    return _LINE_BREAKS_AND_CONTROLS.sub("", value)


def too_long(label: str, limit: int) -> Length:
    """A length check whose message names the field: "The title is at most 200 characters."."""
    return Length(max=limit, message=f"{label} is at most {limit:,} characters.")
