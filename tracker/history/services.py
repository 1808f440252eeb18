"""Writing and reading history. `record` adds; the caller commits."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.history.models import HistoryEvent


def _plain(value: Any) -> Any:
    """A JSON-friendly version of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(_plain(v) for v in value)
    return value


def snapshot(obj, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields` on `obj`, ready to compare or store."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def record(
    subject_type: str,
    subject_id: int,
    action: str,
    summary: str,
    *,
    actor: User | None,
    changes: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> HistoryEvent:
    """Append one event. Never updates an existing one."""
    event = HistoryEvent(
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        summary=summary[:300],
        changes={k: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v]
                 for k, v in (changes or {}).items()},
        actor_id=actor.id if actor is not None else None,
        at=now or utcnow(),
    )
    db.session.add(event)
    return event


def events_for(subject_type: str, subject_id: int, limit: int = 200) -> list[HistoryEvent]:
    """The newest events first, with their actors, in two queries."""
    return list(
        db.session.scalars(
            select(HistoryEvent)
            .where(HistoryEvent.subject_type == subject_type, HistoryEvent.subject_id == subject_id)
            .options(selectinload(HistoryEvent.actor))
            .order_by(HistoryEvent.id.desc())
            .limit(limit)
        )
    )


# Reading changes as a person would: labels for field names, names for ids.

FIELD_LABELS = {
    "title": "Title", "name": "Name", "kind": "Kind", "description": "Description",
    "burning_platform": "Burning platform", "owner_id": "Owner", "sponsor_id": "Sponsor",
    "department_id": "Department", "start_date": "Start", "due_date": "Due",
    "checkin_cadence": "Check-in cadence", "checkin_weekday": "Check-in day", "unit": "Unit",
    "direction": "Direction", "baseline": "Baseline", "target": "Target", "target_date": "Target date",
    "cadence": "Cadence", "source": "Source", "standard": "Standard", "behaviour_ids": "Behaviours",
    "from_behaviour": "From", "to_behaviour": "To", "person_name": "Person",
    "employee_ref": "Employee reference", "user_id": "User account", "effective_date": "Effective",
    "role_from": "Role from", "role_to": "Role to", "decided_by": "Decided by", "rationale": "Rationale",
    "initiative_id": "Initiative", "aligned": "Aligned",
}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


def _value_labels() -> dict[tuple[str, str], dict]:
    """(subject type, field) -> {stored value: what a person reads}."""
    from tracker.behaviours.models import BEHAVIOUR_KINDS
    from tracker.calendar import CADENCES as CHECKIN_CADENCES
    from tracker.calendar import WEEKDAYS
    from tracker.initiatives.models import INITIATIVE_KINDS
    from tracker.metrics.models import CADENCES, DIRECTIONS, SOURCES
    from tracker.people.models import DECISION_KINDS

    return {
        ("initiative", "kind"): INITIATIVE_KINDS,
        ("initiative", "checkin_cadence"): CHECKIN_CADENCES,
        ("initiative", "checkin_weekday"): dict(enumerate(WEEKDAYS)),
        ("behaviour", "kind"): BEHAVIOUR_KINDS,
        ("metric", "direction"): DIRECTIONS,
        ("metric", "cadence"): CADENCES,
        ("metric", "source"): SOURCES,
        ("people_decision", "kind"): DECISION_KINDS,
        ("people_decision", "aligned"): {True: "yes", False: "no"},
    }


def readable_changes(events: Iterable[HistoryEvent]) -> dict[int, list[Change]]:
    """{event id: its changes, labelled and with names instead of ids} for the
    edits among `events`; one query per kind of thing referred to, at most four."""
    from tracker.accounts.models import Department
    from tracker.behaviours.models import Behaviour
    from tracker.initiatives.models import Initiative

    edits = [e for e in events if e.action == "updated" and e.changes]
    references = {"owner_id": User, "sponsor_id": User, "user_id": User, "department_id": Department,
                  "behaviour_ids": Behaviour, "initiative_id": Initiative}
    wanted: dict[type, set[int]] = {}
    for event in edits:
        for field, pair in event.changes.items():
            model = references.get(field)
            if model is None:
                continue
            for value in pair:
                ids = value if isinstance(value, list) else [value]
                wanted.setdefault(model, set()).update(i for i in ids if isinstance(i, int))
    names: dict[type, dict[int, str]] = {}
    for model, ids in wanted.items():
        label = {User: User.display_name, Department: Department.name, Behaviour: Behaviour.name,
                 Initiative: Initiative.title}[model]
        names[model] = dict(db.session.execute(select(model.id, label).where(model.id.in_(ids))).all())
    values = _value_labels()

    def shown(subject_type: str, field: str, value) -> str:
        if value is None or value == [] or value == "":
            return "—"
        model = references.get(field)
        if model is not None:
            ids = value if isinstance(value, list) else [value]
            return ", ".join(names.get(model, {}).get(i, f"#{i} (gone)") for i in ids)
        labels = values.get((subject_type, field))
        if labels is not None:
            return str(labels.get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    return {e.id: [Change(FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
                          shown(e.subject_type, field, pair[0]), shown(e.subject_type, field, pair[1]))
                   for field, pair in e.changes.items()]
            for e in edits}
