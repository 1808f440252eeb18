"""What each event carries, and the listeners that queue it.

Each listener hears a signal from the one place the thing happens
(`tracker/signals.py`) and runs inside that transaction, so an event is
queued exactly when what it reports is stored. Payloads carry what every
endpoint owner allowed to receive the event may see in the app: links,
names and figures, not the text of check-in entries or a decision's
rationale and evidence.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import email, signals
from tracker.accounts.models import User
from tracker.checkins.models import CheckIn
from tracker.checkins.saydo import FLAG_TEXT
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.metrics import services as metric_services
from tracker.people.models import PeopleDecision
from tracker.webhooks import services
from tracker.webhooks.services import Event

if TYPE_CHECKING:
    from tracker.metrics.models import Reading


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.display_name}


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _moment(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _initiative(initiative: Initiative) -> dict[str, Any]:
    return {"id": initiative.id, "title": initiative.title, "status": initiative.status,
            "owner": _person(initiative.owner),
            "url": email.public_url("initiatives.detail", initiative_id=initiative.id)}


def _checkin(checkin: CheckIn) -> dict[str, Any]:
    return {"id": checkin.id, "state": checkin.state, "period_start": _day(checkin.period_start),
            "period_end": _day(checkin.period_end), "due_on": _day(checkin.due_on),
            "initiative": _initiative(checkin.initiative),
            "url": email.public_url("checkins.detail", checkin_id=checkin.id)}


def checkin_submitted(checkin: CheckIn) -> Event:
    data = _checkin(checkin) | {
        "submitted_at": _moment(checkin.submitted_at), "submitted_by": _person(checkin.submitted_by),
        "entries": {"evidenced_actions": checkin.evidenced_count,
                    "unevidenced_actions": checkin.unevidenced_count, "talk": checkin.talk_count}}
    return Event("checkin.submitted", str(checkin.id), {"checkin": data})


def checkin_missed(checkin: CheckIn) -> Event:
    return Event("checkin.missed", str(checkin.id), {"checkin": _checkin(checkin)})


def initiative_flagged(initiative: Initiative, *, flags: list[str], new_flags: list[str],
                       change: int) -> Event:
    return Event("initiative.flagged", f"{initiative.id}:{change}", {
        "initiative": _initiative(initiative), "flags": flags, "new_flags": new_flags,
        "flag_labels": {flag: FLAG_TEXT[flag] for flag in flags}})


def reading_recorded(reading: "Reading") -> Event:
    metric = reading.metric
    return Event("reading.recorded", str(reading.id), {"reading": {
        "id": reading.id, "observed_on": _day(reading.observed_on), "value": reading.value,
        "note": reading.note, "recorded_at": _moment(reading.recorded_at),
        "recorded_by": _person(reading.recorded_by),
        "metric": {"id": metric.id, "name": metric.name, "unit": metric.unit,
                   "direction": metric.direction, "target": metric.target,
                   "url": email.public_url("metrics.detail", metric_id=metric.id)}}})


def decision_recorded(decision: PeopleDecision) -> Event:
    return Event("decision.recorded", str(decision.id), {"decision": {
        "id": decision.id, "kind": decision.kind, "kind_label": decision.kind_label,
        "person_name": decision.person_name, "employee_ref": decision.employee_ref,
        "effective_date": _day(decision.effective_date), "role_from": decision.role_from,
        "role_to": decision.role_to, "department": decision.department.name,
        "aligned": decision.aligned,
        "initiative_id": decision.initiative_id,
        "url": email.public_url("people.detail", decision_id=decision.id)}})


# --- listeners ---------------------------------------------------------------
# Each asks first which endpoints want the event, so that without one an
# event costs a single query.

@signals.checkin_submitted.connect
def _on_checkin_submitted(checkin: CheckIn, *, actor: User, now: datetime) -> None:
    if receivers := services.subscribed("checkin.submitted"):
        services.publish(receivers, [checkin_submitted(checkin)], now=now)


@signals.checkins_missed.connect
def _on_checkins_missed(_sender: None, *, checkin_ids: Iterable[int], now: datetime) -> None:
    if receivers := services.subscribed("checkin.missed"):
        checkins = db.session.scalars(
            select(CheckIn).where(CheckIn.id.in_(list(checkin_ids))).order_by(CheckIn.id)
            .options(selectinload(CheckIn.initiative).selectinload(Initiative.owner))
            # Marked missed by a bulk UPDATE: a check-in already loaded would still say open.
            .execution_options(populate_existing=True)).all()
        services.publish(receivers, [checkin_missed(c) for c in checkins], now=now)


@signals.initiative_flagged.connect
def _on_initiative_flagged(initiative_id: int, *, flags: list[str], new_flags: list[str], change: int,
                           now: datetime) -> None:
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is not None and (receivers := services.subscribed("initiative.flagged")):
        services.publish(receivers, [initiative_flagged(initiative, flags=flags, new_flags=new_flags,
                                                        change=change)], now=now)


@signals.readings_recorded.connect
def _on_readings_recorded(_sender: None, *, reading_ids: Iterable[int], actor: User, now: datetime) -> None:
    if receivers := services.subscribed("reading.recorded"):
        readings = metric_services.readings_with_ids(reading_ids)
        services.publish(receivers, [reading_recorded(r) for r in readings], now=now)


@signals.decision_recorded.connect
def _on_decision_recorded(decision: PeopleDecision, *, actor: User, now: datetime) -> None:
    if receivers := services.subscribed("decision.recorded"):
        services.publish(receivers, [decision_recorded(decision)], now=now)
