"""Serve the generated organisation with gunicorn and measure it.

    python -m bench.run [--database URL] [--requests 200] [--concurrency 4] [--update-readme]

Run `python -m bench.generate` first. Pages are measured over HTTP on
127.0.0.1 (gunicorn, 2 workers, a thread pool of keep-alive clients);
queries per page are counted in-process with the test client; the weekly
digests and one scheduler tick are timed in-process against the same
database. The table is printed and written to bench/results/latest.json.
"""

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.database import DEFAULT_DATABASE, ROOT, generation_record, kind, resolve_url, row_counts
from bench.generate import LOGINS, PASSWORD
from bench.timing import QueryCounter, engine_of
from tracker import create_app
from tracker.accounts.models import User
from tracker.extensions import db

RESULTS = ROOT / "bench" / "results" / "latest.json"
README = ROOT / "README.md"
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
WARM_UP = 10
BENCH_EXEC = next(email for role, email, _, _ in LOGINS if role == "executive")
FLOOR = "health check (floor)"


@dataclass
class Page:
    name: str
    path: str
    signed_in: bool = True
    login: str = "executive"  # the role of the bench login that opens it (LOGINS)


@dataclass
class Result:
    name: str
    path: str = ""
    p50_ms: float | None = None       # one client at a time: what a user waits
    p95_ms: float | None = None
    requests_per_s: float | None = None  # throughput with `concurrency` clients
    loaded_p50_ms: float | None = None   # latency with `concurrency` clients, queueing included
    loaded_p95_ms: float | None = None
    seconds: float | None = None
    requests: int = 0
    bytes: int | None = None
    queries: int | None = None
    status: int | str = ""
    errors: int = 0
    detail: str = ""

    def as_json(self) -> dict:
        out = {"name": self.name, "p50_ms": self.p50_ms, "p95_ms": self.p95_ms}
        if self.seconds is not None:
            out = {"name": self.name, "seconds": self.seconds}
        else:
            out.update(path=self.path, requests_per_s=self.requests_per_s,
                       loaded_p50_ms=self.loaded_p50_ms, loaded_p95_ms=self.loaded_p95_ms,
                       requests=self.requests, errors=self.errors, bytes=self.bytes)
        out.update(queries=self.queries, status=self.status)
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class Samples:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    body_bytes: int | None = None  # of a 200 answer
    wall_seconds: float = 0.0


# --- the server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workdir: Path) -> tuple[subprocess.Popen, Path]:
    instance = workdir / "instance"
    instance.mkdir()
    log = workdir / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": url, "TRACKER_SQLALCHEMY_DATABASE_URI": url,
           "TRACKER_INSTANCE_PATH": str(instance),
           "TRACKER_SECRET_KEY": "bench-" + secrets.token_hex(16)}
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
               "--chdir", str(ROOT), "app:app"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    return process, log


def wait_until_ready(process: subprocess.Popen, port: int, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # the master stops its workers
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the load generator ------------------------------------------------------------


def _cookie_header(jar: SimpleCookie) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def _keep_cookies(jar: SimpleCookie, response: http.client.HTTPResponse) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)


