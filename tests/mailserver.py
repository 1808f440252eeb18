"""A real SMTP server on 127.0.0.1 (aiosmtpd) that can misbehave the ways
mail servers do, and the fixtures that point the app at it."""

import asyncio
import socket
import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

# How long the app waits for an answer in these tests, and how long a slow server takes.
MAIL_TIMEOUT = 1
SLOW = 2.5


class Recorder:
    """Keeps every message that arrives (`messages`: what the server received,
    whatever it answered). `mode` makes it misbehave:

    - "451-once": the first message gets 451 (try later), the rest 250;
    - "550": every message is refused;
    - "slow_after_data": the whole message arrives, then 250 only after SLOW seconds;
    - "slow_before_data": RCPT is answered only after SLOW seconds (no message arrives);
    - "cut_after_data": the whole message arrives, then the connection is dropped.

    `before_rcpt`, a function: called (in the server's thread) before each
    RCPT is answered, while the client waits.

    `drop_after`, a number: the server closes a connection when its client
    starts one more message on it after that many (as servers that limit
    messages per connection, or time idle ones out, do). `connections` counts
    the connections clients opened.
    """

    def __init__(self):
        self.messages: list = []
        self.mode = "ok"
        self.calls = 0
        self.after_receive = None
        self.before_rcpt = None
        self.drop_after: int | None = None
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.drop_after is not None and getattr(session, "delivered", 0) >= self.drop_after:
            server.transport.abort()
            return "421 4.4.2 Closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.before_rcpt:
            self.before_rcpt()
        if self.mode == "slow_before_data":
            await asyncio.sleep(SLOW)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.calls += 1
            calls = self.calls
        if self.mode == "451-once" and calls == 1:
            return "451 4.3.0 Mailbox busy, try again later"
        if self.mode == "550":
            return "550 5.1.1 No such user here"
        with self.lock:
            self.messages.append(envelope)
        session.delivered = getattr(session, "delivered", 0) + 1
        if self.after_receive:
            self.after_receive(len(self.messages))
        if self.mode == "slow_after_data":
            await asyncio.sleep(SLOW)
        if self.mode == "cut_after_data":
            server.transport.abort()
        return "250 OK"

    def message_ids(self) -> list[str]:
        """The Message-ID of every message received, in arrival order (repeats included)."""
        return [message_from_bytes(e.content, policy=policy.default)["Message-ID"] for e in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def closed_port():
    """A port nothing listens on, held for the test so no other process takes it:
    connecting is refused, as with a mail server that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


class CountingController(Controller):
    """Counts every connection a client opens (aiosmtpd makes one SMTP protocol for each)."""

    def factory(self):
        with self.handler.lock:
            self.handler.connections += 1
        return super().factory()


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = CountingController(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.connections = 0  # start() opens one to see that the server is up
    recorder.port = controller.port
    yield recorder
    controller.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                      MAIL_TIMEOUT=MAIL_TIMEOUT, MAIL_DEFAULT_SENDER="Tracker <tracker@example.com>",
                      PUBLIC_URL="https://tracker.example.com")
    return app


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
