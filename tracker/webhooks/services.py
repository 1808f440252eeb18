"""Webhook endpoints: registering, editing, rotating the secret, enabling
and disabling them; which events an owner may receive; queueing an event
for every endpoint that asked for it (`publish`).

Functions add and flush; the caller commits. Sending is `delivery.py`'s,
called by the outbox's run.
"""

import base64
import ipaddress
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.auth.policy import may
from tracker.extensions import db
from tracker.history import services as history
from tracker.outbox import services as outbox
from tracker.validation import FieldError
from tracker.validators import text_problem
from tracker.webhooks.models import WebhookDelivery, WebhookEndpoint

# Every event an endpoint may ask for, with what it means.
EVENTS = {
    "checkin.submitted": "A check-in was submitted",
    "checkin.missed": "A check-in was missed (its grace days passed)",
    "initiative.flagged": "An initiative became talk only, gone quiet or off track",
    "reading.recorded": "A metric reading was recorded (form, check-in or CSV import)",
    "decision.recorded": "A people decision was recorded",
}
# Events that carry what only some people may see in the app, with the
# policy action that lets them see it. An endpoint receives them only while
# its owner may.
EVENT_NEEDS = {"decision.recorded": "read_people"}
MAX_URL = 254
MAX_DESCRIPTION = 200
SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)
SUBJECT = "webhook_endpoint"

history.describe(SUBJECT, labels={"url": "URL", "description": "Description", "events": "Events",
                                  "owner_id": "Owner", "enabled": "Enabled"},
                 references={"owner_id": User.display_name})


class WebhookError(FieldError):
    """A webhook rule was broken; names the field to blame when there is one."""


@dataclass(frozen=True)
class EndpointInput:
    url: str
    description: str
    events: Sequence[str]
    owner_id: int | None


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def may_receive(owner: User | None, event: str) -> bool:
    """True when an endpoint owned by `owner` may be sent `event`: the owner
    is active and may see in the app what the event carries."""
    if owner is None or not owner.active or event not in EVENTS:
        return False
    needed = EVENT_NEEDS.get(event)
    return needed is None or may(owner, needed)


def events_offered(owner: User | None) -> list[str]:
    """The events an endpoint owned by `owner` may ask for, in EVENTS' order."""
    return [event for event in EVENTS if may_receive(owner, event)]


def private_host(host: str) -> bool:
    """True when `host` is written as an address that is not on the public
    internet (loopback, private, link-local, reserved) or is localhost.
    Names are judged when they are resolved, at each delivery."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(name).is_global
    except ValueError:
        return False


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why `url` cannot be an endpoint, or None. http(s) only, a host, no
    user name or password, no fragment; a private address only when allowed."""
    if not url:
        return "Enter the URL that receives the events."
    if len(url) > MAX_URL:
        return f"URLs are at most {MAX_URL} characters."
    if problem := text_problem(url, "The URL", single_line=True):
        return problem
    if any(c.isspace() for c in url):
        return "A URL has no spaces."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "That is not a URL: check the host and port."
    if parts.scheme not in ("http", "https"):
        return "Webhook URLs start with https:// (or http://)."
    if not parts.hostname:
        return "The URL needs a host name."
    if parts.username is not None or parts.password is not None:
        return "Leave the user name and password out of the URL; the signature proves who sent it."
    if parts.fragment:
        return "A URL sent to has no #fragment."
    if not allow_private and private_host(parts.hostname):
        return ("That address is on a private network or this machine; this site does not send "
                "webhooks there (WEBHOOK_ALLOW_PRIVATE_ADDRESSES).")
    return None


def _validate(data: EndpointInput, *, allow_private: bool) -> dict[str, Any]:
    problems: list[WebhookError] = []
    url = (data.url or "").strip()
    if problem := url_problem(url, allow_private=allow_private):
        problems.append(WebhookError(problem, "url"))
    description = (data.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append(WebhookError(f"At most {MAX_DESCRIPTION} characters.", "description"))
    elif problem := text_problem(description, "The description", single_line=True):
        problems.append(WebhookError(problem, "description"))
    owner = db.session.get(User, data.owner_id) if data.owner_id else None
    if owner is None or not owner.active:
        problems.append(WebhookError("Choose an active person to own this endpoint.", "owner_id"))
    events = [event for event in EVENTS if event in set(data.events)]
    if not events or len(events) != len(set(data.events)):
        problems.append(WebhookError("Choose at least one of the events listed.", "events"))
    elif owner is not None and (refused := [e for e in events if not may_receive(owner, e)]):
        problems.append(WebhookError(
            f"{owner.display_name} may not see what {', '.join(refused)} carries; "
            "only endpoints owned by people who may read people decisions receive it.", "events"))
    if problems:
        raise WebhookError.collect(problems)
    return {"url": url, "description": description, "events": events, "owner_id": owner.id if owner else None}


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"url": endpoint.url, "description": endpoint.description, "events": list(endpoint.events),
            "owner_id": endpoint.owner_id, "enabled": endpoint.enabled}


def _ensure_admin(actor: User) -> None:
    if not may(actor, "manage_webhooks"):
        raise WebhookError("Only admins manage webhooks.")


def create_endpoint(*, actor: User, data: EndpointInput, allow_private: bool,
                    now: datetime) -> WebhookEndpoint:
    """Register an endpoint with a new secret. Raises WebhookError."""
    _ensure_admin(actor)
    values = _validate(data, allow_private=allow_private)
    endpoint = WebhookEndpoint(**values, secret=new_secret(), enabled=True, created_by_id=actor.id,
                               created_at=now, updated_at=now)
    db.session.add(endpoint)
    db.session.flush()
    history.record(SUBJECT, endpoint.id, "created", "Registered the webhook endpoint", actor=actor,
                   now=now, changes=_snapshot(endpoint))
    return endpoint


