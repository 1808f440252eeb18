"""CSV downloads, safe to open in a spreadsheet: the one writer every export uses.

Every cell is quoted (csv.QUOTE_ALL), so a separator inside a value (a
semicolon, which spreadsheets in many locales split on) never starts a new
cell; and a cell that begins like a formula is neutralised with a single quote.
"""

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """`value` as CSV text a spreadsheet will not run: a leading formula
    character is neutralised with a single quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """The header and rows as CSV text: every cell quoted and made safe,
    CRLF line ends, and a byte-order mark so that Excel reads it as UTF-8
    (names keep their accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff" + buffer.getvalue()