def log_in(port: int, email: str, password: str) -> str:
    """Sign in through the login form; the Cookie header of the signed-in session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    jar = SimpleCookie()
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        page = response.read().decode()
        _keep_cookies(jar, response)
        tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
        token = re.search(r'value="([^"]*)"', tag[0]) if tag else None
        if token is None:
            raise RuntimeError("no csrf_token on the login page")
        form = urlencode({"csrf_token": token[1], "email": email, "password": password, "next": ""})
        conn.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(jar)})
        response = conn.getresponse()
        response.read()
        _keep_cookies(jar, response)
        if response.status != 302:
            raise RuntimeError(f"signing in as {email} answered {response.status}, not a redirect")
    finally:
        conn.close()
    return _cookie_header(jar)


def fire(port: int, path: str, headers: dict, requests: int, concurrency: int,
         time_limit: float) -> Samples:
    """`requests` GETs of `path` from `concurrency` threads, each on its own
    connection (re-opened when the server closes it), stopping at `time_limit`."""
    samples = Samples()
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + time_limit

    def take_one() -> bool:
        nonlocal issued
        with lock:
            if issued >= requests or time.monotonic() >= deadline:
                return False
            issued += 1
            return True

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while take_one():
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    body = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    status = 0  # no answer at all
                elapsed_ms = (time.perf_counter() - started) * 1000
                with lock:
                    samples.latencies_ms.append(elapsed_ms)
                    samples.statuses.append(status)
                    if status == 200:
                        samples.body_bytes = len(body)
        finally:
            conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples.wall_seconds = time.perf_counter() - started
    return samples


def summarise(page: Page, samples: Samples) -> Result:
    """Timings of the 200 answers; a page that never answered 200 gets only its status."""
    counts = Counter(samples.statuses)
    ok = [ms for ms, status in zip(samples.latencies_ms, samples.statuses, strict=True) if status == 200]
    result = Result(page.name, page.path, requests=len(samples.statuses),
                    status=counts.most_common(1)[0][0] if counts else "no requests",
                    errors=len(samples.statuses) - len(ok), bytes=samples.body_bytes)
    if len(ok) >= 2:
        cuts = statistics.quantiles(ok, n=100, method="inclusive")
        result.p50_ms = round(statistics.median(ok), 1)
        result.p95_ms = round(cuts[94], 1)
        result.requests_per_s = round(len(ok) / samples.wall_seconds, 1)
    return result


def measure_pages(url: str, pages: list[Page], requests: int, concurrency: int,
                  time_limit: float) -> list[Result]:
    """Each page twice: `requests` GETs from one client (the latency a user
    sees, p50 and p95), then `requests` from `concurrency` clients at once
    (throughput, and latency with queueing: the clients share the 2 cores
    with the 2 workers, so a request often waits for another)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        port = free_port()
        process, log = start_gunicorn(url, port, Path(workdir))
        try:
            wait_until_ready(process, port, log)
            cookies = {role: log_in(port, email, PASSWORD) for role, email, _, _ in LOGINS}
            for page in pages:
                headers = {"Cookie": cookies[page.login]} if page.signed_in else {}
                fire(port, page.path, headers, WARM_UP, max(concurrency, 1), time_limit)
                result = summarise(page, fire(port, page.path, headers, requests, 1, time_limit))
                if concurrency > 1:
                    loaded = summarise(page, fire(port, page.path, headers, requests, concurrency,
                                                  time_limit))
                    result.requests_per_s = loaded.requests_per_s
                    result.loaded_p50_ms, result.loaded_p95_ms = loaded.p50_ms, loaded.p95_ms
                    result.requests += loaded.requests
                    result.errors += loaded.errors
                print(f"  {page.name:<32} {_cell(result.p50_ms):>8} ms alone, "
                      f"{_cell(result.loaded_p50_ms):>8} ms with {concurrency} clients, "
                      f"{(result.bytes or 0) / 1024:7.1f} KB  status {result.status}", flush=True)
                results.append(result)
            results.append(worker_memory(process))
        finally:
            stop(process)
    return results


def worker_memory(master: subprocess.Popen) -> Result:
    """The resident memory of the largest gunicorn worker, after every page was served."""
    sizes = []
    for task in Path(f"/proc/{master.pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return Result("gunicorn worker RSS (MB)", p50_ms=round(max(sizes), 1) if sizes else None,
                  status=200 if sizes else "unknown",
                  detail="resident memory of the largest of the 2 workers after every page, in MB")


# --- in-process: queries and jobs ----------------------------------------------------


def signed_in_client(app, user_id: int):
    """A test client with the session cookie of that user signed in (the
    session carries the user's session token, as a real sign-in's does)."""
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def count_page_queries(app, results: list[Result], pages: list[Page], logins: dict[str, int]) -> None:
    """Statements per page, through the test client. Runs outside any app
    context so that each request gets its own, with a fresh session."""
    engine = engine_of(app)
    clients = {role: signed_in_client(app, user_id) for role, user_id in logins.items()}
    for page, result in zip(pages, results, strict=False):
        client = clients[page.login] if page.signed_in else app.test_client()
        client.get(page.path)  # the first request compiles templates and statements
        with QueryCounter(engine) as counter:
            status = client.get(page.path).status_code
        result.queries = counter.count
        if status != result.status:
            print(f"  note: {page.path} answered {status} in-process, {result.status} over HTTP")


