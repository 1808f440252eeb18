"""Optimistic concurrency for edit forms: a second save of a stale form is refused.

Every record with an edit form (initiatives, metrics, behaviours, people
decisions, the organisation's settings, users) has a `version` column. The
form carries the version it was opened at (`VersionedForm`, a hidden field);
the service calls `claim_version` before changing anything, which moves the
version on in one conditional UPDATE, so of two saves of the same version
exactly one gets through, however close together they come. The other gets
`EditConflict`; the view rolls back and shows the form again with
`VersionedForm.reconcile`: what changed since it was opened (field: theirs
against yours), the stored values where the person changed nothing, their
own edits where they did, and the new version, so saving again applies
their edits on top of the other person's.
"""

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from wtforms import Form, HiddenField
from wtforms.fields import FieldList, FormField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from tracker.db import rowcount
from tracker.extensions import db
from tracker.forms import PickerField, WholeNumberField
from tracker.validation import FieldError

CONFLICT = ("Someone else saved this after you opened it, so nothing was saved. "
            "The form now holds what they saved with your own edits on top; "
            "check it and save again.")


class EditConflict(FieldError):
    """The record was saved by someone else after the form was opened."""

    def __init__(self) -> None:
        super().__init__(CONFLICT)


def claim_version(obj, version: int | None) -> None:
    """Move `obj`'s version on if it is still `version`; EditConflict if it is not.

    None skips the comparison (a caller without a form: the CLI, the demo) but
    still moves the version on, so forms opened before see the change. Loads
    the stored values into `obj` afterwards: the service then changes what is
    stored now, not what this request read before. The caller rolls back on
    EditConflict, as on any refusal.
    """
    model = type(obj)
    claimed = update(model).where(model.id == obj.id).values(version=model.version + 1)
    if version is not None:
        claimed = claimed.where(model.version == version)
    result = db.session.execute(claimed.execution_options(synchronize_session=False))
    if rowcount(result) != 1:
        raise EditConflict()
    db.session.refresh(obj)


@dataclass(frozen=True)
class Change:
    """A field someone else changed since the form was opened."""

    label: str
    theirs: str
    yours: str


def _comparable(data) -> str:
    """A field's value as text, the same whether it came from the record or a post."""
    if data is None:
        return ""
    if isinstance(data, dict):
        return json.dumps({key: _comparable(value) for key, value in data.items()}, sort_keys=True)
    if isinstance(data, list | tuple) and any(isinstance(item, dict) for item in data):
        # Rows (a FieldList): their order counts; the blank ones a form adds do not.
        rows = [{key: _comparable(value) for key, value in item.items()} for item in data]
        return json.dumps([row for row in rows if any(v not in ("", "0") for v in row.values())],
                          sort_keys=True)
    if isinstance(data, list | tuple | set):
        return json.dumps(sorted(_comparable(item) for item in data))
    if isinstance(data, date):
        return data.isoformat()
    if isinstance(data, str):
        return data.replace("\r\n", "\n").strip()
    return str(data)


def _shown(field) -> str:
    """A field's value as the person sees it: the label of a chosen option."""
    if isinstance(field, PickerField):
        return field.shown() or "(none)"
    if hasattr(field, "iter_choices"):
        labels = [str(choice[1]) for choice in field.iter_choices() if choice[2]]
        return ", ".join(labels) if labels else "(none)"
    if field.type == "BooleanField":
        return "yes" if field.data else "no"
    if isinstance(field, FieldList):
        rows = [", ".join(str(value) for value in row.values() if value) if isinstance(row, dict)
                else str(row) for row in field.data]
        return "; ".join(row for row in rows if row) or "(none)"
    text = _comparable(field.data)
    return text if text else "(empty)"


def _take(field, stored) -> None:
    """Show `stored`'s value in `field` instead of what was posted."""
    if isinstance(field, FieldList | FormField):
        field.process(None, stored.data)
    else:
        field.data, field.raw_data = stored.data, None


class VersionedForm(Form):
    """Base for an edit form, named before TrackerForm (`class F(VersionedForm,
    TrackerForm)`): the version it was opened at and the values it showed then
    (`opened_with`, JSON), both hidden. Neither is trusted for anything but
    showing the form again: the version is compared by the service."""

    # At most nine digits: a longer number would overflow the query comparing it.
    version = WholeNumberField(widget=HiddenInput(), validators=[Optional()])
    conflict: list[Change] = []  # set by reconcile, shown by the form_errors macro
    opened_with = HiddenField()

    def _edited_fields(self):
        for field in self:
            if field.name in ("csrf_token", "version", "opened_with") or field.type in (
                    "SubmitField", "HiddenField", "CSRFTokenField"):
                continue
            yield field

    def _values(self) -> dict[str, str]:
        return {field.name: _comparable(field.data) for field in self._edited_fields()}

    def stamp(self, version: int) -> None:
        """Remember the record's version and the values shown, when the form is opened."""
        self.version.data = version
        self.opened_with.data = json.dumps(self._values())

    def expected_version(self) -> int | None:
        """The version the form was opened at. None when the post carried none
        (a script, not our page): it then saves over whatever is stored."""
        return self.version.data

    def reconcile(self, current: "VersionedForm", version: int) -> list[Change]:
        """After EditConflict: take the stored values (`current`, the form as it
        would open now) for every field this person left as it was, keep their
        own edits, stamp the new `version`, and return what changed meanwhile."""
        try:
            opened = json.loads(self.opened_with.data or "{}")
        except ValueError:
            opened = {}
        if not isinstance(opened, dict):
            opened = {}
        theirs = current._values()
        changes = []
        for field in self._edited_fields():
            name = field.name
            if theirs[name] == opened.get(name):
                continue  # nobody else changed it
            stored = current[name]
            changes.append(Change(str(field.label.text), theirs=_shown(stored), yours=_shown(field)))
            if _comparable(field.data) == opened.get(name):
                _take(field, stored)
        self.version.data, self.version.raw_data = version, None
        self.opened_with.data = json.dumps(theirs)
        self.conflict = changes
        return changes
