"""Plain builder functions for tests. They add and flush; the test commits."""

import itertools

from tracker.accounts import services as accounts
from tracker.accounts.models import Department, User
from tracker.extensions import db

_counter = itertools.count(1)

DEFAULT_PASSWORD = "correct horse battery staple"


def make_department(name: str | None = None) -> Department:
    return accounts.create_department(name or f"Department {next(_counter)}")


def make_user(
    role: str = "member",
    *,
    email: str | None = None,
    name: str | None = None,
    department: Department | None = None,
    password: str = DEFAULT_PASSWORD,
    active: bool = True,
) -> User:
    n = next(_counter)
    user = accounts.create_user(
        email=email or f"{role}{n}@example.com",
        display_name=name or f"{role.title()} {n}",
        role=role,
        password=password,
        department_id=department.id if department else None,
    )
    if not active:
        user.active = False
    db.session.flush()
    return user