def measure_dashboard_after_writes(app, user_id: int, runs: int = 5) -> Result:
    """The dashboard's first view after a write, in-process through the
    test client: before each view a reading is recorded for one of the
    metrics linked to the most initiatives (a write that moves their say/do
    records, the metric's sparkline and the movers); the readings are
    deleted again at the end."""
    from tracker.initiatives.models import InitiativeMetric
    from tracker.metrics.models import Reading

    client = signed_in_client(app, user_id)
    client.get("/")
    samples, cpu, added = [], [], []
    with app.app_context():
        metric_ids = list(db.session.scalars(
            select(InitiativeMetric.metric_id).group_by(InitiativeMetric.metric_id)
            .order_by(func.count().desc()).limit(runs)))
        last_day = db.session.scalar(select(func.max(Reading.observed_on)))
        db.session.remove()
    queries = 0
    for run_number, metric_id in enumerate(metric_ids, start=1):
        with app.app_context():
            reading = Reading(metric_id=metric_id, observed_on=last_day + timedelta(days=run_number),
                              value=0.0, note="bench: a write before the dashboard", recorded_by_id=user_id)
            db.session.add(reading)
            db.session.commit()
            added.append(reading.id)
            db.session.remove()
        with QueryCounter(engine_of(app)) as counter:
            started, cpu_started = time.perf_counter(), time.process_time()
            status = client.get("/").status_code
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        queries = counter.count
    with app.app_context():
        db.session.execute(Reading.__table__.delete().where(Reading.id.in_(added)))
        db.session.commit()
        db.session.remove()
    return Result("dashboard, first view after a write", path="/",
                  p50_ms=round(statistics.median(samples), 1), p95_ms=round(max(samples), 1), requests=runs,
                  queries=queries, status=status,
                  detail=f"in-process, a reading recorded before each view; p95 is the slowest of the runs; "
                         f"CPU time of this process (the app, and on SQLite the database's work too): p50 "
                         f"{statistics.median(cpu):.0f} ms")


def time_job(name: str, job: Callable[[], str]) -> Result:
    with QueryCounter(db.engine) as counter:
        started = time.perf_counter()
        detail = job()
        seconds = time.perf_counter() - started
    return Result(name, seconds=round(seconds, 2), queries=counter.count, status="ok", detail=detail)


def measure_jobs(now: datetime, outbox: Path) -> list[Result]:
    from tracker import scheduler
    from tracker.digests import services as digests

    def build_digests() -> str:
        result = digests.send_digests(now, dry_run=True)
        return f"{len(result.dry_run)} digests for {result.week}"

    def one_tick() -> str:
        outcome = scheduler.tick(now)
        parts = [f"{name}: {run.summary if run.ok else 'FAILED'}" for name, run in outcome.items()]
        mails = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
        return "; ".join(parts) + f"; {mails} mails written"

    return [time_job("weekly digests (build all)", build_digests),
            time_job("scheduler tick", one_tick)]


def this_week(now: datetime) -> str:
    """The ISO week of `now` ('2026-W48'): a digest nobody was sent yet, so
    the preview gathers it instead of showing a stored message."""
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def choose_pages(app, now: datetime) -> list[Page]:
    """Every page a signed-in user can open (GET), each with the login that
    may see it, on the busiest records of the generated organisation (see
    `busiest_records`)."""
    return pages_for(busiest_records(app), this_week(now))


