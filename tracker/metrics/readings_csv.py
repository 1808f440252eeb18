"""Parse an uploaded CSV of metric readings, all or nothing.

The file has a header row naming the columns ``metric``, ``observed_on`` and
``value`` (required) and ``note`` (optional), in any order and any case.
Every row is checked and problems are reported with the line they are on, so
the person uploading can fix the file in one go; if there is a single
problem, no reading is returned, so a half-imported file never exists.

The work is bounded whatever the file: at most ``max_rows`` readings (the
rest is not read), the metrics named looked up in one call and the readings
already stored in one more, and at most ``max_errors`` messages kept (the
rest only counted).

This module is pure: looking metrics up and knowing which readings already
exist are passed in, and nothing is written anywhere.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from tracker.validators import text_problem

__all__ = [
    "MAX_ERRORS",
    "MAX_NOTE_CHARS",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ParseResult",
    "ParsedReading",
    "RowError",
    "check_reading_rows",
    "parse_readings_csv",
]

MAX_UPLOAD_BYTES = 1_000_000
MAX_ROWS = 10_000
MAX_ERRORS = 50
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

FindMetrics = Callable[[Collection[str]], Mapping[str, int]]
ExistingReadings = Callable[[Collection[tuple[int, date]]], Collection[tuple[int, date]]]


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
    """One problem, at a 1-based line of the file (0: the file as a whole);
    `column` names the column at fault when one is (metric, observed_on,
    value, note)."""

    line: int
    message: str
    column: str | None = field(default=None, compare=False)


@dataclass
class ParseResult:
    """Readings to store, or the errors that stop any of them being stored.

    When ``errors`` is non-empty, ``readings`` is always empty. ``errors``
    holds the first problems found, in file order; ``more_errors`` counts
    those found after them and not kept.
    """

    readings: list[ParsedReading] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    more_errors: int = 0

    @property
    def ok(self) -> bool:
        """True when there is something to store and nothing wrong."""
        return not self.errors and bool(self.readings)


def parse_readings_csv(
    data: bytes,
    *,
    find_metrics: FindMetrics,
    existing: ExistingReadings,
    today: date,
    refuse: Callable[[int], str | None] | None = None,
    implausible: Callable[[int, float], str | None] | None = None,
    max_rows: int = MAX_ROWS,
    max_errors: int = MAX_ERRORS,
) -> ParseResult:
    """Parse ``data`` as a readings CSV; return every reading or the errors.

    ``find_metrics`` is called once, with every distinct stripped ``metric``
    cell that could name a metric (an id or an exact name), and returns the
    metric id of each cell it knows. ``existing`` is called once, with the
    (metric id, date) pairs of the rows, and returns those that already have
    a reading. Dates after ``today`` are rejected. ``refuse``, if given,
    receives each metric id found and returns why its rows may not be stored
    (e.g. a permission), or None; it is called at most once per metric.
    ``implausible``, if given, receives each row's metric id and value and
    returns why that value cannot be a reading of the metric, or None.

    A file of more than ``max_rows`` readings is refused without reading the
    rest. At most ``max_errors`` errors are kept; the others are counted in
    ``more_errors``. Errors name the 1-based line of the file (the header is
    line 1 when it is the first line); problems with the file as a whole are
    on line 0. A row can have several errors, listed in column order. Blank
    lines, and rows whose cells are all blank, are skipped.

    Never raises for any ``data``, unless a callback itself raises.
    """
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

    records: list[tuple[int, list[str]]] = []
    while (row := rows.next()) is not None:
        if len(records) == max_rows:
            return ParseResult(errors=[RowError(
                0, f"the file has more than {max_rows:,} readings; the limit is {max_rows:,}"
                   " (split it into smaller files)")])
        records.append(row)
    if rows.error is None and not records:
        return ParseResult(errors=[RowError(0, "the file has a header but no readings")])

    return check_reading_rows(records, columns, find_metrics=find_metrics, existing=existing, today=today,
                              refuse=refuse, implausible=implausible, max_errors=max_errors,
                              trailing_error=rows.error)


def check_reading_rows(
    records: list[tuple[int, list[str]]],
    columns: Mapping[str, int],
    *,
    find_metrics: FindMetrics,
    existing: ExistingReadings,
    today: date,
    refuse: Callable[[int], str | None] | None = None,
    implausible: Callable[[int, float], str | None] | None = None,
    max_errors: int = MAX_ERRORS,
    trailing_error: RowError | None = None,
) -> ParseResult:
    """Check rows already split into cells, as `parse_readings_csv` checks a
    file's rows: each record is (line, cells) and `columns` maps each column
    name to its cell's position. The JSON API's bulk readings come this way,
    so a row is held to exactly the rules of a line of an uploaded file.
    `trailing_error` (a line that could not be read) is listed after the rest.
    """
    # Every row's shape first, then the two lookups, then what needs them.
    shaped = [_shape(line, cells, columns, today) for line, cells in records]
    names = {row.metric_cell for row in shaped if row.metric_cell}
    metric_ids = find_metrics(names) if names else {}
    pairs = {(metric_ids[row.metric_cell], row.observed_on) for row in shaped
             if row.metric_cell in metric_ids and row.observed_on is not None}
    stored = set(existing(pairs)) if pairs else set()

    refusals: dict[int, str | None] = {}
    seen: dict[tuple[int, date], int] = {}
    readings: list[ParsedReading] = []
    errors = _Errors(max_errors)
    for checked in shaped:
        problems = list(checked.problems)
        metric_id = metric_ids.get(checked.metric_cell) if checked.metric_cell else None
        if checked.metric_cell and metric_id is None:
            problems.insert(0, ("metric", f"unknown metric {_quote(checked.metric_cell)}"))
        elif metric_id is not None and refuse is not None:
            if metric_id not in refusals:
                refusals[metric_id] = refuse(metric_id)
            refusal = refusals[metric_id]
            if refusal:
                problems.insert(0, ("metric", refusal))
        if (metric_id is not None and checked.value is not None and implausible is not None
                and (reason := implausible(metric_id, checked.value))):
            problems.append(("value", reason))
        if metric_id is not None and checked.observed_on is not None:
            key = (metric_id, checked.observed_on)
            if key in stored:
                problems.append(("observed_on", f"metric {_quote(checked.metric_cell)} already has a "
                                 f"reading on {checked.observed_on.isoformat()}"))
            earlier = seen.get(key)
            if earlier is not None:
                problems.append(("observed_on", f"same metric and date as line {earlier} "
                                 f"({_quote(checked.metric_cell)} on {checked.observed_on.isoformat()})"))
            else:
                seen[key] = checked.line
        if problems:
            errors.add(checked.line, problems)
        elif metric_id is not None and checked.observed_on is not None and checked.value is not None:
            readings.append(ParsedReading(checked.line, metric_id, checked.observed_on, checked.value,
                                          checked.note))
    if trailing_error is not None:
        errors.add(trailing_error.line, [(None, trailing_error.message)])

    if errors.kept:
        return ParseResult(errors=errors.kept, more_errors=errors.more)
    return ParseResult(readings=readings)


class _Errors:
    """The first `limit` errors, and a count of the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: list[RowError] = []
        self.more = 0

    def add(self, line: int, problems: list[tuple[str | None, str]]) -> None:
        for column, message in problems:
            if len(self.kept) < self.limit:
                self.kept.append(RowError(line, message, column))
            else:
                self.more += 1


