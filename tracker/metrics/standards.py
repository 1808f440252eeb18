"""Flag performance standards that are too vague to measure.

"Words like 'promptly' and 'efficiently' are useless. If orders must be
processed within 3 hours, say so." A metric's performance standard is checked
here for three things: vague wording, a number, and a time bound (how fast,
how often, or by when). The check is advisory: it returns findings, each with
a hint showing how to say the same thing precisely, and never raises.

Everything works on a single left-to-right pass over word tokens, so the cost
is linear in the length of the text (no backtracking regular expressions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.phrases import (
    MONTH_ABBREVIATIONS,
    MONTHS,
    NUMBER_WORDS,
    NUMERIC_DATE_PATTERN,
    WEEKDAYS,
    PhraseIndex,
    build_index,
    match_at,
)

__all__ = ["VagueStandard", "check_standard"]


@dataclass(frozen=True)
class VagueStandard:
    """One reason a standard is not precise, and how to fix it."""

    reason: str
    hint: str


# --- hints -------------------------------------------------------------------

_HINT_SPEED = "Say how fast, with a number and a unit: 'orders processed within 3 hours'."
_HINT_EFFICIENCY = (
    "Say what efficient means as a measure: "
    "'each agent resolves 20 tickets per day' or 'cost per order under $4'."
)
_HINT_PRAISE = (
    "Replace the praise with what a customer would observe, measured by the "
    "customer: '90% of customers rate the call 4 or 5 out of 5, surveyed monthly'."
)
_HINT_BEHAVIOUR = (
    "Name the behaviour a customer would see: "
    "'frontline agents approve refunds up to $200 without a supervisor'."
)
_HINT_EXPERIENCE = (
    "Say what the customer experiences, in numbers: 'no customer is transferred more than once per call'."
)
_HINT_FREQUENCY = "Say how often, exactly: 'every week', 'daily' or 'on the 1st of each month'."
_HINT_TIMEFRAME = "Give a date: 'from 2026-04-01' or 'by 2026-06-30'."
_HINT_DISCRETION = (
    "Say exactly when it applies and what is enough: "
    "'for every order under $500' or 'at least 2 follow-up calls'."
)
_HINT_TRIGGER = (
    "Say what triggers the action and how soon: 'call the customer within 1 day of a delayed shipment'."
)
_HINT_CHANGE = "Say from what, to what, and by when: 'cut average wait from 12 to 5 minutes by 2026-06-30'."
_HINT_NO_NUMBER = "Put a number on it, written in digits: '95% of orders', 'within 3 hours', 'up to $200'."
_HINT_NO_TIME = "Say how fast, how often or by when: 'within 3 hours', 'measured weekly', 'by 2026-06-30'."
_HINT_EMPTY = (
    "Write the standard as something you can measure: "
    "'95% of orders processed within 3 hours of receipt, measured weekly.'"
)

# --- vague vocabulary ----------------------------------------------------------
# Phrases are written as they are read; they are matched token by token, so
# "best in class", "best-in-class" and "Best In Class" are the same phrase.
# The formatter is off for the word lists: packed, they read as lists of words.
# fmt: off

_ALWAYS_VAGUE: dict[str, tuple[str, ...]] = {
    _HINT_SPEED: (
        "promptly", "quickly", "quick", "fast", "rapid", "rapidly", "swift", "swiftly",
        "speedy", "speedily", "as soon as possible", "asap", "as quickly as possible",
        "as fast as possible", "timely",
    ),
    _HINT_EFFICIENCY: ("efficiently", "efficient"),
    _HINT_PRAISE: (
        "world class", "best in class", "best possible", "excellent", "excellence",
        "exceptional", "exceptionally", "outstanding", "great", "greatly", "superb",
        "amazing", "awesome", "fantastic", "brilliant", "breathtaking", "top notch",
        "state of the art", "high quality",
    ),
    _HINT_BEHAVIOUR: (
        "customer centric", "customer centred", "customer centered", "customer focused",
        "customer obsessed",
    ),
    _HINT_EXPERIENCE: (
        "delight", "delights", "delighted", "delightful", "delighting", "seamless",
        "seamlessly", "hassle free", "user friendly", "wow",
    ),
    _HINT_FREQUENCY: (
        "regularly", "periodically", "frequently", "often", "from time to time",
    ),
    _HINT_TIMEFRAME: (
        "going forward", "moving forward", "in due course", "soon", "shortly",
    ),
    _HINT_DISCRETION: (
        "where possible", "wherever possible", "when possible", "whenever possible",
        "if possible", "as needed", "as required", "appropriate", "appropriately",
        "adequate", "adequately", "reasonable", "reasonably",
    ),
    _HINT_TRIGGER: ("proactive", "proactively"),
}

# Words about change are fine when a number says how much ("reduce wait from
# 12 to 5 minutes"); on their own they are a wish, not a standard.
_VAGUE_WITHOUT_NUMBER: dict[str, tuple[str, ...]] = {
    _HINT_CHANGE: (
        "improve", "improves", "improved", "improving", "improvement", "improvements",
        "better", "enhance", "enhances", "enhanced", "enhancing", "enhancement", "increase",
        "increases", "increased", "increasing", "reduce", "reduces", "reduced", "reducing",
        "boost", "boosted", "maximise", "maximize", "minimise", "minimize", "optimise",
        "optimize", "optimised", "optimized", "faster", "quicker", "sooner",
    ),
}

# "fast" is vague as a bare adjective ("fast service"), not inside a compound.
_FAST_COMPOUNDS = frozenset({"track", "tracked", "tracks", "tracking", "lane", "food"})
# fmt: on

# Max separator between the words of a phrase: "as soon as possible" matches,
# "as, soon" or words a page apart do not, and the quote stays short.
_MAX_PHRASE_GAP = 3
_PHRASE_GAP_CHARS = frozenset(" \t\r\n-\u2010\u2011\u2012\u2013\u2014\u00a0")


def _index(table: dict[str, tuple[str, ...]]) -> PhraseIndex:
    """Each phrase with its hint; the longest phrase wins ("as soon as possible" over "soon")."""
    return build_index((phrase, hint) for hint, phrases in table.items() for phrase in phrases)


_ALWAYS_INDEX = _index(_ALWAYS_VAGUE)
_NUMBERLESS_INDEX = _index(_VAGUE_WITHOUT_NUMBER)

# --- time vocabulary -----------------------------------------------------------
# fmt: off

_TIME_UNITS = frozenset({
    "second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins",
    "hour", "hours", "hr", "hrs", "day", "days", "week", "weeks", "wk", "wks",
    "fortnight", "fortnights", "month", "months", "quarter", "quarters",
    "year", "years", "yr", "yrs",
})
_FREQUENCY_WORDS = frozenset({
    "hourly", "daily", "nightly", "weekly", "biweekly", "fortnightly",
    "monthly", "bimonthly", "quarterly", "annually", "annual", "yearly",
    "biannually", "semiannually", "overnight", "today", "tonight", "tomorrow",
})
# Words that turn a following unit, weekday, month or year into a time bound:
# "within 3 hours", "per week", "by Friday", "in June", "by 2026".
_TIME_PREPOSITIONS = frozenset({
    "within", "by", "per", "each", "every", "in", "under", "over", "after",
    "before", "until", "till", "inside", "next", "same", "this", "once",
    "twice", "end", "from", "on", "starting",
})
_NUMBER_WORDS = NUMBER_WORDS | {"half"}
# "Every Monday" or "on Mondays".
_WEEKDAYS = frozenset(WEEKDAYS) | {day + "s" for day in WEEKDAYS}
_MONTHS = frozenset(MONTHS + MONTH_ABBREVIATIONS)
# "may" is usually the verb ("staff may refund"): it is a month only after a
# day number or a preposition ("30 May", "by May").
_AMBIGUOUS_MONTHS = frozenset({"may", "mar", "dec"})
# fmt: on

# Single tokens that are time expressions on their own: "3h", "48hrs",
# "30mins", "Q3", "FY2026".
_UNIT_SUFFIXED = re.compile(r"[0-9]+(?:h|hr|hrs|min|mins|sec|secs|d|wk|wks|yr|yrs)")
_QUARTER_OR_FISCAL = re.compile(r"q[1-4]|fy[0-9]{2}|fy[0-9]{4}")
_HALF_YEAR = re.compile(r"h[12]")
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
_DIGITS = re.compile(r"[0-9]+")
# Dates written with separators; bounded repeats, so linear time.
_DATE = re.compile(rf"(?<![0-9]){NUMERIC_DATE_PATTERN}(?![0-9])")

_TOKEN = re.compile(r"[^\W_]+")
# First characters of the single-token time expressions above ("3h", "q3",
# "fy2026", "h1", "2026"); anything else skips the regular expressions.
_TOKEN_STARTS = frozenset("0123456789qfh")
_ASCII_DIGIT = re.compile(r"[0-9]")


def check_standard(text: str) -> list[VagueStandard]:
    """Return what makes ``text`` an imprecise performance standard.

    An empty list means the standard is precise: no vague wording, at least
    one number written in digits, and a time bound (how fast, how often or by
    when). Otherwise each finding names the problem, quoting the vague words
    as written, and gives a hint. Vague words come first, in the order they
    appear (each once), then "no number", then "no time bound". Blank text
    gives the single finding "no standard stated".

    Never raises; anything that is not a string is treated as blank. Runs in
    time linear in ``len(text)``.
    """
    if not isinstance(text, str):
        text = ""
    matches = list(_TOKEN.finditer(text))
    if not matches:
        return [VagueStandard(reason="no standard stated", hint=_HINT_EMPTY)]

    words = [m.group().lower() for m in matches]
    has_number = _ASCII_DIGIT.search(text) is not None

    findings = _vague_wording(text, matches, words, has_number)
    if not has_number:
        findings.append(VagueStandard(reason="no number", hint=_HINT_NO_NUMBER))
    if not _has_time_bound(text, words):
        findings.append(VagueStandard(reason="no time bound", hint=_HINT_NO_TIME))
    return findings


def _vague_wording(
    text: str,
    matches: list[re.Match[str]],
    words: list[str],
    has_number: bool,
) -> list[VagueStandard]:
    """Find vague words and phrases, one finding per distinct phrase."""
    findings: list[VagueStandard] = []
    seen: set[tuple[str, ...]] = set()
    i = 0
    n = len(words)
    while i < n:
        hit = _phrase_at(text, matches, words, i, _ALWAYS_INDEX)
        if hit is None and not has_number:
            hit = _phrase_at(text, matches, words, i, _NUMBERLESS_INDEX)
        if hit is None:
            i += 1
            continue
        phrase, hint = hit
        if phrase == ("fast",) and i + 1 < n and words[i + 1] in _FAST_COMPOUNDS:
            i += 1
            continue
        end = i + len(phrase)
        if phrase not in seen:
            seen.add(phrase)
            quoted = " ".join(text[matches[i].start() : matches[end - 1].end()].split())
            kind = "word" if len(phrase) == 1 else "phrase"
            findings.append(VagueStandard(reason=f"vague {kind}: '{quoted}'", hint=hint))
        i = end
    return findings


def _phrase_at(
    text: str,
    matches: list[re.Match[str]],
    words: list[str],
    i: int,
    index: PhraseIndex,
) -> tuple[tuple[str, ...], str] | None:
    """Return the longest indexed phrase starting at token ``i``, if any."""
    found = match_at(words, i, index, joins=lambda k: _is_phrase_gap(text, matches[k - 1], matches[k]))
    if found is None:
        return None
    n, hint = found
    return tuple(words[i : i + n]), hint


def _is_phrase_gap(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    """True when two tokens are separated only by a little space or a hyphen."""
    gap = text[left.end() : right.start()]
    return len(gap) <= _MAX_PHRASE_GAP and all(c in _PHRASE_GAP_CHARS for c in gap)


def _is_number_token(word: str) -> bool:
    return word in _NUMBER_WORDS or _DIGITS.fullmatch(word) is not None


def _has_time_bound(text: str, words: list[str]) -> bool:
    """True when the text says how fast, how often or by when."""
    if _DATE.search(text):
        return True
    n = len(words)
    for i, word in enumerate(words):
        # Cheap set look-ups first: most words are none of these, and this
        # loop runs once per word of a text that may be a megabyte long.
        if word in _FREQUENCY_WORDS:
            return True
        if word in _TIME_UNITS:
            # "3 hours", "within three business days", "once a week",
            # "end of the month", "month end".
            before = words[max(0, i - 3) : i]
            if any(_is_number_token(w) or w in _TIME_PREPOSITIONS for w in before):
                return True
            if i + 1 < n and words[i + 1] == "end":
                return True
        elif (word in _WEEKDAYS or word in _MONTHS or word[0] in _TOKEN_STARTS) and _is_dated(words, i):
            return True
    return False


def _is_dated(words: list[str], i: int) -> bool:
    """True when the weekday, month, year, quarter... at ``i`` is a time bound."""
    word = words[i]
    if word.isdecimal() and len(word) != 4:
        return False  # a bare number that cannot be a year: the common case
    if _UNIT_SUFFIXED.fullmatch(word) or _QUARTER_OR_FISCAL.fullmatch(word):
        return True
    near = words[max(0, i - 2) : i]
    after_preposition = any(w in _TIME_PREPOSITIONS for w in near)
    if word in _WEEKDAYS:
        return after_preposition
    if word in _MONTHS:
        if after_preposition:
            return True
        if near and _DIGITS.fullmatch(near[-1]):
            return True  # "30 June"
        # "June 30", "June 2026"
        return (
            word not in _AMBIGUOUS_MONTHS
            and i + 1 < len(words)
            and _DIGITS.fullmatch(words[i + 1]) is not None
        )
    is_year = _YEAR.fullmatch(word) or _HALF_YEAR.fullmatch(word)
    return bool(is_year) and after_preposition
