"""`flask --app app digests send`: the same function the scheduler's weekly job calls."""

import click
from flask.cli import AppGroup

from tracker import clock
from tracker.calendar import week_bounds
from tracker.digests import services

digests_cli = AppGroup("digests", help="The weekly email digests.")


@digests_cli.command("send")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W47 (default: the week just ended).")
@click.option("--dry-run", is_flag=True, help="Say who would get what; send and record nothing.")
def send_command(week: str | None, dry_run: bool):
    """Send each person's digest for the week, once."""
    if week is not None:
        try:
            week_bounds(week)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--week") from None
        week = week.strip().upper()
    result = services.send_digests(clock.now(), week=week, dry_run=dry_run)
    if dry_run:
        click.echo(f"Dry run for {result.week}: nothing was sent.")
        for line in result.dry_run:
            click.echo(f"  {line}")
        return
    click.echo(f"Digests for {result.week}: {result.sent} sent, {result.retry} to retry, "
               f"{result.failed} failed, {result.skipped} skipped.")
