"""Naming a person by typing: what the owner, sponsor and account fields
understand, and the suggestions offered as someone types.

A form field that names one account among thousands is a text input with
suggestions (tracker.forms.PickerField), not a select of every account. What
was typed resolves to an account id here; whether that account may own,
sponsor or be linked stays with the service that stores it.
"""

from typing import TypedDict

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from tracker.accounts.models import User
from tracker.accounts.services import MAX_DISPLAY_NAME, MAX_EMAIL, AccountError, find_user_by_email
from tracker.extensions import db
from tracker.ids import parse_id
from tracker.validators import text_problem, without_controls

# Suggestions per search, and the fewest characters worth searching for.
MAX_SUGGESTIONS = 20
MIN_QUERY = 2
# The longest text worth resolving: a display name and an address in "Name <email>".
MAX_TYPED = MAX_DISPLAY_NAME + MAX_EMAIL + 3


class Suggestion(TypedDict):
    value: str  # what the input takes: "Sam Lee <sam@example.com>"
    label: str  # what else helps to choose: "no longer active", or empty


def shown(user: User) -> str:
    """How a person reads in a picker field, and what a suggestion puts there."""
    return f"{user.display_name} <{user.email}>"


def account_shown(user_id: int) -> str:
    """The account `user_id` as its picker field shows it (its number when there is none)."""
    user = db.session.get(User, user_id)
    return shown(user) if user is not None else str(user_id)


def resolve_account(typed: str) -> int | None:
    """The account id `typed` names, None when nothing (or 0, the old "none"
    choice) was typed, or AccountError saying what to type instead.

    Understood: a number (the id, as the API and older forms post it, not
    looked up here: the service says whether the account exists), an email
    in any case, "Name <email>" (what the suggestions offer), or an exact
    display name (any case) that exactly one account has.
    """
    text = " ".join((typed or "").split())
    if text in ("", "0"):
        return None
    if problem := text_problem(text, "The name or email", single_line=True, max_length=MAX_TYPED):
        raise AccountError(problem)
    if text.isascii() and text.isdigit():
        user_id = parse_id(text)
        if user_id is None:
            raise AccountError(f"No account has the number {text}: type their name or email.")
        return user_id
    if text.endswith(">") and "<" in text:
        # "Sam Lee <sam@example.com>", as the suggestions offer it: the address decides.
        return _by_email(text[text.rindex("<") + 1:-1].strip())
    if "@" in text and " " not in text:
        return _by_email(text)
    ids = ids_named(User.id, User.display_name, text)
    if len(ids) == 1:
        return ids[0]
    if ids:
        raise AccountError(f"{how_many(ids)} people are called {text}: type their email.")
    raise AccountError(f"No account called '{text}': type their email.")


def _by_email(email: str) -> int:
    user = find_user_by_email(email)
    if user is None:
        raise AccountError(f"No account has the email '{email}': type it as the person signs in with it.")
    return user.id


NAMED_AT_MOST = 100  # rows a name is looked up among; beyond, "Many" are called it


def ids_named(id_column: InstrumentedAttribute[int], name_column: InstrumentedAttribute[str],
              text: str) -> list[int]:
    """The ids of at most NAMED_AT_MOST rows whose name is `text`, exactly as
    stored or in another case (SQLite lowers ASCII letters only)."""
    return list(db.session.scalars(select(id_column).where(or_(
        name_column == text, func.lower(name_column) == text.lower())).limit(NAMED_AT_MOST)))


def how_many(ids: list[int]) -> str:
    """The number of `ids_named`'s rows as a sentence starts it: "3", or "Many"."""
    return f"{len(ids)}" if len(ids) < NAMED_AT_MOST else "Many"


def like_pattern(text: str) -> str:
    r"""`%text%` for a LIKE with escape "\": the wildcards typed (% and _) match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_accounts(typed: str, *, include_inactive: bool) -> list[Suggestion]:
    """At most MAX_SUGGESTIONS accounts whose name or email holds `typed`
    (any case): active ones first, then those whose name or email starts with
    it, then by name. Nothing for fewer than MIN_QUERY characters. Inactive
    accounts only with `include_inactive` (HR links a decision to someone who
    has left)."""
    text = " ".join(without_controls(typed or "").split())[:MAX_TYPED]
    if len(text) < MIN_QUERY:
        return []
    contains, starts = like_pattern(text.lower()), like_pattern(text.lower())[1:]
    name, email = func.lower(User.display_name), User.email
    query = (select(User)
             .where(or_(name.like(contains, escape="\\"), email.like(contains, escape="\\"),
                        # As typed too: SQLite lowers ASCII letters only ("Émile").
                        User.display_name.like(like_pattern(text), escape="\\")))
             .order_by(User.active.desc(),
                       case((or_(name.like(starts, escape="\\"), email.like(starts, escape="\\")), 0),
                            else_=1),
                       name, User.id)
             .limit(MAX_SUGGESTIONS))
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return [Suggestion(value=shown(user), label="" if user.active else "no longer active")
            for user in db.session.scalars(query)]
