"""Parse an uploaded CSV of metric readings, all or nothing.

The file has a header row naming the columns ``metric``, ``observed_on`` and
``value`` (required) and ``note`` (optional), in any order and any case.
Every row is checked and every problem is reported with the line it is on, so
the person uploading can fix the whole file in one go; if there is a single
problem, no reading is returned, so a half-imported file never exists.

This module is pure: looking metrics up and knowing which readings already
exist are passed in, and nothing is written anywhere.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import date, datetime

__all__ = [
    "MAX_NOTE_CHARS",
    "MAX_UPLOAD_BYTES",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ParseResult",
    "ParsedReading",
    "RowError",
    "parse_readings_csv",
]

MAX_UPLOAD_BYTES = 1_000_000
MAX_NOTE_CHARS = 2000
REQUIRED_COLUMNS: tuple[str, ...] = ("metric", "observed_on", "value")
OPTIONAL_COLUMNS: tuple[str, ...] = ("note",)

_EXPECTED_HEADER = "metric,observed_on,value,note"
# Strict on purpose: no thousands separators, no "nan"/"inf", no "1_000" or
# non-ASCII digits (all of which float() would accept). Linear-time pattern.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HEADER_SEPARATORS = re.compile(r"[\s\-]+")
# Longest cell text quoted back in a message; the rest is elided.
_QUOTE_CHARS = 60


@dataclass(frozen=True)
class ParsedReading:
    """One valid row: the metric it is for, the day observed, value and note."""

    line: int
    metric_id: int
    observed_on: date
    value: float
    note: str


@dataclass(frozen=True)
class RowError:
    """One problem, at a 1-based line of the file (0: the file as a whole)."""

    line: int
    message: str


@dataclass
class ParseResult:
    """Readings to store, or the errors that stop any of them being stored.

    When ``errors`` is non-empty, ``readings`` is always empty.
    """

    readings: list[ParsedReading] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is something to store and nothing wrong."""
        return not self.errors and bool(self.readings)


def parse_readings_csv(
    data: bytes,
    *,
    find_metric: Callable[[str], int | None],
    existing: Container[tuple[int, date]],
    today: date,
    refuse: Callable[[int], str | None] | None = None,
) -> ParseResult:
    """Parse ``data`` as a readings CSV; return every reading or every error.

    ``find_metric`` receives the stripped, non-empty ``metric`` cell (an id or
    an exact name) and returns the metric's id, or None if there is no such
    metric; it is called at most once per distinct cell. ``existing`` holds the
    (metric id, date) pairs that already have a reading. Dates after ``today``
    are rejected. ``refuse``, if given, receives each metric id found and
    returns why its rows may not be stored (e.g. a permission), or None; it
    is called at most once per metric.

    Errors name the 1-based line of the file (the header is line 1 when it is
    the first line); problems with the file as a whole are on line 0. A row
    can have several errors, listed in column order. Blank lines, and rows
    whose cells are all blank, are skipped.

    Never raises for any ``data``, unless ``find_metric`` itself raises.
    """
    if isinstance(today, datetime):
        # A datetime cannot be compared with a date; only the day matters.
        today = today.date()
    text_or_error = _decode(data)
    if isinstance(text_or_error, RowError):
        return ParseResult(errors=[text_or_error])
    text = text_or_error
    if not text.strip():
        return ParseResult(errors=[RowError(0, "the file is empty")])

    rows = _Rows(text)
    header = rows.next()
    if header is None:
        if rows.error is not None:
            return ParseResult(errors=[rows.error])
        # Only blank lines and commas: as good as empty.
        return ParseResult(errors=[RowError(0, "the file is empty")])
    header_line, header_cells = header
    columns_or_errors = _read_header(header_line, header_cells)
    if isinstance(columns_or_errors, list):
        return ParseResult(errors=columns_or_errors)
    columns = columns_or_errors

    checker = _RowChecker(
        columns=columns,
        find_metric=find_metric,
        existing=_as_set(existing),
        today=today,
        refuse=refuse,
    )
    readings: list[ParsedReading] = []
    errors: list[RowError] = []
    saw_row = False
    while (row := rows.next()) is not None:
        saw_row = True
        line, cells = row
        reading, row_errors = checker.check(line, cells)
        if reading is not None:
            readings.append(reading)
        errors.extend(row_errors)
    if rows.error is not None:
        errors.append(rows.error)
    elif not saw_row:
        errors.append(RowError(0, "the file has a header but no readings"))

    if errors:
        return ParseResult(readings=[], errors=errors)
    return ParseResult(readings=readings, errors=[])


