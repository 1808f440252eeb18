"""Authorization in one place.

`role_required` guards a route by role; `ensure` guards a single object with
a rule from the object's domain (`ensure(can_edit_initiative(user, i))`).
Both answer 403 with the friendly error page; anonymous users are sent to
sign in first.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

ALL_ROLES = ("admin", "executive", "hr", "member")


def has_role(*roles: str) -> bool:
    """True when the signed-in user holds one of `roles`."""
    return bool(current_user.is_authenticated and current_user.role in roles)


def role_required(*roles: str) -> Callable:
    """Let a view run only for signed-in users with one of `roles`."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def ensure(allowed: bool) -> None:
    """Abort with 403 unless a per-object rule allowed the action."""
    if not allowed:
        abort(403)
