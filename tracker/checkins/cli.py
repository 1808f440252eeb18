"""``flask classify``: suggest talk or action for statements, with no database."""

import json
import sys
from collections.abc import Iterable, Iterator

import click

from tracker.checkins.classifier import classify


def _printable(text: str) -> str:
    """Return ``text`` with lone surrogates replaced by U+FFFD.

    Undecodable bytes in arguments or standard input arrive as lone
    surrogates, which cannot be written out as UTF-8; the rest of the
    statement is still worth classifying.
    """
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _stdin_statements() -> Iterator[str]:
    """Yield each non-blank line of standard input, stripped, as it is read.

    Input is read as UTF-8 from the underlying bytes, so one bad byte in a
    piped file becomes U+FFFD instead of aborting the whole run.
    """
    buffer = getattr(sys.stdin, "buffer", None)
    lines = sys.stdin if buffer is None else (raw.decode("utf-8", "replace") for raw in buffer)
    for line in lines:
        statement = line.strip()
        if statement:
            yield statement


def _as_json_line(statement: str) -> str:
    result = classify(statement)
    return json.dumps(
        {"text": statement, "kind": result.kind, "reasons": list(result.reasons)},
        ensure_ascii=False,
    )


@click.command("classify")
@click.argument("texts", nargs=-1)
def classify_command(texts: tuple[str, ...]) -> None:
    """Suggest whether each statement is talk or action.

    Prints one JSON object per statement, one per line: {"text": ...,
    "kind": "talk" | "action", "reasons": [...]}. With no TEXTS, reads one
    statement per line from standard input and skips blank lines.

    \b
    Examples:
      flask classify "Terminated the Acme contract on 3 March."
      flask classify < checkin-entries.txt
    """
    statements: Iterable[str]
    if texts:
        statements = texts
    else:
        if sys.stdin.isatty():
            # Without this a bare `flask classify` looks like it has hung.
            click.echo("Reading statements from standard input, one per line (Ctrl-D ends).", err=True)
        statements = _stdin_statements()

    for statement in statements:
        click.echo(_as_json_line(_printable(statement)))