def _decode(data: object) -> str | RowError:
    """Return the text of an upload, or why it cannot be read as text."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        return RowError(0, "no file was received")
    # Checked before decoding so an oversized upload costs nothing more.
    if len(data) > MAX_UPLOAD_BYTES:
        return RowError(
            0,
            f"the file is {len(data):,} bytes; the limit is {MAX_UPLOAD_BYTES:,} bytes"
            " (split it into smaller files)",
        )
    if not data:
        return RowError(0, "the file is empty")
    try:
        # utf-8-sig: spreadsheet programs often start UTF-8 files with a BOM.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return RowError(
            0,
            f"the file is not UTF-8 text (bad byte at position {exc.start}); save it as 'CSV UTF-8'",
        )


def _as_set(existing: Container[tuple[int, date]]) -> Container[tuple[int, date]]:
    """Sets and other containers are used as they are (a caller may load
    lazily); lists and tuples are copied into a set once, so each row's check
    is O(1)."""
    if not isinstance(existing, list | tuple):
        return existing
    try:
        return frozenset(existing)
    except TypeError:
        # Unhashable members cannot equal a (int, date) pair anyway.
        return frozenset(item for item in existing if _is_hashable(item))


def _is_hashable(item: object) -> bool:
    try:
        hash(item)
    except TypeError:
        return False
    return True


class _Rows:
    """Non-blank CSV records with the file line each one starts on.

    A quoted cell may span lines; the line reported is where its record
    starts. A malformed file stops the iteration and sets ``error``.
    """

    def __init__(self, text: str) -> None:
        # newline="" lets the csv module see quoted line breaks as they are.
        self._reader = csv.reader(io.StringIO(text, newline=""))
        self._last_line = 0
        self.error: RowError | None = None

    def next(self) -> tuple[int, list[str]] | None:
        """Return (line, cells) for the next non-blank record, or None."""
        if self.error is not None:
            return None
        while True:
            start = self._last_line + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                # e.g. a cell longer than csv.field_size_limit(); the reader
                # cannot be trusted past this point, so stop here.
                self.error = RowError(start, f"this line cannot be read as CSV ({exc})")
                return None
            self._last_line = self._reader.line_num
            if any(cell.strip() for cell in cells):
                return start, cells


def _read_header(line: int, cells: list[str]) -> dict[str, int] | list[RowError]:
    """Map column name to position, or explain what is wrong with the header."""
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    unexpected: list[str] = []
    for position, cell in enumerate(cells):
        # "Observed On" and "observed-on" mean observed_on.
        name = _HEADER_SEPARATORS.sub("_", cell.strip().lower())
        if not name:
            errors.append(RowError(line, f"column {position + 1} of the header has no name"))
        elif name not in known:
            unexpected.append(cell.strip())
        elif name in columns:
            errors.append(RowError(line, f"column '{name}' appears more than once"))
        else:
            columns[name] = position
    if unexpected:
        listed = ", ".join(_quote(name) for name in unexpected)
        errors.append(
            RowError(
                line,
                f"unexpected column(s): {listed}; the columns are {_EXPECTED_HEADER} (note is optional)",
            )
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        message = (
            "missing column(s): "
            + ", ".join(f"'{name}'" for name in missing)
            + f"; the first line must be the header {_EXPECTED_HEADER}"
            " (note is optional)"
        )
        if len(cells) == 1 and (";" in cells[0] or "\t" in cells[0]):
            message += "; the file seems to use ';' or tabs: save it comma-separated"
        errors.append(RowError(line, message))
    return errors if errors else columns


class _RowChecker:
    """Checks data rows one by one, remembering earlier rows for duplicates."""

    def __init__(
        self,
        *,
        columns: dict[str, int],
        find_metric: Callable[[str], int | None],
        existing: Container[tuple[int, date]],
        today: date,
        refuse: Callable[[int], str | None] | None = None,
    ) -> None:
        self._columns = columns
        self._width = len(columns)
        self._find_metric = find_metric
        self._existing = existing
        self._today = today
        self._metric_cache: dict[str, int | None] = {}
        self._refuse = refuse
        self._refusals: dict[int, str | None] = {}
        self._seen: dict[tuple[int, date], int] = {}

    def check(self, line: int, cells: list[str]) -> tuple[ParsedReading | None, list[RowError]]:
        """Return the row's reading, or None and every reason it is invalid."""
        if len(cells) != self._width:
            return None, [
                RowError(
                    line,
                    f"expected {self._width} cells, found {len(cells)}"
                    " (a value with a comma must be in double quotes)",
                )
            ]
        errors: list[str] = []
        metric_cell = cells[self._columns["metric"]].strip()
        date_cell = cells[self._columns["observed_on"]].strip()
        value_cell = cells[self._columns["value"]].strip()
        note_at = self._columns.get("note")
        note = cells[note_at].strip() if note_at is not None else ""

        metric_id = self._metric(metric_cell, errors)
        observed_on = self._date(date_cell, errors)
        value = self._value(value_cell, errors)
        if len(note) > MAX_NOTE_CHARS:
            errors.append(f"note is {len(note):,} characters long; the limit is {MAX_NOTE_CHARS:,}")

        if metric_id is not None and observed_on is not None:
            key = (metric_id, observed_on)
            if key in self._existing:
                errors.append(
                    f"metric {_quote(metric_cell)} already has a reading on {observed_on.isoformat()}"
                )
            earlier = self._seen.get(key)
            if earlier is not None:
                errors.append(
                    f"same metric and date as line {earlier}"
                    f" ({_quote(metric_cell)} on {observed_on.isoformat()})"
                )
            else:
                self._seen[key] = line

        if errors or metric_id is None or observed_on is None or value is None:
            return None, [RowError(line, message) for message in errors]
        return ParsedReading(line, metric_id, observed_on, value, note), []

    def _metric(self, cell: str, errors: list[str]) -> int | None:
        if not cell:
            errors.append("metric is empty")
            return None
        if not cell.isprintable():
            # Control characters (NUL among them) are never in a metric name,
            # and some databases reject them in a query.
            errors.append(f"unknown metric {_quote(cell)}")
            return None
        if cell not in self._metric_cache:
            self._metric_cache[cell] = self._find_metric(cell)
        metric_id = self._metric_cache[cell]
        if metric_id is None:
            errors.append(f"unknown metric {_quote(cell)}")
        elif self._refuse is not None:
            if metric_id not in self._refusals:
                self._refusals[metric_id] = self._refuse(metric_id)
            refusal = self._refusals[metric_id]
            if refusal:
                errors.append(refusal)
        return metric_id

    def _date(self, cell: str, errors: list[str]) -> date | None:
        if not cell:
            errors.append("observed_on is empty")
            return None
        if not _ISO_DATE.fullmatch(cell):
            errors.append(f"observed_on {_quote(cell)} is not a date in the form YYYY-MM-DD")
            return None
        try:
            observed_on = date.fromisoformat(cell)
        except ValueError:
            errors.append(f"observed_on {_quote(cell)} is not a real date")
            return None
        if observed_on > self._today:
            errors.append(
                f"observed_on {observed_on.isoformat()} is in the future (today is {self._today.isoformat()})"
            )
            return None
        return observed_on

    def _value(self, cell: str, errors: list[str]) -> float | None:
        if not cell:
            errors.append("value is empty")
            return None
        if not _NUMBER.fullmatch(cell):
            errors.append(
                f"value {_quote(cell)} is not a number"
                " (use digits, '.' for decimals, no thousands separators)"
            )
            return None
        value = float(cell)
        if not math.isfinite(value):
            errors.append(f"value {_quote(cell)} is too large")
            return None
        return value


def _quote(cell: str) -> str:
    """Quote a cell for a message, shortened so one row cannot flood the page."""
    if len(cell) > _QUOTE_CHARS:
        cell = cell[: _QUOTE_CHARS - 1] + "\u2026"
    return f"'{cell}'"
