"""CSV import of metric readings: every problem reported, nothing half-imported."""

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.work import lines_run
from tracker.metrics.readings_csv import (
    MAX_NOTE_CHARS,
    MAX_UPLOAD_BYTES,
    ParsedReading,
    ParseResult,
    RowError,
    parse_readings_csv,
)

TODAY = date(2026, 3, 15)
METRICS = {"1": 1, "2": 2, "Refunds without supervisor": 1, "First-contact resolution": 2}


def find_metrics(cells) -> dict[str, int]:
    return {cell: METRICS[cell] for cell in cells if cell in METRICS}


def stored(readings=()):
    """An `existing` callback for a database holding `readings`."""
    return lambda pairs: set(readings) & set(pairs)


def parse(text: str | bytes, *, existing=(), today: date = TODAY, **limits) -> ParseResult:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_readings_csv(data, find_metrics=find_metrics, existing=stored(existing), today=today,
                              **limits)


def messages(result: ParseResult) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in result.errors]


def only_error(result: ParseResult) -> RowError:
    assert result.readings == []
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# --- good files ------------------------------------------------------------------


def test_valid_file_returns_every_reading_in_order():
    result = parse(
        "metric,observed_on,value,note\n"
        "1,2026-03-01,12.5,first week\n"
        "First-contact resolution,2026-03-08,-3,\n"
    )
    assert result.ok
    assert result.errors == []
    assert result.readings == [
        ParsedReading(line=2, metric_id=1, observed_on=date(2026, 3, 1), value=12.5, note="first week"),
        ParsedReading(line=3, metric_id=2, observed_on=date(2026, 3, 8), value=-3.0, note=""),
    ]


def test_header_is_case_insensitive_and_order_independent():
    result = parse("Value, NOTE ,Observed_On,Metric\n7,hello,2026-03-01,2\n")
    assert result.ok
    assert result.readings[0] == ParsedReading(2, 2, date(2026, 3, 1), 7.0, "hello")


def test_note_column_is_optional():
    result = parse("metric,observed_on,value\n1,2026-03-01,4\n")
    assert result.ok
    assert result.readings[0].note == ""


def test_metric_can_be_given_by_exact_name_and_cell_is_stripped():
    seen: list[set[str]] = []

    def lookup(cells) -> dict[str, int]:
        seen.append(set(cells))
        return find_metrics(cells)

    result = parse_readings_csv(
        b"metric,observed_on,value\n  Refunds without supervisor  ,2026-03-01,1\n",
        find_metrics=lookup,
        existing=stored(),
        today=TODAY,
    )
    assert result.ok
    assert result.readings[0].metric_id == 1
    assert seen == [{"Refunds without supervisor"}]


def test_metrics_and_existing_readings_are_each_looked_up_once_for_the_whole_file():
    calls: list[tuple[str, set]] = []

    def lookup(cells) -> dict[str, int]:
        calls.append(("metrics", set(cells)))
        return find_metrics(cells)

    def existing(pairs):
        calls.append(("readings", set(pairs)))
        return set()

    rows = "".join(f"{1 + day % 2},2026-03-{day:02d},{day}\nNo such metric,2026-03-01,1\n"
                   for day in range(1, 11))
    result = parse_readings_csv(("metric,observed_on,value\n" + rows).encode(),
                                find_metrics=lookup, existing=existing, today=TODAY)
    assert len(result.errors) == 10
    assert calls == [("metrics", {"1", "2", "No such metric"}),
                     ("readings", {(1 + day % 2, date(2026, 3, day)) for day in range(1, 11)})]


def test_a_file_of_more_rows_than_the_limit_is_refused_as_a_whole():
    rows = "".join(f"1,2026-03-{day:02d},{day}\n" for day in range(1, 12))
    result = parse("metric,observed_on,value\n" + rows, max_rows=10)
    assert only_error(result) == RowError(
        0, "the file has more than 10 readings; the limit is 10 (split it into smaller files)")
    assert parse("metric,observed_on,value\n" + rows, max_rows=11).ok


