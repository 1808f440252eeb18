"""How long the JSON API takes: a 1,000-reading bulk POST, and paged GETs of
initiatives and of a metric's readings.

    python -m bench.api [--database URL] [--rounds 5] [--output bench/results/api.json]

In-process, through Flask's test client with an admin's token: on a fresh
SQLite file by default, or on the PostgreSQL database `--database` names (its
tables are dropped and created again). The data: 20 metrics, 1,000
initiatives, 10,000 readings of one metric. Cases:

- a bulk POST of 1,000 valid readings (deleted again before the next round);
- GET /api/v1/initiatives, 50 a page, walking every page (each initiative
  with its behaviours, metrics and say/do record);
- GET /api/v1/metrics/{id}/readings, 200 a page, walking every page.

Each case reports the median and slowest request and the SQL statements of
one request. Not part of `make test`; light on purpose (the main table is
`bench.run`'s).
"""

import statistics
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert

from bench.timing import measure_one_engine, timed
from tracker import create_app
from tracker.accounts import services as accounts
from tracker.accounts.models import Role
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.metrics import services as metrics
from tracker.metrics.models import Reading
from tracker.tokens import services as tokens

METRICS = 20
INITIATIVES = 1_000
READINGS = 10_000
BULK = 1_000
FIRST_DAY = date(2000, 1, 1)


def _app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-api",
                       "PASSWORD_HASH_METHOD": "argon2id:8:1:1", "API_REQUESTS_PER_MINUTE": 10**5})


def _set_up(app) -> str:
    now = datetime.now(UTC)
    with app.app_context():
        db.drop_all()
        db.create_all()
        admin = accounts.create_user(email="bench-admin@example.com", display_name="Bench admin",
                                     role=Role.ADMIN, password="a long bench passphrase 4471")  # noqa: S106
        for m in range(METRICS):
            metrics.create_metric(actor=admin, data=metrics.MetricInput(
                name=f"Bench metric {m}", unit="", direction="higher", baseline=10, target=50,
                target_date=date(2030, 1, 1), cadence="monthly", source="internal",
                standard="95% of orders processed within 3 hours of receipt, measured weekly",
                owner_id=admin.id), now=now)
        db.session.execute(insert(Initiative), [
            {"title": f"Bench initiative {n}", "kind": "process_change",
             "burning_platform": "Customers leave.",
             "status": "in_progress", "owner_id": admin.id, "start_date": date(2026, 1, 5),
             "created_at": now, "updated_at": now} for n in range(INITIATIVES)])
        db.session.execute(insert(Reading), [
            {"metric_id": 1, "observed_on": FIRST_DAY + timedelta(days=d), "value": d % 97,
             "recorded_by_id": admin.id, "recorded_at": now} for d in range(READINGS)])
        secret = tokens.create_token(admin, name="bench", scopes=["read", "write"], days=1, now=now).secret
        db.session.commit()
        return secret


def _walk(app, client, headers, first: str) -> tuple[list[float], int]:
    timings, statements, url = [], None, first
    while url:
        took, counted, answer = timed(app, lambda url=url: client.get(url, headers=headers))
        if answer.status_code != 200:
            raise RuntimeError(f"{url}: answered {answer.status_code}")
        timings.append(took)
        statements = counted if statements is None else statements
        cursor = answer.get_json()["next_cursor"]
        url = cursor and f"{first}&cursor={cursor}"
    return timings, statements


def measure(url: str, rounds: int) -> list[dict]:
    app = _app(url)
    secret = _set_up(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    rows = [{"metric": f"Bench metric {n % (METRICS - 1) + 1}", "value": n % 90,
             "observed_on": (date(2020, 1, 1) + timedelta(days=n // (METRICS - 1))).isoformat()}
            for n in range(BULK)]
    timings, statements = [], None
    for _ in range(rounds):
        took, counted, answer = timed(app, lambda: client.post("/api/v1/readings/bulk", headers=headers,
                                                               json={"readings": rows}))
        if answer.status_code != 201:
            raise RuntimeError(f"bulk POST answered {answer.status_code}: {answer.get_data(as_text=True)}")
        timings.append(took)
        statements = counted if statements is None else statements
        with app.app_context():
            db.session.execute(delete(Reading).where(Reading.metric_id != 1))
            db.session.commit()
    results = [{"case": f"POST /readings/bulk, {BULK:,} readings", "requests": rounds,
                "p50_ms": round(statistics.median(timings) * 1000, 1),
                "max_ms": round(max(timings) * 1000, 1), "statements": statements}]
    for name, first in ((f"GET /initiatives, 50 a page ({INITIATIVES:,})", "/api/v1/initiatives?limit=50"),
                        (f"GET /metrics/1/readings, 200 a page ({READINGS:,})",
                         "/api/v1/metrics/1/readings?limit=200")):
        timings, statements = _walk(app, client, headers, first)
        results.append({"case": name, "requests": len(timings),
                        "p50_ms": round(statistics.median(timings) * 1000, 1),
                        "max_ms": round(max(timings) * 1000, 1), "statements": statements})
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    measure_one_engine(__doc__.split("\n\n")[0], measure, rounds=5, name="api",
                       columns=[("case", "case", 52), ("n", "requests", 4), ("p50 ms", "p50_ms", 8),
                 ("max ms", "max_ms", 8), ("SQL", "statements", 4)])


if __name__ == "__main__":
    main()