def busiest_records(app) -> dict[str, int | None]:
    """The ids the pages are measured on: the in-progress initiative with the
    most metrics (its first metric, that metric's latest reading, the
    initiative's latest submitted check-in), the owner with the most
    initiatives, the largest department, the first people decision and
    behaviour, the incentive in effect with the most judgements, the
    incentive-change initiative named on one, the webhook endpoint with the
    most deliveries, a failed message in the outbox, and the bench logins."""
    from tracker.behaviours.models import Behaviour
    from tracker.checkins.models import CheckIn
    from tracker.incentives.models import Incentive, IncentiveChange, Judgement
    from tracker.initiatives.models import Initiative, InitiativeMetric
    from tracker.metrics.models import Reading
    from tracker.outbox.models import OutboxMessage
    from tracker.outbox.services import RESENDABLE
    from tracker.people.models import PeopleDecision
    from tracker.webhooks.models import WebhookDelivery

    def busiest(column, *where):
        return db.session.scalar(select(column).where(*where).group_by(column)
                                 .order_by(func.count().desc(), column).limit(1))

    with app.app_context():
        ids: dict[str, int | None] = {}
        ids["initiative"] = initiative_id = db.session.scalar(
            select(Initiative.id).join(InitiativeMetric, InitiativeMetric.initiative_id == Initiative.id)
            .where(Initiative.status == "in_progress")
            .group_by(Initiative.id).order_by(func.count().desc(), Initiative.id).limit(1))
        ids["metric"] = db.session.scalar(
            select(InitiativeMetric.metric_id).where(InitiativeMetric.initiative_id == initiative_id)
            .order_by(InitiativeMetric.id).limit(1))
        ids["reading"] = db.session.scalar(
            select(Reading.id).where(Reading.metric_id == ids["metric"])
            .order_by(Reading.observed_on.desc(), Reading.id.desc()).limit(1))
        ids["checkin"] = db.session.scalar(
            select(CheckIn.id).where(CheckIn.initiative_id == initiative_id, CheckIn.state == "submitted")
            .order_by(CheckIn.period_start.desc()).limit(1))
        ids["owner"] = busiest(Initiative.owner_id, Initiative.id > 12)  # not the bench member's dozen
        ids["department"] = busiest(Initiative.department_id, Initiative.department_id.is_not(None))
        ids["decision"] = db.session.scalar(select(PeopleDecision.id).order_by(PeopleDecision.id).limit(1))
        ids["behaviour"] = db.session.scalar(select(Behaviour.id).order_by(Behaviour.id).limit(1))
        ids["incentive"] = busiest(Judgement.incentive_id, Judgement.incentive_id.in_(
            select(Incentive.id).where(Incentive.status == "in_effect", Incentive.metric_id.is_not(None))))
        ids["change_initiative"] = db.session.scalar(
            select(IncentiveChange.initiative_id).order_by(IncentiveChange.id).limit(1))
        ids["endpoint"] = busiest(WebhookDelivery.endpoint_id)
        ids["failed_message"] = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.state.in_(RESENDABLE))
            .order_by(OutboxMessage.id.desc()).limit(1))
        users = dict(db.session.execute(select(User.role, func.min(User.id)).where(
            User.email.like("%@example.com"), User.email.not_like("bench-%")).group_by(User.role)).all())
        for role, email, _, _ in LOGINS:
            ids[f"login_{role}"] = db.session.scalar(select(User.id).where(User.email == email))
        # A member who owns nothing: the plainest digest.
        ids["plain_member"] = db.session.scalar(
            select(User.id).where(User.role == "member", User.active, User.digest_opt_in,
                                  User.id.not_in(select(Initiative.owner_id))).order_by(User.id).limit(1))
        ids["user"] = users.get("member", ids["owner"])
        db.session.remove()
    return ids


