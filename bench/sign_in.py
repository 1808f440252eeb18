"""How long a sign-in takes with the configured password hash.

    python -m bench.sign_in [--rounds 20] [--output bench/results/sign_in.json]

In-process, through Flask's test client, on a fresh SQLite file: one user
created through the app's own account service (so the hash is whatever the
app's defaults make), then `--rounds` POSTs to /login for each case. The
script uses only what every version of the app has, so the same command
measures an older checkout for a before/after comparison. Not part of
`make test`.
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from werkzeug.security import generate_password_hash

from bench.database import ROOT
from tracker import create_app
from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.extensions import db

EMAIL = "bench-sign-in@example.com"
PASSWORD = "a slow hash keeps a stolen table safe"  # noqa: S105 (a throwaway account)
# scrypt with N=2^15, r=8, p=1: what werkzeug hashes looked like before Argon2id.
OLD_HASH_METHOD = "scrypt:32768:8:1"


def measure(rounds: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as workdir:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(workdir) / 'sign-in.sqlite'}",
            "SECRET_KEY": "bench-sign-in", "WTF_CSRF_ENABLED": False,
            # No throttling: the wrong-password rows sign in wrongly on purpose.
            "SIGN_IN_MAX_FAILURES_PER_ACCOUNT": 10**5, "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 10**5,
        })
        with app.app_context():
            db.create_all()
            accounts.create_user(email=EMAIL, display_name="Bench", role="member", password=PASSWORD)
            db.session.commit()
            current_hash = db.session.scalar(db.select(User.password_hash))
        old_hash = generate_password_hash(PASSWORD, method=OLD_HASH_METHOD)

        def use_hash(stored: str):
            def reset() -> None:
                with app.app_context():
                    db.session.execute(db.update(User).values(password_hash=stored))
                    db.session.commit()
            return reset

        cases = [
            ("right password", PASSWORD, EMAIL, use_hash(current_hash), 302),
            ("wrong password", PASSWORD + "!", EMAIL, use_hash(current_hash), 200),
            ("unknown email", PASSWORD, "nobody@example.com", use_hash(current_hash), 200),
            ("right password, old scrypt hash (checked, then replaced)", PASSWORD, EMAIL,
             use_hash(old_hash), 302),
        ]
        results = []
        for name, password, email, before_each, expected in cases:
            timings = []
            for _ in range(rounds):
                before_each()
                client = app.test_client()
                started = time.perf_counter()
                response = client.post("/login", data={"email": email, "password": password})
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != expected:
                    raise RuntimeError(f"{name}: answered {response.status_code}, not {expected}")
            timings.sort()
            results.append({
                "case": name, "rounds": rounds,
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.95))], 1),
            })
        with app.app_context():
            db.engine.dispose()
        return [{"hash": current_hash.rsplit("$", 2)[0], **row} for row in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "sign_in.json")
    args = parser.parse_args()
    rows = measure(args.rounds)
    print(f"stored hash: {rows[0]['hash']}")
    print(f"{'case':<58} {'p50 ms':>8} {'p95 ms':>8}")
    for row in rows:
        print(f"{row['case']:<58} {row['p50_ms']:>8} {row['p95_ms']:>8}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
