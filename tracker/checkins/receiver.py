"""The SMTP (or LMTP) receiver for check-in replies, run by `flask mail receive`.

It accepts mail only for reply addresses at REPLY_DOMAIN (anything else is
refused at RCPT with 550), refuses a message larger than
INBOUND_MAIL_MAX_BYTES with 552 (at MAIL FROM when the client declares its
SIZE, else at the end of DATA), and hands each message to
`replies.receive_reply`, committing once. What it answers:

- 250 once the message was handled: recorded, a duplicate, an automatic
  message ignored, or refused politely by mail (wrong sender, expired);
- 550 5.1.1 when the reply address's signature is wrong;
- 451, at RCPT or at the end of DATA, when the database could not be
  reached or anything failed: nothing of the message is kept, the sending
  server tries again later, and the Message-ID makes sure a message that did
  get recorded is not recorded twice.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

from tracker import transaction
from tracker.checkins import replies

log = logging.getLogger(__name__)

TRY_LATER = "451 4.3.0 Could not process the message now; try again later"
ANSWERS = {
    "not_ours": "550 5.1.1 No such reply address here",
    "too_large": "552 5.3.4 Message too big for a check-in reply",
}


class ReplyHandler:
    """aiosmtpd's handler: checks each recipient, processes each message in a
    worker thread (the database calls block) inside the app's context, at the
    moment `now()` gives (the CLI passes the clock)."""

    def __init__(self, app: Flask, now: Callable[[], datetime]):
        self.app = app
        self.now = now

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        loop = asyncio.get_running_loop()
        known = await loop.run_in_executor(None, self.known, address)
        if known is None:
            return TRY_LATER
        if not known:
            return ANSWERS["not_ours"]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    def known(self, address: str) -> bool | None:
        """`address` is a reply address whose signature names one of our
        check-ins; None when that cannot be said now (the database is down)."""
        with self.app.app_context():
            try:
                return replies.checkin_for_address(address) is not None
            except Exception:  # noqa: BLE001 - the sender must hear "try later", not our error
                log.exception("could not check the reply address %s", address)
                return None
            finally:
                transaction.rollback()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.receive, raw, envelope.mail_from or "",
                                          list(envelope.rcpt_tos))

    def receive(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
        """Process one message and say what to answer the sending server."""
        with self.app.app_context():
            try:
                received = replies.receive_reply(raw, now=self.now(), envelope_from=mail_from,
                                                 envelope_to=rcpt_tos)
                transaction.commit()
            except Exception:  # noqa: BLE001 - the sender must hear "try later", not a dropped line
                transaction.rollback()
                log.exception("a reply to %s could not be processed", rcpt_tos)
                return TRY_LATER
        log.info("reply to %s from %s: %s", rcpt_tos, mail_from, received.outcome)
        return ANSWERS.get(received.outcome, f"250 2.0.0 OK ({received.outcome.replace('_', ' ')})")


class _LMTPController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def start(app: Flask, *, host: str, port: int, now: Callable[[], datetime], lmtp: bool = False) -> Controller:
    """Listen on host:port in a thread of its own; `stop()` the result to end it."""
    kind = _LMTPController if lmtp else Controller
    options: dict[str, Any] = {"data_size_limit": int(app.config["INBOUND_MAIL_MAX_BYTES"])}
    controller = kind(ReplyHandler(app, now), hostname=host, port=port,
                      server_hostname=app.config.get("REPLY_DOMAIN") or None, **options)
    controller.start()
    return controller
