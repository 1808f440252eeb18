"""Time the text checks on megabyte inputs built to provoke backtracking.

    python -m bench.text_checks

The test suite counts the Python work of these checks at two input sizes
(`tests/work.py`); work inside a regular expression is one C call there, so
this times it. Each input is checked once; the slowest shows first. A
catastrophic regular expression takes minutes or hours here; the linear
checks take seconds (4 s for the slowest on a busy 2-core machine).
"""

import time
from datetime import date

from tracker.metrics.readings_csv import MAX_UPLOAD_BYTES, parse_readings_csv
from tracker.metrics.standards import check_standard

STANDARDS = [
    "a-" * 500_000,
    "as soon as " * 90_000,
    "1 " * 500_000,
    "2026-" * 200_000,
    "promptly " * 110_000,
    "x" * 1_000_000,
    "within " * 140_000,
    " " * 1_000_000,
    "may 1 " * 160_000,
]
CSV_ROW = b"1,2026-03-01,5,a note\n"
TODAY = date(2026, 3, 15)


def _seconds(check, value) -> float:
    started = time.perf_counter()
    check(value)
    return time.perf_counter() - started


def main() -> None:
    rows = [(f"standard {text[:12]!r}… ({len(text):,} chars)", _seconds(check_standard, text))
            for text in STANDARDS]
    upload = b"metric,observed_on,value,note\n" + CSV_ROW * ((MAX_UPLOAD_BYTES - 40) // len(CSV_ROW))
    rows.append((f"readings CSV ({len(upload):,} bytes)", _seconds(
        lambda data: parse_readings_csv(data, find_metrics=lambda cells: dict.fromkeys(cells, 1),
                                        existing=lambda pairs: (), today=TODAY, max_rows=10**6),
        upload)))
    for name, seconds in sorted(rows, key=lambda row: row[1], reverse=True):
        print(f"{seconds:8.3f} s  {name}")


if __name__ == "__main__":
    main()
