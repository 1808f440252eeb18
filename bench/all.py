"""The whole benchmark: both sizes on both engines, one table (`make bench`).

    python -m bench.all [--postgresql URL] [--engines sqlite,postgresql] [--scales 1,4]
                        [--requests 30] [--jobs-scales 1,4] [--skip-generate] [--keep] [--update-readme]

For each engine and size: `bench.generate --scale N` fills a database
(SQLite: bench/data/bench-Nx.sqlite; PostgreSQL: the database of --postgresql
with "_Nx" added to its name, created here and dropped at the end unless
--keep), `bench.run` measures every page over HTTP (one client; gunicorn
with 2 workers) and `bench.jobs` times the digests and a tick of reminders
against a real SMTP server. The table puts each page's p50 at 1x and 4x side
by side with the growth and the page's size at 4x, checks the goals of
issue 17 (p50 under 100 ms at either size, at most 2x growth, at most 300 KB)
and goes to bench/results/all.json and, with --update-readme, into the README.
"""

import argparse
import json
import os
from datetime import UTC, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import generate, jobs
from bench import run as run_pages
from bench.database import ROOT, resolve_url

RESULTS = ROOT / "bench" / "results"
DEFAULT_POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/tracker_bench"
LIMIT_MS, LIMIT_GROWTH, LIMIT_KB = 100, 2.0, 300
JOB_LIMITS = {"weekly digests (queue and send)": 60.0, "scheduler tick with reminders": 15.0}
# The tick's 15 s is for the 1x organisation's 2,689 reminders; at a larger
# size its cost must grow linearly: seconds per 1,000 within this of 1x's.
LIMIT_TICK_GROWTH = 1.5
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def database_url(engine: str, scale: int, postgresql: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///bench/data/bench-{scale}x.sqlite"
    url = make_url(postgresql)
    return url.set(database=f"{url.database}_{scale}x").render_as_string(hide_password=False)


def _maintenance(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def create_database(url: str) -> None:
    engine = _maintenance(url)
    name = make_url(url).database
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def drop_database(url: str) -> None:
    engine = _maintenance(url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def measure(engine: str, scale: int, url: str, args: argparse.Namespace) -> dict:
    name = f"{engine}-{scale}x"
    if not args.skip_generate:
        print(f"\n== generating {name}", flush=True)
        generate.main(["--force", "--database", url, "--scale", str(scale)])
    print(f"\n== measuring the pages of {name}", flush=True)
    output = RESULTS / f"pages-{name}.json"
    run_pages.main(["--database", url, "--requests", str(args.requests), "--concurrency", "1", "--no-jobs",
                    "--output", str(output)])
    measured = {"pages": json.loads(output.read_text())}
    if scale in args.jobs_scales:
        print(f"\n== timing the mail jobs of {name}", flush=True)
        measured["jobs"] = jobs.run(resolve_url(url))
    return measured


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def page_table(measured: dict[tuple[str, int], dict], engines: list[str]) -> tuple[list[str], list[dict]]:
    """Markdown rows, one per page, and the goals each page misses."""
    by_page: dict[str, dict] = {}
    for (engine, scale), found in measured.items():
        for result in found["pages"]["results"]:
            if "seconds" in result:
                continue
            by_page.setdefault(result["name"], {})[(engine, scale)] = result
    header = ["page"]
    for engine in engines:
        name = ENGINE_NAMES[engine]
        header += [f"{name} 1× p50 ms", f"{name} 4× p50 ms", "growth", "size at 4×"]
    header += ["queries (1×, 4×)", "goals"]
    rule = ["---"] + ["---:"] * (len(header) - 2) + ["---"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    misses = []
    for page, results in by_page.items():
        memory = page.endswith("(MB)")
        row, missed = [page], []
        for engine in engines:
            small, large = results.get((engine, 1), {}), results.get((engine, 4), {})
            p1, p4 = small.get("p50_ms"), large.get("p50_ms")
            growth = p4 / p1 if p1 and p4 else None
            size = large.get("bytes")
            row += [_ms(p1), _ms(p4), f"{growth:.1f}×" if growth else "–",
                    f"{size / 1024:,.0f} KB" if size is not None else "–"]
            if memory:
                continue
            short = ENGINE_NAMES[engine]
            for scale, value in ((1, p1), (4, p4)):
                if value is not None and value >= LIMIT_MS:
                    missed.append(f"{short} {scale}× p50 {value:,.0f} ms")
            if growth and growth > LIMIT_GROWTH:
                missed.append(f"{short} grows {growth:.1f}×")
            if size is not None and size > LIMIT_KB * 1024:
                missed.append(f"{short} {size / 1024:,.0f} KB")
            for scale, result in ((1, small), (4, large)):
                if result and result.get("status") != 200:
                    missed.append(f"{short} {scale}× answered {result.get('status')}")
        queries = sorted({(r.get("queries"), s) for (_, s), r in results.items()}, key=lambda q: q[1])
        row.append(", ".join(str(q) for q, _ in queries if q is not None) or "–")
        row.append("memory" if memory else "; ".join(missed) or "ok")
        lines.append("| " + " | ".join(row) + " |")
        if missed:
            misses.append({"page": page, "missed": missed})
    return lines, misses


def job_table(measured: dict[tuple[str, int], dict]) -> tuple[list[str], list[dict]]:
    lines = ["| job | engine | size | seconds | messages | s per 1,000 | largest message | goal |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    misses = []
    for (engine, scale), found in measured.items():
        for job in found.get("jobs", {}).get("results", []):
            per_thousand = job["seconds_per_1000"]
            limit = JOB_LIMITS.get(job["name"])
            if job["name"].startswith("weekly"):
                ok = per_thousand is not None and per_thousand < limit and job["largest_bytes"] < 150 * 1024
                goal = f"< {limit:.0f} s per 1,000, < 150 KB"
            elif scale == 1:
                ok = job["seconds"] < limit
                goal = f"< {limit:.0f} s for the tick"
            else:
                base = next((j["seconds_per_1000"] for j in measured.get((engine, 1), {}).get("jobs", {})
                             .get("results", []) if j["name"] == job["name"]), None)
                ok = None not in (base, per_thousand) and per_thousand <= LIMIT_TICK_GROWTH * base
                goal = (f"linear: s per 1,000 within {LIMIT_TICK_GROWTH}× of 1×'s {base}" if base
                        else "linear growth (no 1× run to compare)")
            lines.append(f"| {job['name']} | {ENGINE_NAMES[engine]} | {scale}× | {job['seconds']:,.1f} | "
                         f"{job['messages']:,} | {per_thousand if per_thousand is not None else '–'} | "
                         f"{job['largest_bytes'] / 1024:,.0f} KB | {'met' if ok else 'NOT met'} ({goal}) |")
            if not ok:
                misses.append({"job": job["name"], "engine": engine, "scale": scale})
    return lines, misses


def markdown(measured: dict[tuple[str, int], dict], engines: list[str]) -> tuple[str, list[dict]]:
    first = next(iter(measured.values()))["pages"]
    machine = first["machine"]
    loads = [found["pages"]["machine"].get("load_average_at_start", [None])[0] for found in measured.values()]
    sizes = []
    for (engine, scale), found in measured.items():
        data = found["pages"]["data"]
        sizes.append(f"{ENGINE_NAMES[engine]} {scale}×: {data.get('initiative', 0):,} initiatives, "
                     f"{data.get('checkin_entry', 0):,} entries, {data.get('reading', 0):,} readings, "
                     f"{data.get('user_account', 0):,} people"
                     + (f", generated in {generated['seconds']:,.0f} s"
                        if (generated := found["pages"].get("generation")) else ""))
    pages, page_misses = page_table(measured, engines)
    job_lines, job_misses = job_table(measured)
    # The end of the last run: the table printed again later keeps its date.
    ended = max((found.get("jobs") or {}).get("measured_at")
                or found["pages"]["machine"].get("finished_at") or "" for found in measured.values())
    when = datetime.fromisoformat(ended) if ended else datetime.now(UTC)
    text_lines = [
        f"Measured {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC by `make bench` (`python -m bench.all`) on "
        f"{machine['cpu']}, {machine['cores']} cores, {machine.get('memory_gib')} GiB; Python "
        f"{machine['python']}, SQLite {machine['sqlite']}"
        + (f", PostgreSQL {found['pages']['machine']['postgresql']}" if (found := next(
            (f for (e, _), f in measured.items() if e == "postgresql"), None)) else "") + ".",
        f"Pages over HTTP from gunicorn with 2 workers, one client, {first['settings']['requests']} requests "
        "after 10 warm-up requests; p50 is the median. Load average (1 min) when each run started: "
        + ", ".join(f"{load:.1f}" for load in loads if load is not None) + ".",
        "",
        "Data: " + "; ".join(sizes) + ".",
        "",
        *pages,
        "",
        "The worker RSS row is in MB, not ms. \"dashboard, first view after a write\" is measured "
        "in-process: a reading is recorded before each of 5 views. "
        + " ".join(f"{ENGINE_NAMES[engine]} {scale}×: {cpu_time(result['detail'])}."
                   for (engine, scale), found in measured.items() for result in found["pages"]["results"]
                   if result["name"] == "dashboard, first view after a write"
                   and "CPU" in result.get("detail", "")),
    ]
    if job_lines[2:]:
        text_lines += ["", "Mail jobs, in the benchmark's process, against a local aiosmtpd server "
                           "running in a process of its own (`python -m bench.jobs`):",
                       "", *job_lines]
    return "\n".join(text_lines), page_misses + job_misses


def cpu_time(detail: str) -> str:
    """The CPU-time sentence of the first-view-after-a-write row's detail."""
    return detail[detail.index("CPU time"):]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.all", description=__doc__.split("\n")[0])
    parser.add_argument("--postgresql", default=os.environ.get("BENCH_POSTGRESQL", DEFAULT_POSTGRESQL),
                        help=f"PostgreSQL URL whose name gets _1x and _4x (default {DEFAULT_POSTGRESQL})")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--scales", default="1,4")
    parser.add_argument("--jobs-scales", default="1,4",
                        help="sizes at which to time the mail jobs ('' for none)")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--skip-generate", action="store_true", help="measure the databases as they are")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--from-results", action="store_true",
                        help="measure nothing: print the table of bench/results/all.json again")
    args = parser.parse_args(argv)
    if args.from_results:
        stored = json.loads((RESULTS / "all.json").read_text())
        measured = {(key.rsplit("-", 1)[0], int(key.rsplit("-", 1)[1].rstrip("x"))): found
                    for key, found in stored.items() if key != "misses"}
        table, misses = markdown(measured, sorted({engine for engine, _ in measured},
                                                  key=list(ENGINE_NAMES).index))
        print(table)
        if args.update_readme:
            run_pages.update_readme(table)
        return
    engines = [e for e in args.engines.split(",") if e]
    scales = [int(s) for s in args.scales.split(",") if s]
    args.jobs_scales = {int(s) for s in args.jobs_scales.split(",") if s}

    measured: dict[tuple[str, int], dict] = {}
    created = []
    try:
        for engine in engines:
            for scale in scales:
                url = database_url(engine, scale, args.postgresql)
                if engine == "postgresql":
                    create_database(url)
                    created.append(url)
                measured[(engine, scale)] = measure(engine, scale, url, args)
    finally:
        if not args.keep:
            for url in created:
                drop_database(url)
    table, misses = markdown(measured, engines)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "all.json").write_text(json.dumps(
        {f"{engine}-{scale}x": found for (engine, scale), found in measured.items()} | {"misses": misses},
        indent=2, ensure_ascii=False) + "\n")
    print("\n" + table)
    missed = "; ".join(json.dumps(m, ensure_ascii=False) for m in misses)
    print("\nmissed: " + (missed or "nothing"))
    if args.update_readme:
        run_pages.update_readme(table)


if __name__ == "__main__":
    main()
