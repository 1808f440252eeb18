"""Writing and reading history. `record` adds; the caller commits."""

from collections.abc import Iterable
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
