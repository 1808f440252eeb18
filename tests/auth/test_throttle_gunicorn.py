"""The sign-in limits hold across gunicorn workers: two workers, one database,
real HTTP on a loopback port, CSRF on as in production."""

import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests import factories, gunicorn
from tracker.auth.models import FailedSignIn
from tracker.extensions import db

LIMIT = 4
WORKERS = 2


def start_gunicorn(database_url: str, tmp_path: Path) -> tuple[subprocess.Popen, int, Path]:
    access_log = tmp_path / "access.log"
    server, port = gunicorn.start_gunicorn(database_url, tmp_path / "instance", workers=WORKERS,
                                           secret_key="gunicorn-throttle-test", access_log=access_log,
                                           settings={"SIGN_IN_MAX_FAILURES_PER_ACCOUNT": LIMIT})
    return server, port, access_log


def sign_in(port: int, password: str) -> tuple[int, dict]:
    """GET the form, then POST it, on fresh connections (as two page loads are)."""
    return gunicorn.Browser(port).sign_in("sam@example.com", password)


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
        gunicorn.stop(server)
