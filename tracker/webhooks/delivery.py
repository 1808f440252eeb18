"""Sending one webhook: the outbox's channel for messages of kind "webhook".

The outbox claims the message, calls `send`, and records the outcome with
its one state machine (`tracker.outbox.services`). Here:

- Signing, the Standard Webhooks way: headers `webhook-id` (the message's,
  the same on every retry), `webhook-timestamp` (seconds, when sent) and
  `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
  under each signing secret, separated by spaces (two during a rotation).
- Sorting a failure by its phase, as `tracker.email` does for SMTP:
  nothing reached the endpoint (no connection, or the request not sent in
  full) is temporary; the whole request sent and no answer (a time-out, a
  dropped connection) is an unknown outcome, never resent automatically;
  an answer other than 2xx is temporary (410 Gone: permanent).
- Every attempt goes to the delivery log (`WebhookDelivery`) with the HTTP
  status; an endpoint whose every delivery has failed for
  WEBHOOK_DISABLE_AFTER_DAYS is disabled, what is queued for it dropped,
  and its owner told by mail (through the outbox).
"""

import base64
import hashlib
import hmac
import http.client
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import update

from tracker import email
from tracker.db import rowcount
from tracker.extensions import db
from tracker.organisation.services import get_settings, time_label
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage
from tracker.webhooks import services
from tracker.webhooks.models import WebhookDelivery, WebhookEndpoint

USER_AGENT = "BurningPlatformTracker-Webhooks/1"
# What of an endpoint's answer the log keeps.
ANSWER_KEPT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def signature(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """`v1,<base64 HMAC-SHA256>` of "id.timestamp.body" under a whsec_ secret."""
    key = base64.b64decode(secret.removeprefix(services.SECRET_PREFIX))
    mac = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signed_headers(endpoint: WebhookEndpoint, webhook_id: str, body: str, now: datetime) -> dict[str, str]:
    """The headers of one delivery at `now`, signed by every secret in force."""
    timestamp = int(now.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(secret, webhook_id, timestamp, body)
                                      for secret in services.signing_secrets(endpoint, now)),
    }


def _what(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"timed out after {timeout:g}s"
    return f"{type(error).__name__}: {error}"


def _private_address(host: str, port: int) -> str | None:
    """The first address `host` resolves to that is not on the public
    internet, or None. (A name could resolve differently a moment later,
    when the connection is made: see the README on what this does not stop.)"""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return None  # the connection fails the same way and says so
    for *_, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        if not ip.is_global:
            return str(ip)
    return None


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float,
         on_handover: Callable[[], None], allow_private: bool) -> tuple[int, str]:
    """POST `body` to `url` and return (status, the start of the answer).
    Redirects are not followed. Raises outbox.DeliveryError sorted by phase
    (module docstring)."""
    parts = urlsplit(url)
    try:
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise outbox.DeliveryError("the URL's port is not a number", outcome="permanent") from None
    if not allow_private and (address := _private_address(host, port)):
        raise outbox.DeliveryError(f"not sent: {host} is {address}, a private address "
                                   "(WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off)", outcome="permanent")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        try:
            connection.connect()
        except OSError as e:
            raise outbox.DeliveryError(f"could not connect ({_what(e, timeout)})",
                                       outcome="temporary") from None
        on_handover()
        try:
            connection.request("POST", target, body=body, headers=headers)
        except (OSError, http.client.HTTPException) as e:
            # A server acts on a request only once it has all of it.
            raise outbox.DeliveryError(f"the request could not be sent in full ({_what(e, timeout)})",
                                       outcome="temporary") from None
        try:
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as e:
            raise outbox.DeliveryError(
                f"no answer after the whole request was sent ({_what(e, timeout)}); "
                "the endpoint may have received it", outcome="unknown") from None
        try:
            answer = response.read(ANSWER_KEPT)
        except (OSError, http.client.HTTPException):
            answer = b""
        return response.status, _CONTROL.sub(" ", answer.decode("utf-8", "replace")).strip()
    finally:
        connection.close()


def outcome_of(status: int) -> str:
    """sent for 2xx; permanent for 410 Gone (the receiver says it is no more);
    temporary for anything else, redirects included (they are not followed)."""
    if 200 <= status < 300:
        return "sent"
    return "permanent" if status == 410 else "temporary"


