"""The phrase engine the text checks share: word tables and phrase look-up.

The talk/action classifier (`checkins/classifier.py`) and the precise-
standard check (`metrics/standards.py`) both look phrases up word by word
and both need to know months, weekdays, number words and dates written
with digits. They share this module, which knows no domain: each caller
brings its own tables and decides which words may join into a phrase (the
classifier never across a clause break, the standard check only across a
little space or a hyphen).

Look-up is by first word, longest phrase first, so a pass over a text
costs at most the length of the longest phrase per word: linear.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

# First word -> [(all words, payload)], the longest phrase first.
PhraseIndex = dict[str, list[tuple[tuple[str, ...], Any]]]

MONTHS: tuple[str, ...] = (
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
)
MONTH_ABBREVIATIONS: tuple[str, ...] = (
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
)
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Cardinal numbers written as words, as people write counts and durations.
NUMBER_WORDS: frozenset[str] = frozenset((
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
    "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands", "million",
    "millions", "dozen", "dozens",
))

# Regular-expression pieces, without boundaries: each caller adds its own.
# Longest alternative first, so "sept" is not read as "sep" and a "t".
MONTH_PATTERN = "(?:" + "|".join(sorted(MONTHS + MONTH_ABBREVIATIONS, key=len, reverse=True)) + ")"
# 2026-03-04 and 4/3/2026 (or 4/3/26), in ASCII digits; bounded repeats only,
# so linear.
NUMERIC_DATE_PATTERN = r"(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4})"


def words_of(phrase: str) -> tuple[str, ...]:
    """A phrase as the words it is matched by: lower case, a hyphen is a space."""
    return tuple(phrase.lower().replace("-", " ").split())


def plural_variants(words: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Yield the phrase and its plural spelling (last word only)."""
    yield words
    *head, last = words
    if last.endswith(("s", "x", "ch", "sh")):
        yield (*head, last + "es")
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "o", "u"):
        yield (*head, last[:-1] + "ies")
    else:
        yield (*head, last + "s")


def build_index(entries: Iterable[tuple[str, Any]], *, plurals: bool = False) -> PhraseIndex:
    """Index (phrase, payload) pairs by first word, longest phrase first.

    With ``plurals``, each phrase's plural spelling is indexed too. Blank
    phrases are skipped; a phrase given twice keeps both payloads, the first
    one found wins.
    """
    index: PhraseIndex = {}
    for phrase, payload in entries:
        words = words_of(phrase)
        if not words:
            continue
        for variant in plural_variants(words) if plurals else (words,):
            index.setdefault(variant[0], []).append((variant, payload))
    for candidates in index.values():
        candidates.sort(key=lambda item: -len(item[0]))  # stable: first given wins a tie
    return index


def match_at(
    words: Sequence[str],
    i: int,
    index: PhraseIndex,
    *,
    joins: Callable[[int], bool] | None = None,
    stop: int | None = None,
) -> tuple[int, Any] | None:
    """Return (number of words, payload) of the longest phrase starting at word ``i``.

    ``words`` must support slicing. ``joins(k)`` says whether word ``k`` may
    continue a phrase begun before it (no clause break, say); without it any
    words join. A phrase never runs past ``stop`` (default: the end).
    """
    limit = len(words) if stop is None else stop
    for phrase, payload in index.get(words[i], ()):
        n = len(phrase)
        # The words are compared in one step; joins are asked about only on a match.
        if (
            i + n <= limit
            and tuple(words[i : i + n]) == phrase
            and (joins is None or all(joins(k) for k in range(i + 1, i + n)))
        ):
            return n, payload
    return None
