"""A real HTTP receiver on 127.0.0.1 (a threaded http.server) that answers
each request as scripted: "ok" (200), a status code ("500", "410"), or
"slow" (the whole request is read, then the answer comes after SLOW
seconds, past the app's WEBHOOK_TIMEOUT in these tests)."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TIMEOUT = 0.5   # the app's WEBHOOK_TIMEOUT in these tests
SLOW = 1.5


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int | None


@dataclass
class Receiver:
    port: int
    script: list[str] = field(default_factory=list)  # what the next requests get; then "ok"
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/tracker?team=ops"

    def next_answer(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else "ok"


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = receiver.next_answer()
            status = 200 if answer in ("ok", "slow") else int(answer)
            with receiver.lock:
                receiver.received.append(Received(dict(self.headers.items()), body,
                                                  None if answer == "slow" else status))
            if answer == "slow":
                threading.Event().wait(SLOW)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"thanks" if status == 200 else b"receiver broke\x00\n<b>")
            except OSError:
                pass  # the app stopped waiting and hung up

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    recv = Receiver(server.server_address[1])
    server.RequestHandlerClass = _handler(recv)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recv
    server.shutdown()
    server.server_close()
