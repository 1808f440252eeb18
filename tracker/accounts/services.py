"""Account rules: who may exist, with which role, and how passwords are kept.

Functions add and flush; the caller commits once. What an admin does to an
account (creating it, its role, department and name, deactivating it, a new
one-time password) is recorded in the account's history, with who did it.
"""

import hmac
import secrets
import zoneinfo
from collections.abc import Collection
from datetime import datetime, timedelta
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import concurrency
from tracker.accounts import passwords
from tracker.accounts.models import ROLE_LABELS, Department, Role, User, new_session_token
from tracker.extensions import db
from tracker.history import services as history
from tracker.ids import parse_id
from tracker.outbox import services as outbox
from tracker.validation import FieldError
from tracker.validators import text_problem

ROLE_VALUES = tuple(role.value for role in Role)

HISTORY_SUBJECT = "user"
history.describe(HISTORY_SUBJECT,
                 labels={"role": "Role", "email": "Email", "display_name": "Name",
                         "department_id": "Department", "active": "Active"},
                 values={"role": ROLE_LABELS}, references={"department_id": Department.name})


class AccountError(FieldError):
    """An account rule was broken; the message is fit to show the user and
    `field` names the input at fault."""


class TemporaryPasswordExpired(AccountError):
    """The right temporary password, too late: an admin must issue a new one.
    `expired_at` says when, for a page to show on the organisation's clock."""

    def __init__(self, message: str, expired_at: datetime) -> None:
        super().__init__(message)
        self.expired_at = expired_at


# The longest text each account field holds; forms read these numbers from here.
MAX_EMAIL = 254
MAX_DISPLAY_NAME = 120
MAX_DEPARTMENT_NAME = 80


def normalise_email(raw: str) -> str:
    """The lower-cased address, or AccountError if it is not an email address."""
    if len((raw or "").strip()) > MAX_EMAIL:
        raise AccountError(f"An email address is at most {MAX_EMAIL} characters.", "email")
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError as e:
        raise AccountError(f"That is not a valid email address: {e}", "email") from None
    return result.normalized.lower()


@cache
def valid_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_password_rules(password: str, *, email: str, display_name: str) -> None:
    """AccountError when the password is too short, too long or easy to guess
    (see `tracker.accounts.passwords`), with the reason."""
    about = (email, email.partition("@")[0], display_name, current_app.config["ORGANISATION_NAME"])
    try:
        passwords.check_password_rules(password, about=about)
    except passwords.WeakPassword as e:
        raise AccountError(str(e), "password") from None


def generate_one_time_password() -> str:
    """A random password of 16 URL-safe characters, shown once to the admin."""
    return secrets.token_urlsafe(12)


def generate_unusable_password() -> str:
    """A random password of 43 characters that nobody is shown: for accounts
    that sign in through the identity provider."""
    return secrets.token_urlsafe(32)


def find_user_by_email(email: str) -> User | None:
    """The account with this address; None for none, and for text no address
    holds (a NUL, a line break), which the database is then never asked about."""
    if text_problem(email, "The email", single_line=True):
        return None
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def get_department(department_id: int | None) -> Department | None:
    """The department, None for no department, AccountError for an unknown id."""
    if department_id in (None, 0, ""):
        return None
    department = db.session.get(Department, int(department_id))
    if department is None:
        raise AccountError("Unknown department.", "department_id")
    return department


