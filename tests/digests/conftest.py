"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the digest tests."""

import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller


class Recorder:
    """Keeps what arrives; `mode` makes it misbehave: '451-once', '550', 'hang'."""

    def __init__(self):
        self.messages: list = []
        self.mode = "ok"
        self.calls = 0
        self.after_receive = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        with self.lock:
            self.calls += 1
            calls = self.calls
        if self.mode == "451-once" and calls == 1:
            return "451 4.3.0 Mailbox busy, try again later"
        if self.mode == "550":
            return "550 5.1.1 No such user here"
        if self.mode == "hang":
            await asyncio.sleep(3)
            return "250 OK"
        with self.lock:
            self.messages.append(envelope)
        if self.after_receive:
            self.after_receive(len(self.messages))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.port = controller.port
    yield recorder
    controller.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                      MAIL_TIMEOUT=1, MAIL_DEFAULT_SENDER="Tracker <tracker@example.com>",
                      PUBLIC_URL="https://tracker.example.com")
    return app


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