def test_only_the_first_errors_are_listed_and_the_rest_counted():
    rows = "".join(f"Unknown {n},2026-03-01,1\n" for n in range(60))
    result = parse("metric,observed_on,value\n" + rows, max_errors=50)
    assert [e.message for e in result.errors] == [f"unknown metric 'Unknown {n}'" for n in range(50)]
    assert result.more_errors == 10
    assert result.readings == []


def test_utf8_with_bom_is_accepted():
    result = parse(b"\xef\xbb\xbfmetric,observed_on,value,note\n1,2026-03-01,5,caf\xc3\xa9\n")
    assert result.ok
    assert result.readings[0].note == "café"


def test_windows_line_endings_are_accepted():
    result = parse(b"metric,observed_on,value\r\n1,2026-03-01,5\r\n2,2026-03-01,6\r\n")
    assert result.ok
    assert [r.line for r in result.readings] == [2, 3]


def test_blank_lines_are_skipped_and_line_numbers_stay_true_to_the_file():
    result = parse("metric,observed_on,value\n\n1,2026-03-01,5\n   \n,,\n2,2026-03-01,x\n")
    assert only_error(result).line == 6


def test_quoted_note_with_comma_and_line_break_keeps_line_numbers():
    result = parse(
        'metric,observed_on,value,note\n1,2026-03-01,5,"two\nlines, one note"\n2,2026-03-01,oops,\n'
    )
    assert result.errors == [RowError(4, result.errors[0].message)]
    assert "'oops'" in result.errors[0].message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("5", 5.0),
        (" 5 ", 5.0),
        ("+5", 5.0),
        ("-5", -5.0),
        ("0.25", 0.25),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("-2.5E-1", -0.25),
    ],
)
def test_value_accepts_plain_numbers_with_sign_and_spaces(cell, expected):
    result = parse(f'metric,observed_on,value\n1,2026-03-01,"{cell}"\n')
    assert result.ok, result.errors
    assert result.readings[0].value == expected


def test_reading_dated_today_is_accepted():
    assert parse(f"metric,observed_on,value\n1,{TODAY.isoformat()},5\n").ok


def test_same_date_for_different_metrics_is_not_a_duplicate():
    assert parse("metric,observed_on,value\n1,2026-03-01,5\n2,2026-03-01,5\n").ok


# --- all or nothing --------------------------------------------------------------


def test_file_with_one_bad_row_returns_no_readings():
    result = parse("metric,observed_on,value\n1,2026-03-01,5\n1,2026-03-02,five\n1,2026-03-03,7\n")
    assert not result.ok
    assert result.readings == []
    assert messages(result) == [
        (3, "value 'five' is not a number (use digits, '.' for decimals, no thousands separators)")
    ]


def test_every_bad_row_is_listed_with_its_line_number():
    result = parse(
        "metric,observed_on,value\nnope,2026-03-01,5\n1,2026-03-02,5\n1,yesterday,5\n2,2026-03-04,\n"
    )
    assert result.readings == []
    assert [e.line for e in result.errors] == [2, 4, 5]


def test_a_row_with_several_problems_lists_each_of_them():
    result = parse("metric,observed_on,value\nnope,2099-01-01,abc\n")
    assert messages(result) == [
        (2, "unknown metric 'nope'"),
        (2, "observed_on 2099-01-01 is in the future (today is 2026-03-15)"),
        (2, "value 'abc' is not a number (use digits, '.' for decimals, no thousands separators)"),
    ]


def test_ok_is_false_when_there_are_errors_even_with_readings_field_set():
    assert not ParseResult(readings=[ParsedReading(2, 1, TODAY, 1.0, "")], errors=[RowError(3, "x")]).ok
    assert not ParseResult().ok


# --- row errors ------------------------------------------------------------------


def test_unknown_metric_is_quoted():
    error = only_error(parse("metric,observed_on,value\nNet Promoter,2026-03-01,5\n"))
    assert error == RowError(2, "unknown metric 'Net Promoter'")


def test_empty_metric_is_an_error():
    assert only_error(parse("metric,observed_on,value\n ,2026-03-01,5\n")) == RowError(2, "metric is empty")


