"""Writing and reading history. `record` adds; the caller commits.

History knows no domain: each domain that records history `describe`s its
subjects (labels for fields, words for stored codes, which ids name rows),
and `readable_changes` reads edits with what was described."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from tracker.extensions import db
from tracker.history.models import HistoryEvent

if TYPE_CHECKING:
    from tracker.accounts.models import User


def _plain(value: Any) -> Any:
    """A JSON-friendly version of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(_plain(v) for v in value)
    return value


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
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
    actor: "User | None",
    now: datetime,
    changes: dict[str, Any] | None = None,
) -> HistoryEvent:
    """Append one event, stamped `now`. Never updates an existing one."""
    event = HistoryEvent(
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        summary=summary[:300],
        changes={k: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v]
                 for k, v in (changes or {}).items()},
        actor_id=actor.id if actor is not None else None,
        at=now,
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

@dataclass(frozen=True)
class SubjectDescription:
    labels: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[Any, str]] = field(default_factory=dict[str, Any])
    # field -> (model, the attribute holding a row's name)
    references: Mapping[str, tuple[Any, str]] = field(default_factory=dict)


_SUBJECTS: dict[str, SubjectDescription] = {}


def describe(subject_type: str, *, labels: Mapping[str, str],
             values: Mapping[str, Mapping[Any, str]] | None = None,
             references: Mapping[str, InstrumentedAttribute[Any]] | None = None) -> None:
    """How edits of `subject_type` read: `labels` {field: label}, `values`
    {field: {stored value: what a person reads}}, and `references`
    {field: the name column of the rows its id, or list of ids, points at},
    such as {"owner_id": User.display_name}. The domain recording the
    subject calls it once, when its module loads; a second call replaces
    the first. Undescribed fields read as their name."""
    _SUBJECTS[subject_type] = SubjectDescription(
        labels=dict(labels), values=dict(values or {}),
        references={name: (column.class_, column.key) for name, column in (references or {}).items()},
    )


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


def _ids(value: Any) -> list[int]:
    return [i for i in (value if isinstance(value, list) else [value]) if isinstance(i, int)]


def readable_changes(events: Iterable[HistoryEvent]) -> dict[int, list[Change]]:
    """{event id: its changes, labelled and with names instead of ids} for the
    edits among `events`; one query per kind of row referred to, whatever the
    number of events."""
    edits = [e for e in events if e.action == "updated" and e.changes]
    plain = SubjectDescription()
    wanted: dict[tuple[Any, str], set[int]] = {}
    for event in edits:
        references = _SUBJECTS.get(event.subject_type, plain).references
        for name, pair in event.changes.items():
            if name in references:
                for value in pair:
                    wanted.setdefault(references[name], set()).update(_ids(value))
    names: dict[tuple[Any, str], dict[int, str]] = {
        (model, attribute): dict(db.session.execute(
            select(model.id, getattr(model, attribute)).where(model.id.in_(ids))).all())
        for (model, attribute), ids in wanted.items()
    }

    def shown(subject: SubjectDescription, name: str, value: Any) -> str:
        if value is None or value == [] or value == "":
            return "—"
        reference = subject.references.get(name)
        if reference is not None:
            ids = value if isinstance(value, list) else [value]
            return ", ".join(names.get(reference, {}).get(i, f"#{i} (gone)") for i in ids)
        labels = subject.values.get(name)
        if labels is not None:
            return str(labels.get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    readable = {}
    for e in edits:
        subject = _SUBJECTS.get(e.subject_type, plain)
        readable[e.id] = [Change(subject.labels.get(name, name.replace("_", " ").capitalize()),
                                 shown(subject, name, pair[0]), shown(subject, name, pair[1]))
                          for name, pair in e.changes.items()]
    return readable
