"""``flask classify``: suggest talk or action for statements, with no database;
``flask mail receive``: the SMTP/LMTP receiver of check-in replies."""

import json
import logging
import signal
import sys
import threading
from collections.abc import Iterable, Iterator

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import clock
from tracker.checkins import receiver
from tracker.checkins.classifier import classify
from tracker.checkins.evaluation import LabelledSetError, agreement_of, read_labelled, report_lines


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


def _evaluate(path: str) -> None:
    """Print how the suggestions compare with the labels of a `label,text` CSV."""
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as stream:
            pairs = [(label, classify(text).kind) for label, text in read_labelled(stream)]
    except (OSError, LabelledSetError) as error:
        raise click.ClickException(f"{path}: {error}") from error
    for line in report_lines(agreement_of(pairs)):
        click.echo(line)


@click.command("classify")
@click.option(
    "--evaluate", "evaluate_path", metavar="FILE.csv",
    help="Compare the suggestions with a labelled CSV (columns label,text) instead.",
)
@click.argument("texts", nargs=-1)
def classify_command(texts: tuple[str, ...], evaluate_path: str | None) -> None:
    """Suggest whether each statement is talk or action.

    Prints one JSON object per statement, one per line: {"text": ...,
    "kind": "talk" | "action", "reasons": [...]}. With no TEXTS, reads one
    statement per line from standard input and skips blank lines.

    With --evaluate FILE.csv, classifies every `label,text` row instead and
    prints the accuracy, the share of talk called action, precision and
    recall per kind and the confusion matrix.

    \b
    Examples:
      flask classify "Terminated the Acme contract on 3 March."
      flask classify < checkin-entries.txt
      flask classify --evaluate tests/data/talk-action-holdout.csv
    """
    if evaluate_path is not None:
        if texts:
            raise click.UsageError("give either TEXTS or --evaluate, not both")
        _evaluate(evaluate_path)
        return
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


@click.group("mail")
def mail_cli() -> None:
    """Receive check-in replies by email."""


@mail_cli.command("receive")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--lmtp", is_flag=True, help="Speak LMTP (behind Postfix or another MTA) instead of SMTP.")
@with_appcontext
def receive_command(host: str, port: int, lmtp: bool) -> None:
    """Receive replies to reminders over SMTP (or LMTP) until stopped.

    Mail for checkin+<token>@REPLY_DOMAIN is read, recorded and answered
    through the outbox (the scheduler sends the answers); anything else is
    refused at RCPT.

    \b
    Examples:
      flask --app app mail receive --host 0.0.0.0 --port 25
      flask --app app mail receive --lmtp --port 8024
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("REPLY_DOMAIN"):
        raise click.ClickException("Set TRACKER_REPLY_DOMAIN (the domain replies are sent to) first.")
    # One line per message on standard error: what became of it.
    logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger(receiver.__name__).setLevel(logging.INFO)
    controller = receiver.start(app, host=host, port=port, now=clock.now, lmtp=lmtp)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"Receiving {'LMTP' if lmtp else 'SMTP'} for checkin+…@{app.config['REPLY_DOMAIN']} "
               f"on {host}:{port} (Ctrl-C to stop)")
    try:
        stop.wait()
    finally:
        controller.stop()
