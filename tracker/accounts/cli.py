"""`flask --app app users ...`: manage accounts from the shell."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.accounts import services
from tracker.accounts.models import Department, Role, User
from tracker.extensions import db

users_cli = AppGroup("users", help="Create and list user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--department", default=None, help="Department name (must exist).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, display_name, role, department, password_stdin):
    """Create a user. The password is prompted for unless --password-stdin.
    It is a one-time password: the person must replace it at their first
    sign-in, and it stops working after TEMPORARY_PASSWORD_HOURS."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    department_id = None
    if department:
        found = db.session.scalar(select(Department).where(Department.name == department))
        if found is None:
            raise click.ClickException(f"Unknown department {department!r}.")
        department_id = found.id
    try:
        user = services.create_user(
            email=email,
            display_name=display_name,
            role=role,
            password=password,
            department_id=department_id,
        )
        expires_at = services.make_password_temporary(user, now=clock.now())
        services.record_created(user, actor=None, now=clock.now())
    except services.AccountError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    click.echo(f"The password must be replaced at the first sign-in; it stops working at "
               f"{expires_at:%Y-%m-%d %H:%M} UTC.")


@users_cli.command("issue-password")
@click.option("--email", required=True)
def issue_password_command(email):
    """Replace a user's password with a new one-time password and print it
    (for a forgotten password, an expired one-time password, or the last
    admin locked out). Their sessions end."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email!r}.")
    password = services.issue_temporary_password(user, actor=None, now=clock.now())
    db.session.commit()
    click.echo(f"One-time password for {user.email}: {password}")
    click.echo(f"It must be replaced at the first sign-in and stops working at "
               f"{user.password_expires_at:%Y-%m-%d %H:%M} UTC.")


@users_cli.command("list")
def list_users_command():
    """List every account with its role, department and state."""
    users = db.session.scalars(
        select(User).options(selectinload(User.department)).order_by(User.email)
    ).all()
    if not users:
        click.echo("No users yet.")
        return
    for user in users:
        department = user.department.name if user.department else "-"
        state = "active" if user.active else "inactive"
        click.echo(f"{user.id}\t{user.email}\t{user.display_name}\t{user.role}\t{department}\t{state}")
