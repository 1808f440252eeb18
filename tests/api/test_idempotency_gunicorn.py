"""Idempotency-Key against a real gunicorn: a client whose connection drops
after sending a bulk of readings does not know whether they were stored; it
sends the same request again with the same key and gets the first answer,
and the readings are stored once. Same-key requests racing on two workers
store once too."""

import http.client
import json
import socket
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import factories, gunicorn
from tracker.extensions import db
from tracker.metrics.models import Reading

ROWS = [{"metric": "NPS", "observed_on": (date(2025, 1, 1) + timedelta(days=n)).isoformat(), "value": n % 90}
        for n in range(300)]


@pytest.fixture
def served(app, tmp_path):
    from tracker.tokens import services as tokens

    with app.app_context():
        owner = factories.make_user("member")
        factories.make_metric("NPS", owner=owner, baseline=10, target=60)
        secret = tokens.create_token(owner, name="Survey tool", scopes=["readings:write"], days=30,
                                     now=datetime.now(UTC)).secret
        db.session.commit()
    server, port = gunicorn.start_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance",
                                           secret_key="idempotency-test", workers=2)
    yield port, secret
    gunicorn.stop(server)


def _post(port: int, secret: str, key: str, body: bytes) -> tuple[int, dict, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/readings/bulk", body=body, headers={
            "Authorization": f"Bearer {secret}", "Idempotency-Key": key, "Content-Type": "application/json"})
        answer = conn.getresponse()
        return answer.status, dict(answer.headers), json.loads(answer.read())
    finally:
        conn.close()


def _stored(app) -> int:
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(Reading))
        db.session.remove()
        return count


def test_a_retry_after_a_dropped_connection_gets_the_first_answer_and_stores_once(app, served):
    port, secret = served
    body = json.dumps({"readings": ROWS}).encode()
    # Send the whole request, then drop the connection before any answer is read.
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(b"POST /api/v1/readings/bulk HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + f"Authorization: Bearer {secret}\r\nIdempotency-Key: export-2025\r\n".encode()
                    + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                    + body)
    deadline = time.monotonic() + 20
    while _stored(app) < len(ROWS) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _stored(app) == len(ROWS)  # the server finished the write nobody heard about

    status, headers, answer = _post(port, secret, "export-2025", body)
    assert (status, answer) == (201, {"created": len(ROWS)})
    assert headers["Idempotent-Replayed"] == "true"
    assert _stored(app) == len(ROWS)

    # Without the key, the same rows are a second write: refused row by row, nothing stored twice.
    status, _, answer = _post(port, secret, "another-key", body)
    assert status == 422
    assert answer["errors"][0]["field"] == "/readings/0/observed_on"
    assert _stored(app) == len(ROWS)


@pytest.mark.postgresql
def test_same_key_requests_racing_on_two_workers_store_once(app, served):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite takes one writer at a time; the race needs concurrent writers")
    port, secret = served
    body = json.dumps({"readings": ROWS}).encode()
    answers: list[tuple[int, dict]] = []

    def send() -> None:
        status, _, answer = _post(port, secret, "race-1", body)
        answers.append((status, answer))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [(201, {"created": len(ROWS)})] * 4
    assert _stored(app) == len(ROWS)
