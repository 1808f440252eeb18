"""Who may do what: the one place that decides it.

Every check asks `may(user, action, obj)`. Services call it and raise their
domain error; views guard a whole route with `@permission_required(action)`
or one object with `ensure(may(user, action, obj))` (403 with the friendly
error page; anonymous users are sent to sign in first); templates ask
`can(action, obj)` about the signed-in user. Role names appear here and in
`tracker.accounts.models.Role`, nowhere else.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from tracker.accounts.models import Role

LEADERS = frozenset({Role.ADMIN, Role.EXECUTIVE})

# What a role may do to anything (or where there is no object at all).
ROLE_ACTIONS: dict[str, frozenset[Role]] = {
    "manage_users": frozenset({Role.ADMIN}),
    "manage_departments": frozenset({Role.ADMIN}),
    "manage_settings": frozenset({Role.ADMIN}),
    "read_job_status": frozenset({Role.ADMIN}),
    # The outbox: every reminder and digest, and resending one whose outcome is unknown.
    "read_outbox": frozenset({Role.ADMIN}),
    "resend_mail": frozenset({Role.ADMIN}),
    # See and revoke every person's API tokens (each person manages their own).
    "manage_api_tokens": frozenset({Role.ADMIN}),
    # Webhook endpoints: register, edit, rotate secrets, read the delivery log.
    "manage_webhooks": frozenset({Role.ADMIN}),
    # The classifier's agreement with owners and reviewers, and the
    # organisation's own cue phrases.
    "manage_classifier": frozenset({Role.ADMIN}),
    # The organisation-wide section of the weekly digest.
    "read_organisation_digest": LEADERS,
    "review_checkins": LEADERS,
    # Log an initiative or a metric for someone else, or hand one over.
    "assign_owners": LEADERS,
    # Be named as an initiative's sponsor.
    "sponsor_initiatives": LEADERS,
    "manage_behaviours": frozenset({Role.ADMIN, Role.EXECUTIVE, Role.HR}),
    "read_people": frozenset({Role.ADMIN, Role.EXECUTIVE, Role.HR}),
    "edit_people": frozenset({Role.ADMIN, Role.HR}),
    # Record incentives, judge them against behaviours, name the one an initiative changes.
    "manage_incentives": frozenset({Role.ADMIN, Role.EXECUTIVE, Role.HR}),
    # An incentive's weight and the named group paid on it (everyone sees the map).
    "read_incentive_details": frozenset({Role.ADMIN, Role.EXECUTIVE, Role.HR}),
}

# Actions on an object someone owns: the owner may do them to their own, the
# roles listed to anyone's. The function names the object's owner (or owners).
OWNED_ACTIONS: dict[str, tuple[frozenset[Role], Callable[[Any], int | frozenset[int | None] | None]]] = {
    "edit_initiative": (LEADERS, lambda initiative: initiative.owner_id),
    "edit_metric": (LEADERS, lambda metric: metric.owner_id),
    "record_reading": (LEADERS, lambda metric: metric.owner_id),
    # Correct or void a reading: its metric's owner or whoever recorded it.
    "correct_reading": (LEADERS, lambda reading: frozenset({reading.metric.owner_id,
                                                             reading.recorded_by_id})),
    # Only the initiative's owner reports on it; leaders review instead.
    "report_checkin": (frozenset(), lambda checkin: checkin.initiative.owner_id),
    # See a person's weekly digest (and what was sent to them): their own; admins anyone's.
    "preview_digest": (frozenset({Role.ADMIN}), lambda user: user.id),
}

ACTIONS = frozenset(ROLE_ACTIONS) | frozenset(OWNED_ACTIONS)


def may(user: Any, action: str, obj: Any = None) -> bool:
    """True when `user` may do `action` (to `obj`, for an owned action).

    Without an object, an owned action asks whether the user may do it to
    anyone's object. Nobody signed in may do anything. Raises ValueError for
    an action this module does not know, so a typo cannot quietly deny.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or user.is_anonymous:
        return False
    if action in ROLE_ACTIONS:
        return user.role in ROLE_ACTIONS[action]
    roles, owner_of = OWNED_ACTIONS[action]
    if user.role in roles:
        return True
    if obj is None:
        return False
    owners = owner_of(obj)
    return user.id in owners if isinstance(owners, frozenset) else owners == user.id


def roles_that_may(action: str) -> frozenset[Role]:
    """The roles that may do `action` to anything: to list only the people who
    may (the sponsors a form offers) without asking `may` of everyone."""
    if action in ROLE_ACTIONS:
        return ROLE_ACTIONS[action]
    if action in OWNED_ACTIONS:
        return OWNED_ACTIONS[action][0]
    raise ValueError(f"unknown action {action!r}")


def may_sign_in_with_password(user: Any, *, password_sign_in: bool, break_glass_admin: str) -> bool:
    """Whether `user` (who typed the right password) may sign in with it:
    anyone while password sign-in is on (PASSWORD_SIGN_IN); once it is off,
    for single sign-on, only the break-glass admin: the admin account whose
    email is BREAK_GLASS_ADMIN."""
    if password_sign_in:
        return True
    named = bool(break_glass_admin) and user.email == break_glass_admin.strip().lower()
    return bool(named and user.role == Role.ADMIN)


def can(action: str, obj: Any = None) -> bool:
    """`may` for the signed-in user: the templates' question."""
    return may(current_user, action, obj)


def permission_required(action: str) -> Callable[..., Any]:
    """Let a view run only for signed-in users who may do `action`."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required  # type: ignore[untyped-decorator]  # Flask-Login ships no types
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not may(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def ensure(allowed: bool) -> None:
    """Abort with 403 unless a check such as `may(user, action, obj)` allowed it."""
    if not allowed:
        abort(403)