def send(message: OutboxMessage, on_handover: Callable[[], None], now: datetime) -> None:
    """Deliver one queued webhook, signed at `now`; the outbox's channel for
    kind "webhook". Logs the attempt; raises outbox.DeliveryError."""
    endpoint = db.session.get(WebhookEndpoint, message.endpoint_id) if message.endpoint_id else None
    if endpoint is None:
        raise outbox.DeliveryError("its endpoint no longer exists", outcome="permanent")
    log = WebhookDelivery(endpoint_id=endpoint.id, outbox_message_id=message.id, event=message.subject,
                          webhook_id=message.message_id, attempt=message.attempts, attempted_at=now,
                          url=endpoint.url, status_code=None, outcome="permanent", detail="", duration_ms=0)
    db.session.add(log)
    if not endpoint.enabled:
        log.detail = "not sent: the endpoint is disabled"
        raise outbox.DeliveryError(log.detail, outcome="permanent")
    if not services.may_receive(endpoint.owner, message.subject):
        log.detail = f"not sent: the endpoint's owner may no longer receive {message.subject}"
        raise outbox.DeliveryError(log.detail, outcome="permanent")
    config = current_app.config
    started = time.monotonic()
    try:
        status, answer = post(endpoint.url, message.body_text.encode(),
                              signed_headers(endpoint, message.message_id, message.body_text, now),
                              timeout=float(config["WEBHOOK_TIMEOUT"]), on_handover=on_handover,
                              allow_private=bool(config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"]))
    except outbox.DeliveryError as e:
        log.outcome, log.detail = e.outcome, str(e)
        log.duration_ms = round((time.monotonic() - started) * 1000)
        error = e
    else:
        log.duration_ms = round((time.monotonic() - started) * 1000)
        log.status_code, log.outcome, log.detail = status, outcome_of(status), answer
        if log.outcome == "sent":
            endpoint.failing_since = None
            endpoint.last_success_at = now
            return
        error = outbox.DeliveryError(f"HTTP {status}" + (f": {answer[:80]}" if answer else ""),
                                     outcome=log.outcome)
    if _failed(endpoint, log, now) and error.outcome == "temporary":
        # Not to be tried again: the endpoint is off.
        raise outbox.DeliveryError(f"{error}; the endpoint is now disabled", outcome="permanent")
    raise error


def _failed(endpoint: WebhookEndpoint, log: WebhookDelivery, now: datetime) -> bool:
    """Count a failed delivery against its endpoint; disable it once every
    delivery has failed for WEBHOOK_DISABLE_AFTER_DAYS. True when this
    failure disabled it."""
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        return False
    if now - endpoint.failing_since < timedelta(days=current_app.config["WEBHOOK_DISABLE_AFTER_DAYS"]):
        return False
    zone = ZoneInfo(get_settings().timezone)
    reason = (f"every delivery failed from {time_label(endpoint.failing_since, zone)} to "
              f"{time_label(now, zone)} "
              f"(last: {log.status_code and f'HTTP {log.status_code}' or log.detail})")
    # Conditional: of two runs failing at once, one disables and tells the owner.
    disabled = db.session.execute(
        update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id, WebhookEndpoint.enabled.is_(True))
        .values(enabled=False, disabled_at=now, disabled_reason=reason[:2000], updated_at=now)
        .execution_options(synchronize_session=False))
    if rowcount(disabled) != 1:
        return False
    outbox.cancel_for_endpoint(endpoint.id, reason="the endpoint was disabled after failing for days",
                               now=now)
    link = email.public_url("webhooks.detail", endpoint_id=endpoint.id)
    owner = endpoint.owner
    outbox.enqueue(outbox.Mail(
        kind="notice", key=f"notice:webhook-disabled:{endpoint.id}:{now.isoformat()}",
        recipient=owner.email, subject=f"Webhook endpoint disabled: {endpoint.url}",
        text=(f"Hello {owner.display_name},\n\n"
              f"The webhook endpoint {endpoint.url}, which you own, has been disabled: {reason}.\n\n"
              "Nothing more is sent to it, and events from now on are not queued for it. Once it "
              f"answers again, an admin can enable it here:\n{link}\n\n"
              "What was waiting for it is marked failed in the outbox, where an admin can resend "
              "it.\n")), now=now)
    return True


outbox.register_channel("webhook", send)
