"""How long a 20,000-row readings CSV import takes, valid and invalid.

    python -m bench.csv_import [--database URL] [--rounds 3] [--output bench/results/csv_import.json]

In-process, through Flask's test client, as an admin posting to
/metrics/readings/import: on a fresh SQLite file by default, or on the
PostgreSQL database `--database` names (its tables are dropped and created
again). Cases:

- valid: 20,000 readings of 20 metrics (1,000 days each), imported (the
  readings are deleted again before the next round);
- invalid: 20,000 rows naming 20,000 distinct unknown metrics (the file that
  used to stall the site), refused with the first errors listed;
- over the limit: the same invalid file with the default row limit
  (READINGS_IMPORT_MAX_ROWS, 10,000), refused before any row is checked.

The first two run with the row limit raised to 20,000, so every row is
checked. Each case reports its median and slowest time and the SQL
statements of one request. Not part of `make test`; the suite counts the
statements at two sizes (tests/metrics/test_views.py).
"""

import io
import statistics
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete

from bench.timing import measure_one_engine, timed
from tracker import create_app
from tracker.accounts import services as accounts
from tracker.accounts.models import Role, User
from tracker.extensions import db
from tracker.metrics import services as metrics
from tracker.metrics.models import Reading

ROWS = 20_000
METRICS = 20
FIRST_DAY = date(2020, 1, 1)


def valid_file() -> bytes:
    days = ROWS // METRICS
    lines = [f"Bench metric {m},{FIRST_DAY + timedelta(days=d)},{d % 97}.5"
             for m in range(METRICS) for d in range(days)]
    return ("metric,observed_on,value\n" + "\n".join(lines) + "\n").encode()


def invalid_file() -> bytes:
    lines = [f"No such metric {n},2025-01-01,1" for n in range(ROWS)]
    return ("metric,observed_on,value\n" + "\n".join(lines) + "\n").encode()


def _app(url: str, max_rows: int | None):
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-csv-import",
              "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "argon2id:8:1:1"}
    if max_rows:
        config["READINGS_IMPORT_MAX_ROWS"] = max_rows
    return create_app(config)


def _set_up(app) -> int:
    with app.app_context():
        db.drop_all()
        db.create_all()
        admin = accounts.create_user(email="bench-admin@example.com", display_name="Bench admin",
                                     role=Role.ADMIN, password="a long bench passphrase 4471")  # noqa: S106
        for m in range(METRICS):
            metrics.create_metric(actor=admin, data=metrics.MetricInput(
                name=f"Bench metric {m}", unit="%", direction="higher", baseline=10, target=50,
                target_date=date(2030, 1, 1), cadence="monthly", source="internal",
                standard="95% of orders processed within 3 hours of receipt, measured weekly",
                owner_id=admin.id), now=datetime.now(UTC))
        db.session.commit()
        return admin.id


def _client(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def _post(client, data: bytes):
    return client.post("/metrics/readings/import",
                       data={"file": (io.BytesIO(data), "readings.csv")})


def _clear_readings(app) -> None:
    with app.app_context():
        db.session.execute(delete(Reading))
        db.session.commit()


def measure(url: str, rounds: int) -> list[dict]:
    raised, default = _app(url, ROWS), _app(url, None)
    user_id = _set_up(raised)
    cases = [
        ("valid, 20,000 rows (imported)", raised, valid_file(), 302, lambda: _clear_readings(raised)),
        ("invalid, 20,000 unknown metrics (refused)", raised, invalid_file(), 200, lambda: None),
        ("invalid, over the default 10,000-row limit (refused)", default, invalid_file(), 200,
         lambda: None),
    ]
    results = []
    for name, app, data, expected, after_each in cases:
        client = _client(app, user_id)
        timings, statements = [], None
        for _ in range(rounds):
            took, counted, response = timed(app, lambda client=client, data=data: _post(client, data))
            timings.append(took)
            statements = counted if statements is None else statements
            if response.status_code != expected:
                raise RuntimeError(f"{name}: answered {response.status_code}, not {expected}")
            after_each()
        results.append({"case": name, "rows": ROWS, "rounds": rounds, "bytes": len(data),
                        "p50_s": round(statistics.median(timings), 3),
                        "max_s": round(max(timings), 3), "statements": statements})
    for app in (raised, default):
        with app.app_context():
            db.engine.dispose()
    return results


def main() -> None:
    measure_one_engine(__doc__.split("\n\n")[0], measure, rounds=3, name="csv_import",
                       columns=[("case", "case", 56), ("p50 s", "p50_s", 7), ("max s", "max_s", 7),
                 ("SQL", "statements", 5)])


if __name__ == "__main__":
    main()
