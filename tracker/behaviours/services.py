"""Rules for target behaviours. Functions add and flush; the caller commits."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, or_, select

from tracker import concurrency, signals
from tracker.accounts.models import User
from tracker.auth.policy import may
from tracker.behaviours.models import BEHAVIOUR_KINDS, Behaviour
from tracker.db import AnyRow
from tracker.extensions import db
from tracker.history import services as history
from tracker.validation import FieldError
from tracker.validators import text_problem

MAX_TEXT = 5000
MAX_NAME = 200
HISTORY_FIELDS = ("name", "kind", "from_behaviour", "to_behaviour")
history.describe(
    "behaviour",
    labels={"name": "Name", "kind": "Kind", "from_behaviour": "From", "to_behaviour": "To"},
    values={"kind": BEHAVIOUR_KINDS},
)


# Metrics and initiatives sit above behaviours: they link their records to
# behaviours through a table with a `behaviour_id` column and register it
# here, so the list counts each use without this domain importing theirs.
_LINK_TABLES: dict[str, Table] = {}


def register_link_table(label: str, table: Table) -> None:
    """Count the rows of `table` per behaviour in `behaviours_with_counts`, as `label`."""
    _LINK_TABLES[label] = table


class BehaviourError(FieldError):
    """A behaviour rule was broken; the message is fit to show the user and
    `field` names the input at fault."""


def _clean(name: str, kind: str, from_behaviour: str, to_behaviour: str,
           exclude_id: int | None = None) -> dict[str, Any]:
    """The values to store. Raises one BehaviourError carrying every problem
    found, each naming its field."""
    problems: list[BehaviourError] = []
    name = (name or "").strip()
    if not name:
        problems.append(BehaviourError("A behaviour needs a name.", "name"))
    elif problem := text_problem(name, "The name", single_line=True, max_length=MAX_NAME):
        problems.append(BehaviourError(problem, "name"))
    elif _name_taken(name, exclude_id):
        problems.append(BehaviourError(f"A behaviour called {name!r} already exists.", "name"))
    if kind not in BEHAVIOUR_KINDS:
        problems.append(BehaviourError("Choose whether this is a target behaviour or a no-no.",
                                       "kind"))
    for label, text, field_name in (("The old behaviour", from_behaviour, "from_behaviour"),
                                    ("The wanted behaviour", to_behaviour, "to_behaviour")):
        if len(text or "") > MAX_TEXT:
            problems.append(BehaviourError(f"{label} is at most {MAX_TEXT} characters.",
                                           field_name))
        elif problem := text_problem(text, label):
            problems.append(BehaviourError(problem, field_name))
    if problems:
        raise BehaviourError.collect(problems)
    return {"name": name, "kind": kind, "from_behaviour": (from_behaviour or "").strip(),
            "to_behaviour": (to_behaviour or "").strip()}


def _name_taken(name: str, exclude_id: int | None) -> bool:
    # The exact match as well: SQL lower() and Python's disagree outside ASCII
    # ('İ'), and the unique constraint must never be what catches a duplicate.
    query = select(Behaviour.id).where(
        or_(Behaviour.name == name, func.lower(Behaviour.name) == name.lower())
    )
    if exclude_id is not None:
        query = query.where(Behaviour.id != exclude_id)
    return db.session.scalar(query) is not None


def create_behaviour(*, actor: User, name: str, kind: str, from_behaviour: str = "",
                     to_behaviour: str = "", now: datetime) -> Behaviour:
    """Add a behaviour. Raises BehaviourError for a missing, duplicate or too long field."""
    if not may(actor, "manage_behaviours"):
        raise BehaviourError("Only executives, HR and admins define behaviours.")
    values = _clean(name, kind, from_behaviour, to_behaviour)
    behaviour = Behaviour(created_by_id=actor.id, created_at=now, **values)
    db.session.add(behaviour)
    db.session.flush()
    history.record("behaviour", behaviour.id, "created", f"Created {behaviour.kind_label.lower()}",
                   actor=actor, now=now, changes=history.snapshot(behaviour, HISTORY_FIELDS))
    return behaviour


def update_behaviour(behaviour: Behaviour, *, actor: User, name: str, kind: str,
                     from_behaviour: str = "", to_behaviour: str = "", now: datetime,
                     version: int | None = None) -> None:
    """Save the edit form. `version` is the one the form was opened at:
    concurrency.EditConflict when someone saved since (None: no form, no check)."""
    if not may(actor, "manage_behaviours"):
        raise BehaviourError("Only executives, HR and admins define behaviours.")
    concurrency.claim_version(behaviour, version)
    values = _clean(name, kind, from_behaviour, to_behaviour, exclude_id=behaviour.id)
    before = history.snapshot(behaviour, HISTORY_FIELDS)
    for key, value in values.items():
        setattr(behaviour, key, value)
    changes = history.diff(before, history.snapshot(behaviour, HISTORY_FIELDS))
    if changes:
        history.record("behaviour", behaviour.id, "updated", "Edited", actor=actor, now=now,
                       changes=changes)
    db.session.flush()
    if "kind" in changes:
        signals.behaviour_kind_changed.send(behaviour, actor=actor, now=now)


def behaviours_by_ids(ids: Iterable[int | str] | None) -> list[Behaviour]:
    """The behaviours with these ids; BehaviourError if any does not exist."""
    wanted = {int(i) for i in ids or ()}
    if not wanted:
        return []
    found = list(db.session.scalars(select(Behaviour).where(Behaviour.id.in_(wanted))))
    if len(found) != len(wanted):
        raise BehaviourError("One of the chosen behaviours does not exist.")
    return found


def list_behaviours() -> list[Behaviour]:
    return list(db.session.scalars(select(Behaviour).order_by(Behaviour.kind.desc(), Behaviour.name)))


def behaviours_with_counts() -> list[AnyRow]:
    """Every behaviour by name ignoring case, as rows of (Behaviour, then one
    count per registered link table under its label, e.g. `row.metrics`): one query."""
    counts = [
        select(func.count()).select_from(table).where(table.c.behaviour_id == Behaviour.id)
        .scalar_subquery().label(label)
        for label, table in _LINK_TABLES.items()
    ]
    return list(db.session.execute(
        select(Behaviour, *counts).order_by(func.lower(Behaviour.name), Behaviour.id)))