def create_user(
    *,
    email: str,
    display_name: str,
    role: str,
    password: str,
    department_id: int | None = None,
    timezone: str = "UTC",
) -> User:
    """Add a user. Raises one AccountError carrying every problem found (a
    duplicate or malformed email, an unknown role, department or timezone, a
    weak password), each naming its field."""
    problems: list[AccountError] = []
    department = None
    try:
        email = normalise_email(email)
    except AccountError as e:
        problems.append(e)
    else:
        if find_user_by_email(email) is not None:
            problems.append(AccountError("A user with that email already exists.", "email"))
    if role not in ROLE_VALUES:
        problems.append(AccountError(
            f"Unknown role {role!r}; choose one of {', '.join(ROLE_VALUES)}.", "role"))
    display_name = (display_name or "").strip()
    if not display_name:
        problems.append(AccountError("A display name is required.", "display_name"))
    elif problem := text_problem(display_name, "The display name", single_line=True,
                                 max_length=MAX_DISPLAY_NAME):
        problems.append(AccountError(problem, "display_name"))
    if timezone not in valid_timezones():
        problems.append(AccountError(f"Unknown timezone {timezone!r}.", "timezone"))
    try:
        check_password_rules(password, email=email, display_name=display_name)
    except AccountError as e:
        problems.append(e)
    try:
        department = get_department(department_id)
    except AccountError as e:
        problems.append(e)
    if problems:
        raise AccountError.collect(problems)
    user = User(
        email=email,
        display_name=display_name,
        role=role,
        department=department,
        timezone=timezone,
        password_hash=passwords.hash_password(password),
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    """The active user with these credentials, or None whatever went wrong
    (so callers cannot tell an unknown email from a wrong password).
    Raises TemporaryPasswordExpired for the right temporary password after it
    expired: only someone who knows it learns that. Re-hashes the password
    when the configured parameters changed."""
    user = find_user_by_email(email or "")
    if user is None:
        passwords.spend_a_verification(password or "")
        return None
    if not passwords.verify_password(user.password_hash, password or ""):
        return None
    if not user.active:
        return None
    if user.password_expires_at is not None and now >= user.password_expires_at:
        raise TemporaryPasswordExpired(
            "This one-time password has expired. Ask an admin to issue a new one.",
            user.password_expires_at,
        )
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def user_for_session(session_id: str) -> User | None:
    """The active user a session or remember-me cookie names (`User.get_id`),
    or None when the id is malformed, the user is gone or deactivated, or the
    token was replaced since the cookie was made. One query."""
    raw_id, _, token = (session_id or "").partition(":")
    user_id = parse_id(raw_id)
    if user_id is None or not token:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: every session and remember-me cookie made
    before now carries the old token and is refused from the next request on."""
    user.session_token = new_session_token()
    db.session.flush()


def _active_admin_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    ) or 0


def _guard_last_admin(user: User) -> None:
    if user.role == Role.ADMIN and user.active and _active_admin_count() <= 1:
        raise AccountError("This is the last active admin; make another admin first.")


def update_user(user: User, *, role: str, department_id: int | None, display_name: str,
                actor: User | None, now: datetime, version: int | None = None) -> None:
    """Change role, department and name, recording what changed and who
    changed it (`actor`; None for the command line) in the account's history.
    The last active admin keeps the admin role. `version` is the one the edit
    form was opened at: concurrency.EditConflict when someone saved since
    (None: no form, no check)."""
    problems: list[AccountError] = []
    department = None
    if role not in ROLE_VALUES:
        problems.append(AccountError(f"Unknown role {role!r}.", "role"))
    display_name = (display_name or "").strip()
    if not display_name:
        problems.append(AccountError("A display name is required.", "display_name"))
    elif problem := text_problem(display_name, "The display name", single_line=True,
                                 max_length=MAX_DISPLAY_NAME):
        problems.append(AccountError(problem, "display_name"))
    try:
        department = get_department(department_id)
    except AccountError as e:
        problems.append(e)
    if problems:
        raise AccountError.collect(problems)
    concurrency.claim_version(user, version)
    if role != Role.ADMIN:
        _guard_last_admin(user)
    before = history.snapshot(user, _EDITED)
    assign_role(user, role)
    user.department = department
    user.display_name = display_name
    db.session.flush()
    if changes := history.diff(before, history.snapshot(user, _EDITED)):
        history.record(HISTORY_SUBJECT, user.id, "updated", "Account changed", actor=actor, now=now,
                       changes=changes)


_EDITED = ("role", "department_id", "display_name")


def assign_role(user: User, role: str) -> None:
    """Give the user `role` (AccountError for an unknown one). A change ends
    every session the user has: sessions begun under the old role end, and
    whoever holds one signs in again. No last-admin guard here: `update_user`
    keeps one for admins editing each other, while the identity provider's
    groups (`tracker.sso`) decide roles outright, and the break-glass admin
    signs in with a password, outside them."""
    if role not in ROLE_VALUES:
        raise AccountError(f"Unknown role {role!r}.", "role")
    if role != user.role:
        end_all_sessions(user)
    user.role = role
    db.session.flush()


def set_active(user: User, active: bool, *, actor: User | None, now: datetime) -> None:
    """Deactivate or reactivate, recorded in the account's history. Nothing
    the user recorded is removed, but mail still waiting for a deactivated
    account in the outbox (a reminder, a digest, a retry) is cancelled: the
    person has left. Either way the user's sessions end, so a reactivated
    account never brings back the cookies it had before."""
    if not active:
        _guard_last_admin(user)
        outbox.cancel_queued(recipient=user.email, now=now, reason="the account was deactivated")
    if active != user.active:
        history.record(HISTORY_SUBJECT, user.id, "updated", "Reactivated" if active else "Deactivated",
                       actor=actor, now=now, changes={"active": [user.active, active]})
    user.active = active
    end_all_sessions(user)


def set_password(user: User, password: str) -> None:
    """Replace the password with one the user chose (AccountError if it breaks
    a rule) and end every session the user has; the caller signs the current
    browser in again if it should stay signed in."""
    check_password_rules(password, email=user.email, display_name=user.display_name)
    user.password_hash = passwords.hash_password(password)
    user.password_must_change = False
    user.password_expires_at = None
    end_all_sessions(user)


def make_password_temporary(user: User, *, now: datetime) -> datetime:
    """Mark the user's password as chosen by someone else: it must be replaced
    at the first sign-in and stops working TEMPORARY_PASSWORD_HOURS after
    `now`. Returns that moment."""
    user.password_must_change = True
    user.password_expires_at = now + timedelta(hours=current_app.config["TEMPORARY_PASSWORD_HOURS"])
    db.session.flush()
    return user.password_expires_at


def issue_temporary_password(user: User, *, actor: User | None, now: datetime) -> str:
    """Give the user a new random one-time password (shown once to whoever
    issued it, `actor`; None for the command line) in place of theirs, end
    their sessions, record it in the account's history, and return it."""
    password = generate_one_time_password()
    set_password(user, password)
    make_password_temporary(user, now=now)
    history.record(HISTORY_SUBJECT, user.id, "password_issued", "One-time password issued",
                   actor=actor, now=now)
    return password


def record_created(user: User, *, actor: User | None, now: datetime) -> None:
    """Record in the new account's history who created it, with which role."""
    history.record(HISTORY_SUBJECT, user.id, "created", f"Account created as {user.role_label}",
                   actor=actor, now=now,
                   changes=history.snapshot(user, ("email", "display_name", "role", "department_id")))


def change_own_password(user: User, *, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password or ""):
        raise AccountError("Your current password is not correct.", "current_password")
    try:
        set_password(user, new_password)
    except AccountError as e:
        raise AccountError(e.message, "new_password") from None


def set_timezone(user: User, timezone: str) -> None:
    if timezone not in valid_timezones():
        raise AccountError(f"Unknown timezone {timezone!r}.", "timezone")
    user.timezone = timezone
    db.session.flush()


def create_department(name: str) -> Department:
    name = (name or "").strip()
    if not name:
        raise AccountError("A department needs a name.", "name")
    if problem := text_problem(name, "The department's name", single_line=True,
                               max_length=MAX_DEPARTMENT_NAME):
        raise AccountError(problem, "name")
    exists = db.session.scalar(
        select(Department).where(func.lower(Department.name) == name.lower())
    )
    if exists is not None:
        raise AccountError(f"A department called {name!r} already exists.", "name")
    department = Department(name=name)
    db.session.add(department)
    db.session.flush()
    return department


def list_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def users_page(page: int, per_page: int) -> Pagination:
    """Page `page` (from 1) of every account, active or not, by name (then
    id, so a page boundary never moves between equal names), with departments."""
    return db.paginate(select(User).options(selectinload(User.department))
                       .order_by(User.display_name, User.id), page=page, per_page=per_page, error_out=False)


def active_users(*, roles: Collection[str] | None = None) -> list[User]:
    """The accounts that may own or sponsor things, by name ignoring case;
    with `roles`, only those holding one of them."""
    query = select(User).where(User.active.is_(True))
    if roles is not None:
        query = query.where(User.role.in_(sorted(roles)))
    return list(db.session.scalars(query.order_by(func.lower(User.display_name), User.id)))