def update_endpoint(endpoint: WebhookEndpoint, *, actor: User, data: EndpointInput, allow_private: bool,
                    now: datetime) -> None:
    """Change an endpoint's URL, description, events or owner. Messages
    already queued go to its URL as it is when they are sent. Raises WebhookError."""
    _ensure_admin(actor)
    values = _validate(data, allow_private=allow_private)
    before = _snapshot(endpoint)
    for key, value in values.items():
        setattr(endpoint, key, value)
    changes = history.diff(before, _snapshot(endpoint))
    if changes:
        endpoint.updated_at = now
        history.record(SUBJECT, endpoint.id, "updated", "Edited", actor=actor, now=now, changes=changes)
    db.session.flush()


def rotate_secret(endpoint: WebhookEndpoint, *, actor: User, grace: timedelta, now: datetime) -> None:
    """Give the endpoint a new secret. For `grace` the old one still signs
    beside it (two signatures in webhook-signature), so the receiver can
    switch at its own pace; a second rotation within the grace period drops
    the oldest. Messages already queued are signed when they are sent, with
    the secrets of that moment. Raises WebhookError."""
    _ensure_admin(actor)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + grace
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    history.record(SUBJECT, endpoint.id, "secret rotated",
                   f"Rotated the signing secret; the previous one signs too until "
                   f"{endpoint.previous_secret_expires_at:%Y-%m-%d %H:%M} UTC", actor=actor, now=now)
    db.session.flush()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign a message sent at `now`: the current one, and the
    previous one while its grace period lasts."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        found.append(endpoint.previous_secret)
    return found


def set_enabled(endpoint: WebhookEndpoint, *, actor: User, enabled: bool, now: datetime) -> None:
    """Enable or disable an endpoint by hand. Disabling drops what is queued
    for it; enabling starts its failure count afresh (what was dropped stays
    failed, to resend from the outbox one by one). Raises WebhookError."""
    _ensure_admin(actor)
    if endpoint.enabled == enabled:
        return
    endpoint.enabled = enabled
    endpoint.updated_at = now
    if enabled:
        endpoint.failing_since = None
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
    else:
        endpoint.disabled_at = now
        endpoint.disabled_reason = f"disabled by {actor.display_name}"
        outbox.cancel_for_endpoint(endpoint.id, reason="the endpoint was disabled", now=now)
    history.record(SUBJECT, endpoint.id, "enabled" if enabled else "disabled",
                   "Enabled" if enabled else "Disabled", actor=actor, now=now,
                   changes={"enabled": enabled})
    db.session.flush()


# --- queueing events ---------------------------------------------------------

@dataclass(frozen=True)
class Event:
    """One thing that happened, for every endpoint that asked for its kind.
    `key` names the thing ("42" for check-in 42): with the endpoint and the
    kind it makes the outbox key, so an event is queued once per endpoint."""

    kind: str
    key: str
    data: dict[str, Any]


def body(event: Event, now: datetime) -> str:
    """The JSON an endpoint receives, in the Standard Webhooks shape: type,
    timestamp, data."""
    return json.dumps({"type": event.kind, "timestamp": now.isoformat().replace("+00:00", "Z"),
                       "data": event.data}, separators=(",", ":"), sort_keys=True, default=str)


def subscribed(kind: str) -> list[WebhookEndpoint]:
    """The enabled endpoints that asked for `kind` and may receive it."""
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
                                   .options(selectinload(WebhookEndpoint.owner))).all()
    return [e for e in endpoints if kind in (e.events or []) and may_receive(e.owner, kind)]


def publish(receivers: Sequence[WebhookEndpoint], events: Sequence[Event], *, now: datetime) -> int:
    """Queue each event for each of `receivers` (from `subscribed`). One
    webhook-id per event, the same for every endpoint and every retry
    (receivers deduplicate by it). Returns the messages queued; flushes."""
    mails = []
    for event in events:
        text, webhook_id = body(event, now), "msg_" + secrets.token_urlsafe(18)
        mails += [outbox.Mail(kind="webhook", key=f"webhook:{endpoint.id}:{event.kind}:{event.key}",
                              recipient=endpoint.url, subject=event.kind, text=text,
                              message_id=webhook_id, endpoint_id=endpoint.id)
                  for endpoint in receivers if event.kind in endpoint.events]
    if len(mails) == 1:
        return int(outbox.enqueue(mails[0], now=now))
    return outbox.enqueue_many(mails, now=now)


# --- reading for the pages ---------------------------------------------------

def endpoints() -> list[WebhookEndpoint]:
    """Every endpoint with its owner, enabled first, then by URL."""
    return list(db.session.scalars(
        select(WebhookEndpoint).options(selectinload(WebhookEndpoint.owner))
        .order_by(WebhookEndpoint.enabled.desc(), WebhookEndpoint.url, WebhookEndpoint.id)))


def get_endpoint(endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.get(WebhookEndpoint, endpoint_id)


def deliveries_page(endpoint: WebhookEndpoint, *, page: int, per_page: int = 50) -> Pagination:
    """One page of an endpoint's delivery attempts, newest first."""
    return db.paginate(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                       .order_by(WebhookDelivery.id.desc()), page=page, per_page=per_page, error_out=False)