def pages_for(ids: dict[str, int | None], week: str) -> list[Page]:
    """The pages measured, given the records `busiest_records` chose and the
    digest week. tests/test_bench_pages.py checks that every GET page of the
    app is here or excused (`NOT_MEASURED`); a record the data lacks (no
    incentive, say) leaves its pages out."""

    def digest(role: str, user_id: int | None) -> Page:
        return Page(f"digest preview, {role}", f"/digests/preview/mail?week={week}&user_id={user_id}",
                    login="admin")

    def on(key: str, *pages: Page) -> list[Page]:
        return list(pages) if ids.get(key) is not None else []

    i = ids
    return [
        Page("login page", "/login", signed_in=False),
        Page(FLOOR, "/healthz", signed_in=False),
        Page("dashboard", "/"),
        Page("dashboard, one department", f"/?department_id={i['department']}&weeks=26"),
        Page("initiative list", "/initiatives/"),
        Page("initiative page", f"/initiatives/{i['initiative']}"),
        Page("initiative edit form", f"/initiatives/{i['initiative']}/edit"),
        Page("initiative metric links", f"/initiatives/{i['initiative']}/metrics"),
        Page("new initiative form", "/initiatives/new"),
        Page("metrics list", "/metrics/"),
        Page("metric page", f"/metrics/{i['metric']}"),
        Page("metric readings", f"/metrics/{i['metric']}/readings"),
        Page("metric edit form", f"/metrics/{i['metric']}/edit"),
        Page("new metric form", "/metrics/new"),
        *on("reading", Page("reading correction form", f"/metrics/readings/{i['reading']}/correct")),
        Page("readings import", "/metrics/readings/import", login="admin"),
        Page("behaviour list", "/behaviours/"),
        Page("behaviour page", f"/behaviours/{i['behaviour']}"),
        Page("behaviour edit form", f"/behaviours/{i['behaviour']}/edit"),
        Page("new behaviour form", "/behaviours/new"),
        Page("my check-ins", "/checkins/", login="member"),
        Page("check-in page", f"/checkins/{i['checkin']}"),
        Page("check-in review queue", "/checkins/review"),
        Page("say/do overview", "/checkins/saydo"),
        Page("say/do, one owner", f"/checkins/saydo/owners/{i['owner']}"),
        Page("say/do, one department", f"/checkins/saydo/departments/{i['department']}"),
        digest("member", i["plain_member"]),
        digest("owner", i["login_member"]),
        digest("hr", i["login_hr"]),
        digest("executive", i["login_executive"]),
        digest("admin", i["login_admin"]),
        Page("digest preview page", f"/digests/preview?week={week}"),
        Page("people decisions", "/people/"),
        Page("people decision page", f"/people/{i['decision']}"),
        Page("people decision edit form", f"/people/{i['decision']}/edit", login="hr"),
        Page("new people decision form", "/people/new", login="hr"),
        Page("people report", "/people/report"),
        Page("incentive map", "/incentives/"),
        *on("incentive",
            Page("incentive page", f"/incentives/{i['incentive']}"),
            Page("incentive edit form", f"/incentives/{i['incentive']}/edit"),
            Page("incentive judgement form", f"/incentives/{i['incentive']}/judge/{i['behaviour']}")),
        Page("new incentive form", "/incentives/new"),
        *on("change_initiative", Page("incentive change form",
                                      f"/incentives/changes/{i['change_initiative']}")),
        Page("admin: users", "/admin/users", login="admin"),
        Page("admin: one user", f"/admin/users/{i['user']}", login="admin"),
        Page("admin: new user form", "/admin/users/new", login="admin"),
        Page("admin: departments", "/admin/departments", login="admin"),
        Page("admin: outbox", "/outbox/", login="admin"),
        *on("failed_message", Page("admin: resend warning", f"/outbox/{i['failed_message']}/resend",
                                   login="admin")),
        Page("admin: classifier", "/checkins/classifier", login="admin"),
        Page("admin: settings", "/admin/settings", login="admin"),
        Page("admin: scheduler", "/admin/scheduler", login="admin"),
        Page("admin: API tokens", "/admin/tokens", login="admin"),
        Page("admin: webhooks", "/webhooks/", login="admin"),
        *on("endpoint",
            Page("admin: webhook endpoint", f"/webhooks/{i['endpoint']}", login="admin"),
            Page("admin: webhook edit form", f"/webhooks/{i['endpoint']}/edit", login="admin")),
        Page("admin: new webhook form", "/webhooks/new", login="admin"),
        Page("account", "/account"),
        Page("account: API tokens", "/account/tokens", login="admin"),
        Page("API reference", "/api/v1/reference"),
        Page("API description (OpenAPI)", "/api/v1/openapi.json"),
    ]


# GET routes of the app that bench.run does not measure, by endpoint, each
# with the reason. tests/test_bench_pages.py fails for a GET route that is
# neither measured (`pages_for`) nor here, and for an entry here that is no
# longer a route or is measured after all.
NOT_MEASURED = {
    "static": "files from static/, served by the web server in production, not by a view",
    "accounts.new_password": "only a person with a temporary password sees it; anyone else is "
                             "sent to /account, which is measured",
    "sso.start": "a redirect to the identity provider, not a page",
    "sso.callback": "the identity provider's redirect back with a one-time code; signs in, shows nothing",
    "digests.deliveries": "a permanent redirect to the outbox showing digests (the old address)",
    "digests.unsubscribe": "opened from a signed link in a digest, by someone who need not be signed in",
    "people.decisions_csv": "a download of every decision: it grows with the data by design; the suite "
                            "holds its queries fixed (tests/people/test_views.py)",
    "people.report_csv": "a download of the whole report: it grows with the data by design; the suite "
                         "holds its queries fixed (tests/people/test_views.py)",
}
# Whole groups of routes not measured, by rule prefix or suffix, with the reason.
NOT_MEASURED_RULES = {
    "/api/v1/": "the JSON API answers token-authenticated programs, not people in a browser; "
                "bench/api.py times it (its reference and OpenAPI pages are measured here)",
    ".json": "a form's search answer (JSON) for a picker, fetched as a person types, not a page",
}