def test_metric_with_control_characters_is_unknown_without_a_lookup():
    def lookup(cells) -> dict[str, int]:
        raise AssertionError("must not be called")

    result = parse_readings_csv(
        b"metric,observed_on,value\n1\x00,2026-03-01,5\n",
        find_metrics=lookup,
        existing=stored(),
        today=TODAY,
    )
    assert only_error(result).message.startswith("unknown metric")


@pytest.mark.parametrize(
    "cell",
    ["abc", "nan", "NaN", "inf", "-Infinity", "1_000", "1.2.3", "--1", "½", "١٢", "0x10", "5%"],
)
def test_value_not_a_number_is_quoted(cell):
    error = only_error(parse(f'metric,observed_on,value\n1,2026-03-01,"{cell}"\n'))
    assert error.line == 2
    assert error.message.startswith(f"value '{cell}' is not a number")


def test_value_with_thousands_separator_is_rejected():
    error = only_error(parse('metric,observed_on,value\n1,2026-03-01,"1,234.5"\n'))
    assert error.message.startswith("value '1,234.5' is not a number")


def test_value_too_large_for_a_float_is_rejected():
    error = only_error(parse("metric,observed_on,value\n1,2026-03-01,1e999\n"))
    assert error == RowError(2, "value '1e999' is too large")


def test_empty_value_is_an_error():
    assert only_error(parse("metric,observed_on,value\n1,2026-03-01,  \n")) == RowError(2, "value is empty")


@pytest.mark.parametrize(
    "cell",
    [
        "01/03/2026",
        "2026/03/01",
        "1 March 2026",
        "20260301",
        "2026-3-1",
        "yesterday",
        "2026-03-01T10:00",
    ],
)
def test_date_that_is_not_iso_is_quoted(cell):
    error = only_error(parse(f"metric,observed_on,value\n1,{cell},5\n"))
    assert error == RowError(2, f"observed_on '{cell}' is not a date in the form YYYY-MM-DD")


def test_impossible_calendar_date_is_rejected():
    error = only_error(parse("metric,observed_on,value\n1,2026-02-30,5\n"))
    assert error == RowError(2, "observed_on '2026-02-30' is not a real date")


def test_empty_date_is_an_error():
    assert only_error(parse("metric,observed_on,value\n1,,5\n")) == RowError(2, "observed_on is empty")


def test_date_in_the_future_is_rejected():
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    error = only_error(parse(f"metric,observed_on,value\n1,{tomorrow},5\n"))
    assert error == RowError(2, f"observed_on {tomorrow} is in the future (today is 2026-03-15)")


def test_duplicate_of_existing_reading_is_rejected():
    result = parse(
        "metric,observed_on,value\nRefunds without supervisor,2026-03-01,5\n",
        existing=[(1, date(2026, 3, 1))],
    )
    assert only_error(result) == RowError(
        2, "metric 'Refunds without supervisor' already has a reading on 2026-03-01"
    )


def test_existing_reading_for_another_metric_or_date_is_no_duplicate():
    result = parse(
        "metric,observed_on,value\n1,2026-03-01,5\n",
        existing={(2, date(2026, 3, 1)), (1, date(2026, 3, 2))},
    )
    assert result.ok


def test_duplicate_within_file_names_the_earlier_line():
    # Same metric once by id and once by name: still the same metric.
    result = parse(
        "metric,observed_on,value\n1,2026-03-01,5\n2,2026-03-01,5\nRefunds without supervisor,2026-03-01,6\n"
    )
    assert only_error(result) == RowError(
        4, "same metric and date as line 2 ('Refunds without supervisor' on 2026-03-01)"
    )


def test_note_longer_than_limit_is_rejected():
    note = "n" * (MAX_NOTE_CHARS + 1)
    error = only_error(parse(f"metric,observed_on,value,note\n1,2026-03-01,5,{note}\n"))
    assert error == RowError(2, "note is 2,001 characters long; the limit is 2,000")


