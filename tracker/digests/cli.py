"""`flask --app app digests send`: queues the week's digests as the scheduler's job does, then sends
the outbox as its `send_outbox` job does."""

import click
from flask.cli import AppGroup

from tracker import clock
from tracker.calendar import parse_week
from tracker.digests import services

digests_cli = AppGroup("digests", help="The weekly email digests.")


@digests_cli.command("send")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W47 (default: the week just ended).")
@click.option("--dry-run", is_flag=True, help="Say who would get what; send and record nothing.")
def send_command(week: str | None, dry_run: bool):
    """Queue each person's digest for the week, once, and send what the outbox has due."""
    if week is not None:
        try:
            week = parse_week(week)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--week") from None
    result = services.send_digests(clock.now(), week=week, dry_run=dry_run)
    if dry_run:
        click.echo(f"Dry run for {result.week}: nothing was sent.")
        for line in result.dry_run:
            click.echo(f"  {line}")
        return
    click.echo(f"Digests for {result.week}: {result.queued} queued. Outbox: {result.sent} sent, "
               f"{result.retrying} to retry, {result.failed} failed, "
               f"{result.unknown_outcome} with an unknown outcome, "
               f"{result.deferred} left for the next run.")
