"""How a browser stays signed in, and how it stops.

Flask-Login keeps `User.get_id()` — the user's id and session token — in the
signed session cookie and, with "keep me signed in", in the remember-me
cookie (which the browser keeps for `REMEMBER_DAYS`). `load_user` accepts a
cookie only while its token is the user's current one, in the same single
query that loads the user, so replacing the token
(`accounts.services.end_all_sessions`) ends every session and remember-me
cookie that person has, on every device.
"""

from flask import current_app, request, session
from flask_login import login_user, logout_user

from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.extensions import login_manager


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return accounts.user_for_session(session_id)


# Where sign-out continues after this app: the identity provider's own
# sign-out, for a session begun there (tracker.sso). Built by this server at
# sign-in and kept in the signed cookie, so nobody can point it elsewhere.
SIGN_OUT_URL = "sign_out_url"


def start_session(user: User, *, remember: bool, sign_out_url: str | None = None) -> None:
    """Sign `user` in on this browser with a fresh session: nothing planted
    in the session before sign-in survives it. `sign_out_url`: where the
    browser goes after signing out here (the provider's sign-out)."""
    session.clear()
    login_user(user, remember=remember)
    if sign_out_url:
        session[SIGN_OUT_URL] = sign_out_url


def renew_session(user: User) -> None:
    """Keep this browser signed in after `user`'s token was replaced (a new
    password): the session, and the remember-me cookie if there is one, get
    the new token; every other browser stays signed out."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


def end_session() -> str | None:
    """Sign this browser out: the session is emptied and the remember-me
    cookie deleted. Returns the provider's sign-out address when the session
    began there, for the browser to visit next."""
    sign_out_url = session.get(SIGN_OUT_URL)
    logout_user()
    session.clear()
    return sign_out_url if isinstance(sign_out_url, str) else None