def not_measured_reason(endpoint: str, rule: str) -> str | None:
    """Why bench.run does not measure the GET route `rule` (`endpoint`), or None if it should."""
    if endpoint in NOT_MEASURED:
        return NOT_MEASURED[endpoint]
    for part, reason in NOT_MEASURED_RULES.items():
        if rule.startswith(part) or rule.endswith(part):
            return reason
    return None


def endpoint_of(app, path: str) -> str:
    """The endpoint that answers GET `path` (werkzeug raises for a path no route answers)."""
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(path.split("?", 1)[0], method="GET")
    return endpoint


# --- reporting -------------------------------------------------------------------------


def machine(url: str) -> dict:
    cpu = "unknown"
    memory_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory_gib,
            "os": platform.platform(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "database": kind(url),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    if kind(url) == "postgresql":
        info["postgresql"] = db.session.scalar(text("SHOW server_version"))
    return info


def _cell(value) -> str:
    return "–" if value is None else f"{value:,.1f}" if isinstance(value, float) else str(value)


def rows(results: list[dict]) -> list[list[str]]:
    """Table rows from the results as written to JSON."""
    out = []
    for r in results:
        rate = f"{r['seconds']:.2f} s" if "seconds" in r else _cell(r.get("requests_per_s"))
        out.append([r["name"], _cell(r.get("p50_ms")), _cell(r.get("p95_ms")),
                    _cell(r.get("loaded_p50_ms")), _cell(r.get("loaded_p95_ms")), rate,
                    _cell(r["queries"]), str(r["status"])])
    return out


HEADER = ["page or job", "p50 ms", "p95 ms", "p50 ms loaded", "p95 ms loaded", "req/s or time",
          "queries", "status"]


def text_table(results: list[dict]) -> str:
    table = [HEADER, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = []
    for number, row in enumerate(table):
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"Measured {report['generated_at']} on {m['database']}, {m['cpu']} ({m['cores']} cores), "
        f"gunicorn with 2 workers (`python -m bench.run`). Per page, {report['settings']['requests']} "
        "requests from one client (p50, p95: what a user waits), then as many from "
        f"{report['settings']['concurrency']} clients at once (loaded latency, queueing included, "
        "and req/s).",
        "",
        "Data: " + ", ".join(f"{count:,} {table}" for table, count in report["data"].items())
        + (f"; generated in {report['generation']['seconds']:.0f} s." if report["generation"] else "."),
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(HEADER) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(report["results"])]
    if report["targets"]:
        lines += ["", "Targets: " + "; ".join(
            f"{t['target']}: {'met' if t['met'] else 'NOT met'}" for t in report["targets"])]
    return "\n".join(lines)


def generation(url: str) -> dict | None:
    """How long `bench.generate` took for this database, if it noted it."""
    try:
        noted = json.loads(generation_record(url).read_text())
    except (OSError, ValueError):
        return None
    if noted.pop("database", None) != make_url(url).render_as_string(hide_password=True):
        return None
    return noted


def check_targets(results: list[Result], generated: dict | None) -> list[dict]:
    """The issue's targets, for what was measured: alone (one client) and
    loaded (`concurrency` clients), each against the floor measured the same way."""
    by_name = {r.name: r for r in results}
    floor = by_name.get(FLOOR)
    targets = []
    for how, attr in (("alone", "p50_ms"), ("loaded", "loaded_p50_ms")):
        base = getattr(floor, attr, None) if floor else None
        for name in ("dashboard", "initiative list"):
            r = by_name.get(name)
            value = getattr(r, attr, None) if r else None
            if value is not None and base:
                targets.append({"target": f"{name} p50 {how} under 100 ms and within 3× the floor "
                                          f"({value:.1f} ms = {value / base:.1f}× {base:.1f} ms)",
                                "met": value < 100 and value <= 3 * base})
        r = by_name.get("initiative page")
        value = getattr(r, attr, None) if r else None
        if value is not None:
            targets.append({"target": f"initiative page p50 {how} under 50 ms ({value:.1f} ms)",
                            "met": value < 50})
    if generated:
        targets.append({"target": f"generating the data under 2 minutes ({generated['seconds']:.0f} s)",
                        "met": generated["seconds"] < 120})
    return targets


def update_readme(markdown: str) -> None:
    readme = README.read_text()
    if README_START not in readme or README_END not in readme:
        print(f"\n{README.name} has no {README_START} … {README_END} markers; add them where the "
              "table belongs and run again with --update-readme. The table:\n")
        print(markdown)
        return
    before, rest = readme.split(README_START, 1)
    _, after = rest.split(README_END, 1)
    README.write_text(f"{before}{README_START}\n{markdown}\n{README_END}{after}")
    print(f"\nupdated the table in {README}")


# --- main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--requests", type=int, default=200, help="requests per page (default 200)")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="client threads for the loaded run (default 4; 1 skips it)")
    parser.add_argument("--no-jobs", dest="jobs", action="store_false",
                        help="skip the in-process digests and scheduler tick (python -m bench.jobs times "
                             "them against an SMTP server)")
    parser.add_argument("--time-limit", type=float, default=60, help="seconds per page at most")
    parser.add_argument("--pages", metavar="REGEX", type=re.compile,
                        help="measure only the pages whose name or path this matches "
                             "(re.search, e.g. 'incentive|webhook'); the floor is always measured")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--update-readme", action="store_true",
                        help="replace the table between the bench markers in README.md")
    args = parser.parse_args(argv)

    url = resolve_url(args.database)
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as workdir:
        report = run(url, args, Path(workdir) / "outbox")
    if args.update_readme:
        update_readme(markdown_table(report))


