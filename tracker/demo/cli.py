"""`flask --app app demo load`: fill an empty database with the demo organisation."""

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from tracker import clock
from tracker.demo import services
from tracker.extensions import db

demo_cli = AppGroup("demo", help="The demo organisation.")


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="Erase everything in the database first.")
@click.option(
    "--if-empty", is_flag=True, help="Do nothing, successfully, when the database holds data."
)
def load_command(force: bool, if_empty: bool):
    """Load the demo organisation. Refuses a database that holds data unless --force."""
    try:
        has_data = services.database_has_data()
    except services.SchemaMissing as e:
        raise click.ClickException(str(e)) from None
    if has_data and if_empty and not force:
        click.echo("The database already holds data; the demo was not loaded again.")
        return
    if has_data and not force:
        raise click.ClickException(
            "The database already holds data; nothing was changed. "
            "Use --force to erase it and load the demo."
        )
    if force:
        services.erase_everything()
    logins = services.load_demo(now=clock.now())
    db.session.commit()
    lines = format_logins(logins)
    logins_file = Path(current_app.instance_path) / "demo-logins.txt"
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(logins_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(lines)
    click.echo("Demo organisation loaded.")
    click.echo(lines, nl=False)


def format_logins(logins: list[tuple[str, str, str]]) -> str:
    out = ["Demo logins (role, email, password):"]
    out += [f"  {role:<10} {email:<32} {password}" for role, email, password in logins]
    return "\n".join(out) + "\n"
