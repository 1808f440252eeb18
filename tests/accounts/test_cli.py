"""`flask users ...` and `flask demo load`."""

from sqlalchemy import func, select

from tracker.accounts.models import Department, User
from tracker.extensions import db


def test_users_create_reads_password_from_stdin_and_lists(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "Boss@Example.com", "--name", "Boss",
              "--role", "executive", "--password-stdin"],
        input="a very long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created executive boss@example.com" in result.output
    listed = runner.invoke(args=["users", "list"])
    assert "boss@example.com\tBoss\texecutive\t-\tactive" in listed.output


def test_users_create_prompts_for_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "p@example.com", "--name", "P", "--role", "member"],
        input="a very long password\na very long password\n",
    )
    assert result.exit_code == 0, result.output


def test_users_create_bad_input_fails_cleanly(app, runner):
    cases = [
        (["--email", "nope", "--role", "member"], "valid email"),
        (["--email", "x@example.com", "--role", "wizard"], "Invalid value for '--role'"),
        (["--email", "x@example.com", "--role", "member", "--department", "Nowhere"],
         "Unknown department"),
    ]
    for extra, message in cases:
        result = runner.invoke(
            args=["users", "create", "--name", "X", "--password-stdin", *extra],
            input="a very long password\n",
        )
        assert result.exit_code != 0
        assert message in result.output
    short = runner.invoke(
        args=["users", "create", "--name", "X", "--email", "x@example.com", "--role", "member",
              "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    # Longer than the column holds: a message, not PostgreSQL's 'value too long'.
    long_name = runner.invoke(
        args=["users", "create", "--name", "N" * 121, "--email", "x@example.com", "--role", "member",
              "--password-stdin"],
        input="a very long password\n",
    )
    assert long_name.exit_code != 0 and "The display name is at most 120 characters." in long_name.output
    long_email = runner.invoke(
        args=["users", "create", "--name", "X", "--email", "x" * 250 + "@example.com", "--role", "member",
              "--password-stdin"],
        input="a very long password\n",
    )
    assert long_email.exit_code != 0 and "at most 254 characters" in long_email.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_duplicate_email_is_refused(app, runner):
    args = ["users", "create", "--email", "a@example.com", "--name", "A", "--role", "member",
            "--password-stdin"]
    assert runner.invoke(args=args, input="a very long password\n").exit_code == 0
    args[3] = "A@EXAMPLE.COM"
    result = runner.invoke(args=args, input="a very long password\n")
    assert result.exit_code != 0 and "already exists" in result.output


def test_demo_load_creates_the_organisation_and_refuses_to_run_twice(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
        departments = set(db.session.scalars(select(Department.name)))
    assert roles == {"admin", "executive", "hr", "member"}
    assert {"Sales", "Marketing", "Finance", "Operations", "Customer Service", "HR"} <= departments
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code != 0
    assert "already holds data" in again.output
    forced = runner.invoke(args=["demo", "load", "--force"])
    assert forced.exit_code == 0, forced.output


def test_demo_logins_printed_actually_work(app, runner):
    result = runner.invoke(args=["demo", "load"])
    line = next(line for line in result.output.splitlines() if "hr@example.com" in line)
    password = line.split()[-1]
    client = app.test_client()
    response = client.post("/login", data={"email": "hr@example.com", "password": password})
    assert response.status_code == 302
