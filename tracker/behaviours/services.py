"""Rules for target behaviours. Functions add and flush; the caller commits."""

from sqlalchemy import func, or_, select

from tracker import signals
from tracker.accounts.models import User
from tracker.auth.policy import may
from tracker.behaviours.models import BEHAVIOUR_KINDS, Behaviour
from tracker.extensions import db
from tracker.history import services as history

MAX_TEXT = 5000
HISTORY_FIELDS = ("name", "kind", "from_behaviour", "to_behaviour")
history.describe(
    "behaviour",
    labels={"name": "Name", "kind": "Kind", "from_behaviour": "From", "to_behaviour": "To"},
    values={"kind": BEHAVIOUR_KINDS},
)


class BehaviourError(Exception):
    """A behaviour rule was broken; the message is fit to show the user."""


def _clean(name: str, kind: str, from_behaviour: str, to_behaviour: str) -> dict:
    name = (name or "").strip()
    if not name:
        raise BehaviourError("A behaviour needs a name.")
    if len(name) > 200:
        raise BehaviourError("Names are at most 200 characters.")
    if kind not in BEHAVIOUR_KINDS:
        raise BehaviourError("Choose whether this is a target behaviour or a no-no.")
    for label, text in (("The old behaviour", from_behaviour), ("The wanted behaviour", to_behaviour)):
        if len(text or "") > MAX_TEXT:
            raise BehaviourError(f"{label} is at most {MAX_TEXT} characters.")
    return {"name": name, "kind": kind, "from_behaviour": (from_behaviour or "").strip(),
            "to_behaviour": (to_behaviour or "").strip()}


def _ensure_unique_name(name: str, exclude_id: int | None = None) -> None:
    # The exact match as well: SQL lower() and Python's disagree outside ASCII
    # ('İ'), and the unique constraint must never be what catches a duplicate.
    query = select(Behaviour.id).where(
        or_(Behaviour.name == name, func.lower(Behaviour.name) == name.lower())
    )
    if exclude_id is not None:
        query = query.where(Behaviour.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise BehaviourError(f"A behaviour called {name!r} already exists.")


def create_behaviour(*, actor: User, name: str, kind: str, from_behaviour: str = "",
                     to_behaviour: str = "") -> Behaviour:
    """Add a behaviour. Raises BehaviourError for a missing, duplicate or too long field."""
    if not may(actor, "manage_behaviours"):
        raise BehaviourError("Only executives, HR and admins define behaviours.")
    values = _clean(name, kind, from_behaviour, to_behaviour)
    _ensure_unique_name(values["name"])
    behaviour = Behaviour(created_by_id=actor.id, **values)
    db.session.add(behaviour)
    db.session.flush()
    history.record("behaviour", behaviour.id, "created", f"Created {behaviour.kind_label.lower()}",
                   actor=actor, changes=history.snapshot(behaviour, HISTORY_FIELDS))
    return behaviour


def update_behaviour(behaviour: Behaviour, *, actor: User, name: str, kind: str,
                     from_behaviour: str = "", to_behaviour: str = "") -> None:
    if not may(actor, "manage_behaviours"):
        raise BehaviourError("Only executives, HR and admins define behaviours.")
    values = _clean(name, kind, from_behaviour, to_behaviour)
    _ensure_unique_name(values["name"], exclude_id=behaviour.id)
    before = history.snapshot(behaviour, HISTORY_FIELDS)
    for key, value in values.items():
        setattr(behaviour, key, value)
    changes = history.diff(before, history.snapshot(behaviour, HISTORY_FIELDS))
    if changes:
        history.record("behaviour", behaviour.id, "updated", "Edited", actor=actor, changes=changes)
    db.session.flush()
    if "kind" in changes:
        signals.behaviour_kind_changed.send(behaviour, actor=actor)


def behaviours_by_ids(ids) -> list[Behaviour]:
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