def _decode(data: object) -> str | RowError:
    """Return the text of an upload, or why it cannot be read as text."""
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


@dataclass(frozen=True)
class _Shaped:
    """A row as far as it can be read without the database: the metric cell
    to look up (empty when there is nothing to look up), the date, value and
    note, and the problems found so far, in column order."""

    line: int
    metric_cell: str
    observed_on: date | None
    value: float | None
    note: str
    problems: tuple[tuple[str | None, str], ...]  # (column, message)


def _shape(line: int, cells: list[str], columns: Mapping[str, int], today: date) -> _Shaped:
    if len(cells) != len(columns):
        return _Shaped(line, "", None, None, "", ((None,
            f"expected {len(columns)} cells, found {len(cells)}"
            " (a value with a comma must be in double quotes)"),))
    problems: list[tuple[str | None, str]] = []
    metric_cell = cells[columns["metric"]].strip()
    if not metric_cell:
        problems.append(("metric", "metric is empty"))
    elif not metric_cell.isprintable():
        # Control characters (NUL among them) are never in a metric name,
        # and some databases reject them in a query: not looked up.
        problems.append(("metric", f"unknown metric {_quote(metric_cell)}"))
        metric_cell = ""
    observed_on = _date(cells[columns["observed_on"]].strip(), today, problems)
    value = _value(cells[columns["value"]].strip(), problems)
    note_at = columns.get("note")
    note = cells[note_at].strip() if note_at is not None else ""
    if len(note) > MAX_NOTE_CHARS:
        problems.append(("note", f"note is {len(note):,} characters long; the limit is {MAX_NOTE_CHARS:,}"))
    elif problem := text_problem(note, "note"):
        problems.append(("note", problem))
    return _Shaped(line, metric_cell, observed_on, value, note, tuple(problems))


def _date(cell: str, today: date, problems: list[tuple[str | None, str]]) -> date | None:
    if not cell:
        problems.append(("observed_on", "observed_on is empty"))
        return None
    if not _ISO_DATE.fullmatch(cell):
        problems.append(("observed_on", f"observed_on {_quote(cell)} is not a date in the form YYYY-MM-DD"))
        return None
    try:
        observed_on = date.fromisoformat(cell)
    except ValueError:
        problems.append(("observed_on", f"observed_on {_quote(cell)} is not a real date"))
        return None
    if observed_on > today:
        problems.append(("observed_on",
            f"observed_on {observed_on.isoformat()} is in the future (today is {today.isoformat()})"))
        return None
    return observed_on


def _value(cell: str, problems: list[tuple[str | None, str]]) -> float | None:
    if not cell:
        problems.append(("value", "value is empty"))
        return None
    if not _NUMBER.fullmatch(cell):
        problems.append(("value",
            f"value {_quote(cell)} is not a number"
            " (use digits, '.' for decimals, no thousands separators)"
        ))
        return None
    value = float(cell)
    if not math.isfinite(value):
        problems.append(("value", f"value {_quote(cell)} is too large"))
        return None
    return value


def _quote(cell: str) -> str:
    """Quote a cell for a message, shortened so one row cannot flood the page."""
    if len(cell) > _QUOTE_CHARS:
        cell = cell[: _QUOTE_CHARS - 1] + "\u2026"
    return f"'{cell}'"