def run(url: str, args: argparse.Namespace, outbox: Path) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-run",
                      "MAIL_BACKEND": "file", "MAIL_OUTBOX": str(outbox)})
    with app.app_context():
        # A database generated before the latest migrations gets their tables (and nothing else).
        upgrade()
        with db.engine.connect() as conn:
            data = row_counts(conn)
        if not data.get("user_account"):
            sys.exit("No generated organisation in that database: run `python -m bench.generate` first.")
        machine_info = machine(url)
        logins = {role: db.session.scalar(select(User.id).where(User.email == email))
                  for role, email, _, _ in LOGINS}
        exec_id = logins["executive"]
        db.session.remove()
        db.engine.dispose()
    generated_at = datetime.now(UTC).replace(microsecond=0)
    pages = choose_pages(app, generated_at)
    if args.pages:
        pages = [p for p in pages
                 if p.name == FLOOR or args.pages.search(p.name) or args.pages.search(p.path)]

    print(f"measuring {len(pages)} pages over HTTP ({args.requests} requests each, "
          f"{args.concurrency} clients)", flush=True)
    results = measure_pages(url, pages, args.requests, args.concurrency, args.time_limit)

    print("counting queries and timing jobs in-process", flush=True)
    count_page_queries(app, results, pages, logins)
    results.append(measure_dashboard_after_writes(app, exec_id))
    if args.jobs:
        with app.app_context():
            results += measure_jobs(datetime.now(UTC), outbox)
            db.session.remove()
            db.engine.dispose()

    machine_info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report = {
        "machine": machine_info,
        "data": data,
        "generation": generation(url),
        "generated_at": generated_at.isoformat(),
        "settings": {"requests": args.requests, "concurrency": args.concurrency, "workers": 2,
                     "time_limit_s": args.time_limit},
        "results": [r.as_json() for r in results],
        "targets": check_targets(results, generation(url)),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    print()
    print(text_table(report["results"]))
    for r in results:
        if r.detail:
            print(f"  {r.name}: {r.detail}")
    for target in report["targets"]:
        print(f"  target {target['target']}: {'met' if target['met'] else 'NOT met'}")
    print(f"\nwrote {args.output}")
    return report


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("\ninterrupted; gunicorn stopped, nothing written")
