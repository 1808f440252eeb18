"""What the API asks of the database beyond the domains' own services: lists
paged by cursor (keyset on the id, so a page costs the same wherever it is
and a row added meanwhile never shifts the next page), and the stored answers
of idempotent writes. Functions add and flush; the caller commits."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.api.models import IdempotentRequest
from tracker.behaviours.models import Behaviour
from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.metrics import services as metric_services
from tracker.metrics.models import Metric
from tracker.people.models import PeopleDecision

T = TypeVar("T")

# How long a stored answer is kept for retries with the same key.
IDEMPOTENCY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of a list: its items and the id the next page starts after (None: the last page)."""

    items: list[T]
    next_after: int | None


def _keyset(query: Select[Any], id_column: Any, *, after: int, limit: int) -> Slice[Any]:
    rows = list(db.session.scalars(query.where(id_column > after).order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Slice(rows, rows[-1].id if more and rows else None)


def initiatives(*, after: int, limit: int, status: str | None = None,
                owner_id: int | None = None) -> Slice[Initiative]:
    query = select(Initiative).options(selectinload(Initiative.behaviours),
                                       selectinload(Initiative.metric_links))
    if status:
        query = query.where(Initiative.status == status)
    if owner_id:
        query = query.where(Initiative.owner_id == owner_id)
    return _keyset(query, Initiative.id, after=after, limit=limit)


def behaviours(*, after: int, limit: int) -> Slice[Behaviour]:
    return _keyset(select(Behaviour), Behaviour.id, after=after, limit=limit)


def metrics(*, after: int, limit: int) -> Slice[Metric]:
    return _keyset(select(Metric).options(selectinload(Metric.behaviours)), Metric.id,
                   after=after, limit=limit)


def readings(metric: Metric, *, after: int, limit: int) -> Slice[Any]:
    """The metric's readings in the order they were stored, corrected and
    voided ones and the corrections included (each says whether it is current)."""
    rows = metric_services.readings_after(metric, after=after, limit=limit + 1)
    return Slice(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def checkins(*, after: int, limit: int, initiative_id: int | None = None,
             state: str | None = None) -> Slice[CheckIn]:
    query = select(CheckIn)
    if initiative_id:
        query = query.where(CheckIn.initiative_id == initiative_id)
    if state:
        query = query.where(CheckIn.state == state)
    return _keyset(query, CheckIn.id, after=after, limit=limit)


def people_decisions(*, after: int, limit: int) -> Slice[PeopleDecision]:
    return _keyset(select(PeopleDecision).options(selectinload(PeopleDecision.evidence)),
                   PeopleDecision.id, after=after, limit=limit)


def get(model: type[T], ident: int) -> T | None:
    return db.session.get(model, ident)


def people_decision(ident: int) -> PeopleDecision | None:
    return db.session.scalar(select(PeopleDecision).where(PeopleDecision.id == ident)
                             .options(selectinload(PeopleDecision.evidence)))


# --- idempotency ------------------------------------------------------------------------------

def stored_answer(user: User, key: str, *, now: datetime) -> IdempotentRequest | None:
    """The answer given to `user`'s earlier request with `key`, within the window before `now`."""
    return db.session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.user_id == user.id, IdempotentRequest.key == key,
        IdempotentRequest.created_at >= now - IDEMPOTENCY_WINDOW))


def remember_answer(user: User, *, key: str, fingerprint: str, status: int, body: str, location: str,
                    now: datetime) -> bool:
    """Store the answer with the write it describes (same transaction), after
    dropping answers older than the window. False when a request with the same
    key stored its answer first (the unique key refused this one): the caller
    then rolls back its write and answers with the stored one instead."""
    db.session.execute(delete(IdempotentRequest)
                       .where(IdempotentRequest.created_at < now - IDEMPOTENCY_WINDOW))
    try:
        with db.session.begin_nested():
            db.session.add(IdempotentRequest(user_id=user.id, key=key, fingerprint=fingerprint,
                                             status=status, body=body, location=location, created_at=now))
    except IntegrityError:
        return False
    return True
