"""Creating, finding, revoking and rate-limiting personal access tokens.
Creating and revoking one is recorded in its person's account history (the
name, scopes and expiry; never the secret). Functions add and flush; the
caller commits."""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.accounts.models import User
from tracker.accounts.services import HISTORY_SUBJECT
from tracker.auth.policy import may
from tracker.db import rowcount
from tracker.extensions import db
from tracker.history import services as history
from tracker.tokens.models import ApiRequestWindow, ApiToken
from tracker.validation import FieldError
from tracker.validators import text_problem

PREFIX = "bpt_"
MAX_NAME = 80
MAX_DAYS = 365
RATE_WINDOW = timedelta(minutes=1)

# What each scope lets a token do. A token never does more than its person
# may do in the web app: every request is also checked by the policy and the
# services, as a page's would be.
SCOPES: dict[str, str] = {
    "read": "Read initiatives, behaviours, metrics and readings, check-ins and say/do records",
    "readings:write": "Record readings, one or in bulk (for a feed that only pushes numbers)",
    "write": "Everything readings:write does, plus corrections, check-in submissions and initiatives",
    "people:read": "Read people decisions (HR, executives and admins only)",
}
# Scopes that carry another's rights.
IMPLIES = {"write": {"readings:write"}}


class TokenError(FieldError):
    """A token could not be created or revoked; the message names the field."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def digest(secret: str) -> str:
    """The stored form of a token: SHA-256, hex.

    A token is 256 random bits, not something a person chose, so there is no
    dictionary to try and a slow password hash (Argon2) would only make every
    API request slower; a fast hash of a high-entropy secret cannot be
    reversed or guessed, and it lets a request find its token by an indexed
    equality look-up instead of trying every stored hash.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_offered(user: User) -> dict[str, str]:
    """The scopes `user` may give a token: people:read only to whoever may read people decisions."""
    return {scope: text for scope, text in SCOPES.items()
            if scope != "people:read" or may(user, "read_people")}


def create_token(user: User, *, name: str, scopes: list[str], days: int | None, now: datetime) -> NewToken:
    """A new token for `user`, valid `days` days from `now`. Raises TokenError
    naming each field at fault; nothing is stored then."""
    problems: list[TokenError] = []
    name = (name or "").strip()
    if not name:
        problems.append(TokenError("Give the token a name, such as the tool that will use it.", "name"))
    elif problem := text_problem(name, "The name", single_line=True, max_length=MAX_NAME):
        problems.append(TokenError(problem, "name"))
    offered = scopes_offered(user)
    chosen = sorted(set(scopes or []))
    if not chosen:
        problems.append(TokenError("Choose at least one scope.", "scopes"))
    elif any(scope not in offered for scope in chosen):
        problems.append(TokenError("Your account cannot give a token that scope.", "scopes"))
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        problems.append(TokenError(f"A token lasts from 1 to {MAX_DAYS} days.", "days"))
    if problems:
        raise TokenError.collect(problems)
    assert days is not None
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret), hint=secret[:10],
                     scopes=" ".join(chosen), created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    lasts = f"{days} day{'' if days == 1 else 's'}"
    history.record(HISTORY_SUBJECT, user.id, "token_created",
                   f"API token “{name}” created: {', '.join(chosen)}, for {lasts}", actor=user, now=now)
    return NewToken(token, secret)


def tokens_of(user: User) -> list[ApiToken]:
    """`user`'s tokens, newest first, revoked and expired ones included."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def every_token(page: int, per_page: int = 50) -> Pagination:
    """One page of every token of every person, with its person, newest
    first (the admin's list): two queries however many there are."""
    return db.paginate(select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id.desc()),
                       page=page, per_page=per_page, error_out=False)


def get_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def revoke(token: ApiToken, *, actor: User, now: datetime) -> None:
    """Stop `token` working from `now`: its owner's or an admin's act. Revoking twice changes nothing."""
    if token.user_id != actor.id and not may(actor, "manage_api_tokens"):
        raise TokenError("Only the token's owner and admins revoke a token.")
    if token.revoked_at is None:
        token.revoked_at = now
        token.revoked_by_id = actor.id
        db.session.flush()
        history.record(HISTORY_SUBJECT, token.user_id, "token_revoked",
                       f"API token “{token.name}” ({token.hint}…) revoked", actor=actor, now=now)


def authenticate(secret: str, *, now: datetime) -> ApiToken | None:
    """The usable token whose secret this is, with its person loaded; None for
    an unknown, revoked or expired token, or one whose person was deactivated
    (checked on every request, so deactivation stops every token at once)."""
    if not secret.startswith(PREFIX) or len(secret) > 100 or not secret.isascii():
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret))
                              .options(joinedload(ApiToken.user)))
    if token is None or not token.usable_at(now):
        return None
    return token


def allows(token: ApiToken, scope: str) -> bool:
    """Whether `token` was given `scope` (directly, or by a scope that implies it)."""
    given = set(token.scope_list)
    return scope in given or any(scope in IMPLIES.get(g, ()) for g in given)


def count_request(token: ApiToken, *, limit: int, now: datetime) -> int:
    """Count one request by `token` at `now`: 0 when it is within `limit`
    requests per minute, else the whole seconds until the next window opens
    (the request is then not served). Also records the token's last use.

    A fixed one-minute window counted by an increment in the database
    (`requests = requests + 1`), so requests on every worker count together.
    """
    start = now.replace(second=0, microsecond=0)
    counted = db.session.execute(
        update(ApiRequestWindow)
        .where(ApiRequestWindow.token_id == token.id, ApiRequestWindow.window_start == start)
        .values(requests=ApiRequestWindow.requests + 1)
        .execution_options(synchronize_session=False))
    if rowcount(counted) == 0:
        try:
            with db.session.begin_nested():
                db.session.add(ApiRequestWindow(token_id=token.id, window_start=start, requests=1))
        except IntegrityError:  # another worker opened the window a moment ago
            db.session.execute(
                update(ApiRequestWindow)
                .where(ApiRequestWindow.token_id == token.id, ApiRequestWindow.window_start == start)
                .values(requests=ApiRequestWindow.requests + 1)
                .execution_options(synchronize_session=False))
        # Windows gone by are of no use: dropped as each new one opens.
        db.session.execute(delete(ApiRequestWindow).where(ApiRequestWindow.token_id == token.id,
                                                          ApiRequestWindow.window_start < start))
    requests = db.session.scalar(select(ApiRequestWindow.requests).where(
        ApiRequestWindow.token_id == token.id, ApiRequestWindow.window_start == start)) or 0
    token.last_used_at = now
    db.session.flush()
    if requests <= limit:
        return 0
    return max(1, math.ceil((start + RATE_WINDOW - now).total_seconds()))