def test_note_of_exactly_the_limit_is_accepted():
    note = "n" * MAX_NOTE_CHARS
    result = parse(f"metric,observed_on,value,note\n1,2026-03-01,5,{note}\n")
    assert result.ok
    assert result.readings[0].note == note


@pytest.mark.parametrize("row", ["1,2026-03-01", "1,2026-03-01,5,extra", "1"])
def test_wrong_number_of_cells_is_an_error(row):
    error = only_error(parse(f"metric,observed_on,value\n{row}\n"))
    assert error.line == 2
    assert error.message.startswith("expected 3 cells, found ")


# --- file-level errors ---------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf", b"\n,,,\n"])
def test_empty_file_is_rejected(data):
    assert only_error(parse(data)) == RowError(0, "the file is empty")


def test_file_that_is_not_utf8_is_rejected():
    # "café" in Latin-1, as an old spreadsheet might save it.
    error = only_error(parse(b"metric,observed_on,value,note\n1,2026-03-01,5,caf\xe9\n"))
    assert error.line == 0
    assert error.message.startswith("the file is not UTF-8 text")
    assert "CSV UTF-8" in error.message


def test_file_larger_than_limit_is_rejected_before_parsing():
    data = b"metric,observed_on,value\n" + b"1,2026-03-01,5\n" * (MAX_UPLOAD_BYTES // 10)
    assert len(data) > MAX_UPLOAD_BYTES
    error = only_error(parse(data))
    assert error.line == 0
    assert "limit is 1,000,000 bytes" in error.message


def test_file_of_exactly_the_limit_is_accepted():
    parts = [b"metric,observed_on,value,note\n"]
    size = len(parts[0])
    day = date(2000, 1, 1)
    while size < MAX_UPLOAD_BYTES - 200:
        row = f"1,{day.isoformat()},5,{'n' * 120}\n".encode()
        parts.append(row)
        size += len(row)
        day += timedelta(days=1)
    last = f"2,{day.isoformat()},5,".encode()
    parts.append(last + b"n" * (MAX_UPLOAD_BYTES - size - len(last)))
    data = b"".join(parts)
    assert len(data) == MAX_UPLOAD_BYTES

    result = parse(data)
    assert result.ok, result.errors[:3]
    assert len(result.readings) == len(parts) - 1


def test_missing_required_column_is_named_on_line_1():
    error = only_error(parse("metric,value\n1,5\n"))
    assert error.line == 1
    assert error.message.startswith("missing column(s): 'observed_on';")


def test_file_without_header_reports_missing_columns():
    result = parse("1,2026-03-01,5\n")
    assert result.readings == []
    assert all(e.line == 1 for e in result.errors)
    assert any("missing column(s): 'metric', 'observed_on', 'value'" in e.message for e in result.errors)


def test_semicolon_separated_file_gets_a_hint():
    result = parse("metric;observed_on;value\n1;2026-03-01;5\n")
    assert result.readings == []
    assert any("save it comma-separated" in e.message for e in result.errors)


def test_extra_column_is_an_error_on_line_1():
    result = parse("metric,observed_on,value,comment\n1,2026-03-01,5,hi\n")
    assert only_error(result) == RowError(
        1,
        "unexpected column(s): 'comment'; the columns are metric,observed_on,value,note (note is optional)",
    )


def test_duplicate_column_is_an_error():
    error = only_error(parse("metric,observed_on,value,value\n1,2026-03-01,5,6\n"))
    assert error == RowError(1, "column 'value' appears more than once")


def test_unnamed_column_is_an_error():
    error = only_error(parse("metric,observed_on,value,\n1,2026-03-01,5,\n"))
    assert error == RowError(1, "column 4 of the header has no name")


def test_header_without_data_rows_is_rejected():
    assert only_error(parse("metric,observed_on,value\n\n")) == RowError(
        0, "the file has a header but no readings"
    )


def test_cell_beyond_csv_field_limit_is_reported_not_raised():
    note = "n" * (csv.field_size_limit() + 10)
    result = parse(f'metric,observed_on,value,note\n1,2026-03-01,5,"{note}"\n')
    assert result.readings == []
    assert result.errors and result.errors[0].line == 2


def test_header_cell_beyond_csv_field_limit_is_reported_on_its_line():
    result = parse("\n" + "h" * (csv.field_size_limit() + 10) + "\n1,2026-03-01,5\n")
    error = only_error(result)
    assert error.line == 2
    assert error.message.startswith("this line cannot be read as CSV")


def test_non_bytes_input_is_an_error_not_an_exception():
    result = parse_readings_csv(None, find_metrics=find_metrics, existing=stored(), today=TODAY)  # type: ignore[arg-type]
    assert only_error(result) == RowError(0, "no file was received")


def test_a_note_with_control_characters_is_refused():
    error = only_error(parse("metric,observed_on,value,note\n1,2026-03-01,5,a\x00b\n"))
    assert error == RowError(2, "note contains control characters; type or paste plain text.")


def test_long_cells_are_shortened_in_messages():
    name = "x" * 500
    error = only_error(parse(f"metric,observed_on,value\n{name},2026-03-01,5\n"))
    assert len(error.message) < 100
    assert error.message.endswith("\u2026'")


def test_twice_the_rows_take_at_most_twice_the_work():
    # Counted, not timed: a megabyte upload must not cost a rescan per row.
    def rows(n: int) -> bytes:
        return b"metric,observed_on,value,note\n" + b"1,2026-03-01,5,a note\n" * n

    assert lines_run(parse, rows(2_000)) <= 2 * lines_run(parse, rows(1_000))
    # Every row after the first repeats line 2's metric and date.
    result = parse(rows(1_000))
    assert result.readings == []
    assert result.errors[0] == RowError(3, "same metric and date as line 2 ('1' on 2026-03-01)")


# --- properties ----------------------------------------------------------------------


def _parse_any(data: bytes) -> ParseResult:
    return parse_readings_csv(data, find_metrics=find_metrics, existing=stored(), today=TODAY)


def _check_invariants(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    assert result.ok == (not result.errors and bool(result.readings))
    if result.errors:
        assert result.readings == []
    for error in result.errors:
        assert isinstance(error, RowError) and error.line >= 0 and error.message


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    _check_invariants(_parse_any(data))


@settings(max_examples=300)
@given(st.text(max_size=2000))
def test_random_text_never_raises(text):
    _check_invariants(_parse_any(text.encode("utf-8", "surrogatepass")))


# fmt: off
CELL_SOUP = st.sampled_from([
    "metric", "observed_on", "value", "note", "1", "2", "x", "2026-03-01", "2099-01-01", "5",
    "nan", "é", "", " ", '"', '"a,b"', "\x00", "\r", "Refunds without supervisor",
])
# fmt: on


@settings(max_examples=300)
@given(st.lists(st.lists(CELL_SOUP, max_size=6), max_size=8))
def test_csv_shaped_soup_never_raises(rows):
    text = "\n".join(",".join(cells) for cells in rows)
    _check_invariants(_parse_any(text.encode("utf-8", "surrogatepass")))


READING = st.tuples(
    st.sampled_from(["1", "2", "Refunds without supervisor", "First-contact resolution"]),
    st.dates(min_value=date(2000, 1, 1), max_value=TODAY),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    # Notes are plain text: control characters are refused (tested above).
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=50).filter(lambda s: s == s.strip()),
)


@settings(max_examples=200)
@given(st.lists(READING, min_size=1, max_size=20))
def test_written_readings_round_trip(readings):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["metric", "observed_on", "value", "note"])
    for metric, day, value, note in readings:
        writer.writerow([metric, day.isoformat(), repr(value), note])
    result = _parse_any(buffer.getvalue().encode("utf-8", "surrogatepass"))

    keys = [(METRICS[m], d) for m, d, _, _ in readings]
    if len(set(keys)) != len(keys):
        assert not result.ok
        assert all(e.message.startswith("same metric and date as line") for e in result.errors)
    else:
        assert result.ok, result.errors
        assert [(r.metric_id, r.observed_on, r.value, r.note) for r in result.readings] == [
            (METRICS[m], d, v, n) for m, d, v, n in readings
        ]
