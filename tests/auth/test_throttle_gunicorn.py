"""The sign-in limits hold across gunicorn workers: two workers, one database,
real HTTP on a loopback port, CSRF on as in production."""

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select

from tests import factories
from tracker.auth.models import FailedSignIn
from tracker.extensions import db

ROOT = Path(__file__).resolve().parent.parent.parent
LIMIT = 4
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(database_url: str, tmp_path: Path) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") and k != "DATABASE_URL"}
    env.update({
        "TRACKER_SQLALCHEMY_DATABASE_URI": database_url,
        "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRACKER_SECRET_KEY": "gunicorn-throttle-test",
        "TRACKER_PASSWORD_HASH_METHOD": "argon2id:8:1:1",
        "TRACKER_SIGN_IN_MAX_FAILURES_PER_ACCOUNT": str(LIMIT),
    })
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
               "--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %(m)s %(U)s",
               "app:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server, port, access_log
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.2)


def sign_in(port: int, password: str) -> tuple[int, dict]:
    """GET the form, then POST it, on fresh connections (as two page loads are)."""
    jar = SimpleCookie()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    conn.close()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    body = urlencode({"csrf_token": token, "email": "sam@example.com", "password": password, "next": ""})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={m.value}" for k, m in jar.items())})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, dict(response.headers)


def pids_answering(access_log: Path, status: int) -> set[str]:
    pids = set()
    for line in access_log.read_text().splitlines():
        pid, code, method, path = line.split()
        if method == "POST" and path == "/login" and int(code) == status:
            pids.add(pid)
    return pids


def test_two_gunicorn_workers_share_the_sign_in_limits(app, tmp_path):
    with app.app_context():
        factories.make_user("member", email="sam@example.com")
        db.session.commit()
    server, port, access_log = start_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    try:
        statuses: list[int] = []
        lock = threading.Lock()

        def guess(n: int) -> None:
            for _ in range(n):
                status, _ = sign_in(port, "not the password at all")
                with lock:
                    statuses.append(status)

        # Wrong passwords from four clients at once, so both workers answer.
        threads = [threading.Thread(target=guess, args=(5,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert set(statuses) <= {200, 429}
        # Two workers checking at the same instant may each let one more through.
        assert LIMIT <= statuses.count(200) <= LIMIT + WORKERS - 1
        # Keep guessing (bounded) until each worker has refused at least once.
        deadline = time.monotonic() + 30
        while len(pids_answering(access_log, 429)) < WORKERS and time.monotonic() < deadline:
            assert sign_in(port, "not the password at all")[0] == 429
        assert len(pids_answering(access_log, 429)) == WORKERS, "both workers refuse"
        status, headers = sign_in(port, factories.DEFAULT_PASSWORD)
        assert status == 429 and 0 < int(headers["Retry-After"]) <= 15 * 60

        # The window passes: every failure moved 15 minutes into the past.
        with app.app_context():
            for failure in db.session.scalars(select(FailedSignIn)):
                failure.at -= timedelta(minutes=15)
            db.session.commit()
        status, headers = sign_in(port, factories.DEFAULT_PASSWORD)
        assert status == 302 and headers["Location"] == "/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
