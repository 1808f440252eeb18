"""Naming an initiative by typing: what a linked-initiative field understands,
and the suggestions offered as someone types (tracker.forms.PickerField; see
tracker.accounts.picker for people). Whether the initiative may be linked
stays with the service that stores the link."""

import re

from sqlalchemy import ColumnElement, case, func, or_, select

from tracker.accounts.picker import MAX_SUGGESTIONS, MIN_QUERY, Suggestion, how_many, ids_named, like_pattern
from tracker.extensions import db
from tracker.ids import parse_id
from tracker.initiatives.models import STATUSES, Initiative
from tracker.initiatives.services import MAX_TITLE, InitiativeError
from tracker.validators import text_problem, without_controls

# "#123" or "#123 Title", as the suggestions offer it: the number decides.
_NUMBERED = re.compile(r"^#\s*(?P<id>[0-9]+)(?:\s.*)?$")


def shown(initiative_id: int, title: str) -> str:
    """How an initiative reads in a picker field, and what a suggestion puts there."""
    return f"#{initiative_id} {title}"


def initiative_shown(initiative_id: int) -> str:
    """The initiative `initiative_id` as its picker field shows it."""
    initiative = db.session.get(Initiative, initiative_id)
    return shown(initiative.id, initiative.title) if initiative is not None else f"#{initiative_id}"


def resolve_initiative(typed: str) -> int | None:
    """The initiative id `typed` names, None when nothing (or 0) was typed, or
    InitiativeError saying what to type instead. Understood: a number or
    "#123" (not looked up here: the service says whether it exists), "#123
    Title" (what the suggestions offer), or an exact title (any case) that
    exactly one initiative has."""
    text = " ".join((typed or "").split())
    if text in ("", "0"):
        return None
    if problem := text_problem(text, "The initiative", single_line=True, max_length=MAX_TITLE + 20):
        raise InitiativeError(problem)
    numbered = _NUMBERED.match(text)
    digits = numbered["id"] if numbered else text if text.isascii() and text.isdigit() else None
    if digits is not None:
        initiative_id = parse_id(digits)
        if initiative_id is None:
            raise InitiativeError(f"No initiative has the number {digits}: type its title.")
        return initiative_id
    ids = ids_named(Initiative.id, Initiative.title, text)
    if len(ids) == 1:
        return ids[0]
    if ids:
        raise InitiativeError(f"{how_many(ids)} initiatives are called '{text}': type its number, like #12.")
    raise InitiativeError(f"No initiative called '{text}': type its number, like #12, "
                          f"or choose one from the suggestions.")


def search_initiatives(typed: str) -> list[Suggestion]:
    """At most MAX_SUGGESTIONS initiatives whose title holds `typed` (any
    case), or whose number it is ("123" or "#123"): the numbered one first,
    then titles starting with it, then by title. Nothing for fewer than
    MIN_QUERY characters, unless they are a number."""
    text = " ".join(without_controls(typed or "").split())[:MAX_TITLE]
    number = parse_id(text.removeprefix("#"))
    if len(text) < MIN_QUERY and number is None:
        return []
    title = func.lower(Initiative.title)
    contains, starts = like_pattern(text.lower()), like_pattern(text.lower())[1:]
    matches: list[ColumnElement[bool]] = [
        title.like(contains, escape="\\"), Initiative.title.like(like_pattern(text), escape="\\")]
    if number is not None:
        matches.append(Initiative.id == number)
    rows = db.session.execute(
        select(Initiative.id, Initiative.title, Initiative.status)
        .where(or_(*matches))
        .order_by(case((Initiative.id == (number or 0), 0),
                       (title.like(starts, escape="\\"), 1), else_=2),
                  title, Initiative.id)
        .limit(MAX_SUGGESTIONS))
    return [Suggestion(value=shown(row.id, row.title), label=STATUSES.get(row.status, row.status))
            for row in rows]
