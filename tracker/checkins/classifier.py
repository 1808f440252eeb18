"""Suggest whether a check-in entry is *talk* or *action*, and say why.

Talk is announcements, plans, intentions, meetings, charters and emails;
action is a concrete act that has already happened: a contract terminated,
an office moved, people hired, promoted or let go, money refunded. The
classifier is a suggestion shown to the owner, who picks the final kind, so
every verdict comes with reasons a person can check against the wording.

How it decides, in plain words:

* Cue words are looked up in the tables below. Talk cues are future tense,
  intentions, hesitation, meetings, communications and talking verbs.
  Action cues are dates, counts, money, references and links.
* A past-tense act (``terminated``, ``hired``...) is looked at together with
  its object: an act on a communication (``sent … email``, ``held …
  workshop``) is still talk; an act on something concrete (``terminated …
  contract``) is strong evidence of action.
* Each kind of cue counts once (three meeting words are not three times the
  talk), each distinct act counts on its own, and once a concrete act has been
  found the meeting or email it was announced in no longer counts against it.
  Only future tense, intention or hesitation can outweigh it.
* Action must score strictly higher than talk. A tie, or nothing at all, is
  talk: talk is never counted as progress, so the benefit of the doubt goes
  the other way.

Words are looked up in dictionaries built from the tables; the few regular
expressions (dates, money, references) have no nested repetition. So a 100 KB
entry is classified in linear time, and no input makes it raise.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

TALK = "talk"
ACTION = "action"

# ---------------------------------------------------------------------------
# Cue tables. Phrases are matched as whole words, case-insensitively; a space
# or a hyphen in a phrase matches either ("call centre" finds "call-centre").
# ---------------------------------------------------------------------------

# Roles decide how a cue is counted:
#   marker   - says the act has not happened (future, intention, hesitation);
#              it can outweigh even a concrete act.
#   context  - talk around the subject (meetings, emails, slogans); ignored
#              once a concrete act has been found, because announcing an act
#              does not undo it.
#   evidence - the kind of detail an act report carries (dates, counts).
MARKER = "marker"
CONTEXT = "context"
EVIDENCE = "evidence"

# (reason label, weight, role, phrases)
TALK_PHRASES: tuple[tuple[str, int, str, tuple[str, ...]], ...] = (
    ("future tense", 4, MARKER, (
        "will", "won't", "shall", "going to", "gonna", "is due to", "are due to",
        "is set to", "are set to", "will be",
    )),
    ("states an intention", 4, MARKER, (
        "plan to", "plans to", "planning", "planned to", "plan is", "plan is to",
        "intend", "intends", "intend to", "intended to", "intention", "aim", "aims",
        "aiming", "goal", "goals", "objective", "ambition", "committed to",
        "commit to", "commitment to", "agreed in principle", "agreed to", "hope",
        "hopes", "hoping", "want", "wants", "want to", "wants to", "would like",
        "decided to", "looking to", "preparing", "about to", "pledged to",
        "promised to", "aspire",
        "determined to", "working towards", "working toward", "targeting",
        "targetting", "aiming for", "next step",
    )),
    ("not decided yet", 3, MARKER, (
        "exploring", "explore", "considering", "consider", "evaluating", "evaluate",
        "looking into", "look into", "thinking about", "assessing", "investigating",
        "reviewing", "weighing", "might", "could", "should", "would", "ought to",
        "potentially", "possibly", "perhaps", "maybe", "if", "whether",
        "in discussion", "under discussion", "under review", "tbc", "tbd",
    )),
    ("set in the future", 3, MARKER, (
        "next week", "next month", "next quarter", "next year", "next spring",
        "next summer", "next autumn", "next fall", "next winter", "next financial year",
        "later this year", "later this month", "later this quarter", "in the coming",
        "coming weeks", "coming months", "soon", "upcoming", "scheduled", "in future",
        "in the future", "by the end of", "going forward", "from now on",
        "eventually", "in due course", "before launch",
    )),
    ("names a meeting or event", 2, CONTEXT, (
        "workshop", "offsite", "off site", "away day", "retreat", "strategy session",
        "session", "meeting", "steering committee", "committee", "task force",
        "taskforce", "working group", "keynote", "all hands", "town hall", "townhall",
        "huddle", "conference", "kickoff", "kick off", "webinar", "lunch and learn",
        "roadshow", "summit", "forum", "brainstorm", "seminar", "briefing",
        "stand up", "council", "panel", "channel", "sticky notes", "post its",
    )),
    ("names a communication", 2, CONTEXT, (
        "email", "e mail", "memo", "newsletter", "charter", "vision", "mission",
        "values", "slogan", "poster", "banner", "campaign", "message", "messaging",
        "video", "presentation", "slide", "slide deck", "speech", "blog", "intranet",
        "announcement", "statement", "pledge", "promise", "manifesto", "brochure",
        "leaflet", "roadmap", "strategy", "theme", "motto", "tagline", "mantra",
        "proposal", "draft", "framework", "principles", "reminder", "journey",
        "business case", "report", "paper", "document", "note", "letter to",
    )),
    ("talks rather than acts", 2, CONTEXT, (
        "announced", "announce", "announcing", "discussed", "discuss", "discussing",
        "aligned", "align", "aligning", "alignment", "reaffirmed", "reaffirm",
        "reiterated", "reiterate", "communicated", "communicate", "presented",
        "shared", "circulated", "drafted", "drafting", "brainstormed", "endorsed",
        "emailed", "e mailed", "reminded", "reminding", "talked", "talk about",
        "talking", "spoke", "explained", "highlighted", "stressed", "emphasised",
        "emphasized", "promised", "pledged", "encouraged", "urged", "asked",
        "invited", "briefed", "pitched", "outlined", "met with", "met to", "agreed",
        "proposed", "recommended", "envisioned", "envisaged", "believe", "believes",
        "understand", "understands", "acknowledged", "raised awareness",
        "awareness", "focus", "focused on", "reflected on", "role model", "told",
        "said", "says", "wrote to", "written to", "spoke to", "spoke with",
        "talked to", "addressed", "called for", "called on", "asked for",
        "requested", "applied for", "lobbied", "sought",
    )),
    ("studies rather than changes", 2, CONTEXT, (
        "mapped", "mapping", "analysed", "analyzed", "analysing", "analyzing",
        "studied", "researched", "benchmarked", "identified", "reviewed",
        "assessed", "investigated", "explored", "examined", "audited",
        "prepared", "documented", "modelled", "modeled",
    )),
    ("renames rather than changes", 2, CONTEXT, (
        "renamed", "rebranded", "relabelled", "relabeled", "retitled", "rebadged",
    )),
    ("aspiration, not an act", 1, CONTEXT, (
        "priority", "priorities", "importance", "important", "obsessed", "obsession",
        "passion", "passionate", "excellence", "world class", "extra mile",
        "at the centre", "at the center", "at the heart", "first class", "delight",
        "delighting", "culture of", "mindset", "customer centric",
        "customer centricity", "customer first", "customers first", "come first",
        "comes first", "everything we do", "best in class", "most loved",
    )),
)

ACTION_PHRASES: tuple[tuple[str, int, str, tuple[str, ...]], ...] = (
    ("says it is already in effect", 1, EVIDENCE, (
        "now", "effective", "in effect", "in house", "live since", "went live",
        "no longer", "as of", "with immediate effect", "in place", "since",
    )),
    ("names a date", 1, EVIDENCE, (
        "yesterday", "last week", "last month", "last quarter", "last year",
        "this week", "this month", "earlier this week", "earlier this month",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday",
    )),
)

# Past-tense verbs of acts, by what they do. "Let go" and "shut down" are
# two-word verbs; present forms are deliberately absent ("we refund" is a
# policy statement, "we refunded" is an act).
PEOPLE_DECISIONS: tuple[str, ...] = (
    "hired", "recruited", "onboarded", "appointed", "promoted", "demoted", "fired",
    "sacked", "dismissed", "let go", "laid off", "made redundant", "reassigned",
    "redeployed", "seconded", "suspended", "rehired",
)
STOPPING_ACTS: tuple[str, ...] = (
    "terminated", "cancelled", "canceled", "scrapped", "ended", "stopped", "removed",
    "deleted", "retired", "closed", "shut", "shut down", "abolished", "dropped",
    "axed", "ditched", "eliminated", "discontinued", "withdrew", "withdrawn",
    "waived", "binned", "killed", "switched off", "turned off", "exited",
    "decommissioned", "banned",
)
# These count as action only when their object is concrete: "signed a
# contract" is an act, "signed the pledge" is talk.
OBJECT_ACTS: tuple[str, ...] = (
    "signed", "moved", "relocated", "in sourced", "insourced", "brought", "replaced",
    "swapped", "switched", "changed", "rewrote", "rebuilt", "redesigned",
    "gave", "handed", "mailed", "sent", "posted", "published", "opened",
    "launched", "introduced", "implemented", "rolled out", "installed", "deployed",
    "cut", "reduced", "raised", "increased", "lowered", "doubled", "halved",
    "tripled", "extended", "shortened", "simplified", "streamlined", "assigned",
    "awarded", "rewarded", "thanked", "called", "phoned", "visited", "refunded",
    "paid", "reimbursed", "compensated", "credited", "invested", "spent", "bought",
    "purchased", "renegotiated", "added", "created", "built", "set up",
    "established", "formed", "held", "ran", "hosted", "organised", "organized",
    "trained", "tied", "linked", "merged", "split", "restructured", "reorganised",
    "reorganized", "outsourced", "transferred", "hung", "fixed", "resolved",
    "answered", "delivered", "shipped", "upgraded", "migrated", "updated",
    "revised", "distributed", "issued", "granted", "allocated", "funded", "wrote",
    "printed", "produced", "relaunched", "staffed",
    "expanded", "capped", "allowed", "authorised", "authorized", "approved",
    "rejected", "empowered", "enabled", "piloted", "trialled", "trialed",
    "completed", "finished", "took over", "handed over", "leased",
    "sold", "renewed", "recorded",
)

# Things an act can be done to that exist outside a slide deck.
CONCRETE_OBJECTS: tuple[str, ...] = (
    "contract", "supplier", "vendor", "carrier", "courier", "provider", "outsourcer",
    "agency", "partner", "deal", "lease", "office", "floor", "building", "store",
    "shop", "branch", "desk", "counter", "warehouse", "depot", "hub", "site",
    "call centre", "call center", "contact centre", "contact center", "helpline",
    "hotline", "help desk", "ivr", "menu", "chatbot", "auto responder", "team",
    "department", "staff", "agent", "employee", "people", "person", "manager",
    "director", "head", "supervisor", "leader", "executive", "cashier", "rep",
    "driver", "customer", "client", "account", "member", "owner", "policy", "rule",
    "limit", "threshold", "target", "quota", "scorecard", "kpi", "sla", "bonus",
    "commission", "compensation", "pay", "salary", "wage", "incentive", "budget",
    "discount", "refund", "fee", "charge", "price", "voucher", "gift", "award",
    "prize", "day off", "process", "step", "approval", "sign off", "form", "system",
    "tool", "software", "checkout", "till", "app", "queue", "hours", "shift", "rota",
    "payroll", "list", "script", "rating", "warranty", "guarantee", "returns",
    "exchange", "fleet", "van", "route", "stock", "product", "order", "portal",
    "cheque", "money", "cash", "funds", "role", "position", "job", "vacancy",
    "headcount", "contractor", "consultant", "franchise", "licence", "license",
    "scheme",
)

# A verb right after one of these is not a past act: "to cut", "will be
# replaced", "never refunded", "the outsourced contract" (an adjective).
NOT_AN_ACT_AFTER: frozenset[str] = frozenset((
    "to", "will", "would", "shall", "should", "could", "can", "may", "might", "must",
    "not", "never", "won't", "don't", "didn't", "doesn't", "cannot", "can't", "be",
    "being", "whether", "the", "a", "an", "our", "their", "its", "this", "that",
    "these", "those", "every", "each", "all", "any", "his", "her", "my", "your",
    "some", "no",
))
# Words that end the object of a verb: "gave the discount | to 8000 accounts".
OBJECT_ENDS_AT: frozenset[str] = frozenset((
    "on", "in", "at", "to", "with", "for", "from", "by", "after", "before", "about",
    "of", "into", "onto", "over", "under", "since", "during", "until", "and", "or",
    "but", "so", "that", "which", "who", "because", "as", "while", "when", "where",
    "without", "than", "via", "across", "through", "per", "is", "was", "were", "are",
    "be", "been", "has", "have", "had",
))
OBJECT_MAX_WORDS = 7

# An unlisted "-ed" word opening a clause ("Unbundled the warranty...") is
# probably a past act too, but weaker evidence than a listed verb. These
# common "-ed" openers are feelings or states, not acts.
NOT_ACTS: frozenset[str] = frozenset((
    "based", "focused", "committed", "dedicated", "excited", "pleased", "delighted",
    "interested", "concerned", "needed", "wanted", "hoped", "tried", "proposed",
    "scheduled", "planned", "aligned", "united", "inspired", "motivated",
    "energised", "energized", "engaged", "involved", "required", "expected",
    "intended", "supposed", "used",
))
SUBJECT_WORDS: frozenset[str] = frozenset(("we", "i", "they", "he", "she", "team", "hr"))

NUMBER_WORDS: frozenset[str] = frozenset((
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "hundred",
    "hundreds", "thousand", "thousands", "dozen", "dozens",
))

# Weights of acts, found by the verb tables above.
WEIGHT_CONCRETE_ACT = 5
WEIGHT_COMMUNICATION_ACT = 3
WEIGHT_BARE_ACT = 2
WEIGHT_UNLISTED_CONCRETE_ACT = 3
WEIGHT_UNLISTED_BARE_ACT = 1

MAX_REASONS = 8
MAX_QUOTE_CHARS = 60
MAX_OUTWEIGHED_REASONS = 2

# ---------------------------------------------------------------------------
# Evidence found by pattern rather than by word. Every quantifier is bounded
# or runs over a single character class, so matching stays linear.
# ---------------------------------------------------------------------------

_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s{1,3}\d{4})?"

DATE_PATTERN = re.compile(
    rf"\b{_DAY}\s{{1,3}}(?:of\s{{1,3}})?{_MONTH}(?![a-z]){_YEAR}"
    rf"|\b{_MONTH}\.?\s{{1,3}}{_DAY}\b{_YEAR}"
    rf"|\b{_MONTH}\s{{1,3}}\d{{4}}\b"
    r"|\b\d{4}-\d{1,2}-\d{1,2}\b"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    re.IGNORECASE,
)
MONEY_PATTERN = re.compile(
    r"[£$€¥]\s?\d(?:[\d,.]{0,15}\d)?(?:\s?(?:k|m|bn|million|billion|thousand)\b)?"
    r"|\b\d(?:[\d,.]{0,15}\d)?\s?(?:usd|eur|gbp|dollars|pounds|euros)\b",
    re.IGNORECASE,
)
REFERENCE_PATTERN = re.compile(
    r"#\s?[a-z]{0,6}-?\d[\w-]{0,30}"
    r"|\b(?:ref|reference|ticket|invoice|case|order|po|contract|agreement|job)\.?"
    r"\s{0,3}(?:no\.?|number|#|:)\s{0,3}[a-z]{0,10}-?\d[\w-]{0,30}",
    re.IGNORECASE,
)
# Upper-case codes such as "INC-20231" or "PO-4471".
CODE_PATTERN = re.compile(r"\b[A-Z]{2,6}-\d{2,10}\b")
LINK_PATTERN = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)

# Numbers may carry separators and a suffix ("12,000", "3rd", "97%", "9pm");
# anything else made of letters and digits is a word ("won't", "agent's",
# "Q3", "3PL"). Hyphens split words, so "call-centre" reads as "call centre".
_TOKEN_PATTERN = re.compile(
    r"(?P<number>\d+(?:[.,:]\d+)*(?:st|nd|rd|th|pm|am|k|%)?)(?![^\W_])"
    r"|[^\W_]+(?:'[^\W_]+)*",
    re.IGNORECASE,
)
# Characters that end a clause: an object never runs across them.
_CLAUSE_BREAKS = frozenset(".;:!?,()[]{}\"\n\r\t|<>/")

TALK_REASON_NOTHING_FOUND = "no concrete past act found"
TALK_REASON_EMPTY = "empty statement: nothing was reported"
TALK_REASON_TIE = "no more evidence of an act than of talk"


@dataclass(frozen=True)
class Classification:
    """A suggested kind for a check-in entry and the reasons for it."""

    kind: str  # TALK or ACTION
    reasons: tuple[str, ...]


def classify(text: str) -> Classification:
    """Suggest whether ``text`` is talk or action.

    Promises: returns ``"talk"`` or ``"action"`` with at least one reason
    (at most ``MAX_REASONS``), each quoting the words it rests on; empty text
    or text with no cue is talk; runs in time linear in the length of the
    text; never raises for any string.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not text.strip():
        return Classification(TALK, (TALK_REASON_EMPTY,))

    # Same length, so positions found in `text` quote the original.
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    tokens = _tokenize(text)
    cues = [
        *_phrase_cues(text, tokens),
        *_act_cues(text, tokens),
        *_pattern_cues(text, tokens),
    ]
    return _decide(cues)


# ---------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------

_ACT = "act"  # the role of a cue found by a verb and its object


class _Token(NamedTuple):
    word: str  # lower-case, possessive "'s" removed
    start: int
    end: int
    starts_clause: bool
    is_number: bool


class _Cue(NamedTuple):
    side: str  # TALK or ACTION
    label: str
    weight: int
    role: str  # MARKER, CONTEXT, EVIDENCE or _ACT
    quote: str
    position: int

    @property
    def reason(self) -> str:
        return f"{self.label}: '{self.quote}'"


class _PhraseCue(NamedTuple):
    side: str
    label: str
    weight: int
    role: str


# First word -> (all words, payload), longest phrase first.
PhraseIndex = dict[str, list[tuple[tuple[str, ...], Any]]]


def _plurals(words: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Yield the phrase and its plural spelling (last word only)."""
    yield words
    *head, last = words
    if last.endswith(("s", "x", "ch", "sh")):
        yield (*head, last + "es")
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "o", "u"):
        yield (*head, last[:-1] + "ies")
    else:
        yield (*head, last + "s")


def _build_index(entries: Iterable[tuple[str, Any]], plurals: bool = False) -> PhraseIndex:
    """Index phrases by their first word, longest phrase first."""
    index: PhraseIndex = {}
    for phrase, payload in entries:
        words = tuple(phrase.lower().replace("-", " ").split())
        for variant in _plurals(words) if plurals else (words,):
            index.setdefault(variant[0], []).append((variant, payload))
    for candidates in index.values():
        candidates.sort(key=lambda item: -len(item[0]))
    return index


def _cue_entries() -> Iterator[tuple[str, _PhraseCue]]:
    for side, tables in ((TALK, TALK_PHRASES), (ACTION, ACTION_PHRASES)):
        for label, weight, role, phrases in tables:
            for phrase in phrases:
                yield phrase, _PhraseCue(side, label, weight, role)


_COMMUNICATION_LABELS = ("names a meeting or event", "names a communication")

# Plural spellings of verbs ("announceds") are harmless: they never occur.
_CUE_INDEX = _build_index(_cue_entries(), plurals=True)
_COMMUNICATION_INDEX = _build_index(
    (
        (phrase, label)
        for label, _, _, phrases in TALK_PHRASES
        if label in _COMMUNICATION_LABELS
        for phrase in phrases
    ),
    plurals=True,
)
_CONCRETE_INDEX = _build_index(((noun, None) for noun in CONCRETE_OBJECTS), plurals=True)
_PEOPLE, _STOPPING, _ON_OBJECT, _UNLISTED = "people", "stopping", "on object", "unlisted"
_VERB_INDEX = _build_index(
    [
        *((verb, _PEOPLE) for verb in PEOPLE_DECISIONS),
        *((verb, _STOPPING) for verb in STOPPING_ACTS),
        *((verb, _ON_OBJECT) for verb in OBJECT_ACTS),
    ]
)
# Words with a meaning of their own in the tables are never guessed as acts.
_KNOWN_WORDS = NOT_ACTS | frozenset(
    words[0]
    for index in (_CUE_INDEX, _VERB_INDEX)
    for candidates in index.values()
    for words, _ in candidates
    if len(words) == 1
)


def _tokenize(text: str) -> list[_Token]:
    """Split text into words and numbers, noting where clauses start."""
    tokens: list[_Token] = []
    previous_end = 0
    for match in _TOKEN_PATTERN.finditer(text):
        start, end = match.span()
        word = match.group().lower()
        if word.endswith("'s"):
            word = word[:-2]
        # Gaps never overlap, so scanning them keeps the pass linear.
        gap = text[previous_end:start]
        starts_clause = not tokens or any(char in _CLAUSE_BREAKS for char in gap)
        is_number = match.group("number") is not None
        tokens.append(_Token(word, start, end, starts_clause, is_number))
        previous_end = end
    return tokens


def _match_at(
    tokens: list[_Token], i: int, index: PhraseIndex, stop: int | None = None
) -> tuple[int, Any] | None:
    """Return (number of words, payload) of the longest phrase at token ``i``.

    A phrase never runs across a clause break, nor past ``stop``.
    """
    limit = len(tokens) if stop is None else stop
    for words, payload in index.get(tokens[i].word, ()):
        n = len(words)
        if i + n <= limit and all(
            tokens[i + k].word == words[k] and not tokens[i + k].starts_clause
            for k in range(1, n)
        ):
            return n, payload
    return None


def _quote(text: str, start: int, end: int, lower: bool = True) -> str:
    """The words at ``text[start:end]`` on one line, shortened if long."""
    quoted = " ".join(text[start:end].split())
    if len(quoted) > MAX_QUOTE_CHARS:
        quoted = quoted[: MAX_QUOTE_CHARS - 1] + "…"
    return quoted.lower() if lower else quoted


def _phrase_cues(text: str, tokens: list[_Token]) -> Iterator[_Cue]:
    """Cue phrases from the tables; a word belongs to the longest phrase only."""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.word.endswith("'ll"):
            quote = _quote(text, token.start, token.end)
            yield _Cue(TALK, "future tense", 4, MARKER, quote, token.start)
        found = _match_at(tokens, i, _CUE_INDEX)
        if found is None:
            i += 1
            continue
        n, cue = found
        quote = _quote(text, token.start, tokens[i + n - 1].end)
        yield _Cue(cue.side, cue.label, cue.weight, cue.role, quote, token.start)
        i += n


def _object_end(tokens: list[_Token], first: int) -> int:
    """Return the index just past the object of a verb, which starts at ``first``."""
    stop = first
    while (
        stop < len(tokens)
        and stop - first < OBJECT_MAX_WORDS
        and not tokens[stop].starts_clause
        and tokens[stop].word not in OBJECT_ENDS_AT
    ):
        stop += 1
    return stop


def _head_noun(tokens: list[_Token], start: int, stop: int, index: PhraseIndex) -> tuple[int, int] | None:
    """Return (first, last) token of the last phrase of ``index`` in ``tokens[start:stop]``.

    The last one, because an English noun phrase ends with its head: "the
    back-office staff" are staff, "the customer service charter" is a charter.
    """
    found_span = None
    i = start
    while i < stop:
        found = _match_at(tokens, i, index, stop)
        if found is None:
            i += 1
        else:
            found_span = (i, i + found[0] - 1)
            i += found[0]
    return found_span


def _is_unlisted_act(tokens: list[_Token], i: int) -> bool:
    """An unlisted "-ed" word opening a clause, like "Unbundled the warranty"."""
    token = tokens[i]
    if len(token.word) < 5 or not token.word.endswith("ed") or token.word in _KNOWN_WORDS:
        return False
    next_is_to = i + 1 < len(tokens) and tokens[i + 1].word == "to" and not tokens[i + 1].starts_clause
    return not next_is_to and (token.starts_clause or tokens[i - 1].word in SUBJECT_WORDS)


def _verb_at(tokens: list[_Token], i: int) -> tuple[int, str] | None:
    """Return (number of words, verb class) if a past-tense act starts at token ``i``."""
    if i > 0 and not tokens[i].starts_clause and tokens[i - 1].word in NOT_AN_ACT_AFTER:
        return None
    verb = _match_at(tokens, i, _VERB_INDEX)
    talk = _match_at(tokens, i, _CUE_INDEX)
    if talk is not None and talk[1].side == TALK and (verb is None or talk[0] > verb[0]):
        # A longer talk phrase owns the verb: "wrote to all staff", "called for".
        return None
    if verb is not None:
        return verb
    return (1, _UNLISTED) if _is_unlisted_act(tokens, i) else None


def _judge_act(
    verb_class: str, communication: tuple[int, int] | None, concrete: tuple[int, int] | None
) -> tuple[str, str, int, tuple[int, int] | None]:
    """Return (side, reason label, weight, object to quote) for a past-tense verb."""
    listed = verb_class != _UNLISTED
    if verb_class == _PEOPLE:
        return ACTION, "people decision", WEIGHT_CONCRETE_ACT, concrete
    if verb_class == _STOPPING:
        # Ending something is an act whatever it was: cancelling a campaign
        # changes what happens next, launching one does not yet.
        return ACTION, "stopped or removed something", WEIGHT_CONCRETE_ACT, concrete or communication
    if communication is not None:
        return TALK, "communicating is still talk", WEIGHT_COMMUNICATION_ACT, communication
    if concrete is not None:
        weight = WEIGHT_CONCRETE_ACT if listed else WEIGHT_UNLISTED_CONCRETE_ACT
        return ACTION, "past-tense act on a concrete object", weight, concrete
    return ACTION, "past-tense act", WEIGHT_BARE_ACT if listed else WEIGHT_UNLISTED_BARE_ACT, None


def _act_cues(text: str, tokens: list[_Token]) -> Iterator[_Cue]:
    """Past-tense acts, each judged together with its object."""
    for i, token in enumerate(tokens):
        found = _verb_at(tokens, i)
        if found is None:
            continue
        n, verb_class = found
        object_start = i + n
        object_stop = _object_end(tokens, object_start)
        communication = _head_noun(tokens, object_start, object_stop, _COMMUNICATION_INDEX)
        concrete = _head_noun(tokens, object_start, object_stop, _CONCRETE_INDEX)
        side, label, weight, noun = _judge_act(verb_class, communication, concrete)

        quote = _quote(text, token.start, tokens[object_start - 1].end)
        if noun is not None:
            joiner = " " if noun[0] == object_start else " … "
            quote += joiner + _quote(text, tokens[noun[0]].start, tokens[noun[1]].end)
        yield _Cue(side, label, weight, _ACT, quote, token.start)


def _pattern_cues(text: str, tokens: list[_Token]) -> Iterator[_Cue]:
    """Links, references, money and dates, then counts not already part of those."""
    # One flag per character: checking and marking a span costs its length,
    # and the spans one pattern finds never overlap each other.
    taken = bytearray(len(text))
    patterns = (
        (LINK_PATTERN, "links to evidence", 2),
        (REFERENCE_PATTERN, "cites a reference", 2),
        (CODE_PATTERN, "cites a reference", 2),
        (MONEY_PATTERN, "gives an amount of money", 1),
        (DATE_PATTERN, "names a date", 1),
    )
    for pattern, label, weight in patterns:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            quote = _quote(text, start, end, lower=False)
            yield _Cue(ACTION, label, weight, EVIDENCE, quote, start)

    for token in tokens:
        if not taken[token.start] and (token.is_number or token.word in NUMBER_WORDS):
            quote = _quote(text, token.start, token.end)
            yield _Cue(ACTION, "gives a count", 1, EVIDENCE, quote, token.start)


def _score(cues: list[_Cue], side: str, ignore_context: bool) -> int:
    """Each kind of cue counts once; each distinct act counts on its own."""
    by_label: dict[str, int] = {}
    by_act: dict[str, int] = {}
    for cue in cues:
        if cue.side != side or (ignore_context and cue.role == CONTEXT):
            continue
        if cue.role == _ACT:
            by_act[cue.quote] = max(by_act.get(cue.quote, 0), cue.weight)
        else:
            by_label[cue.label] = max(by_label.get(cue.label, 0), cue.weight)
    return sum(by_label.values()) + sum(by_act.values())


def _reasons(cues: list[_Cue]) -> list[str]:
    """Distinct reasons, strongest first, then in reading order."""
    reasons: dict[str, None] = {}
    for cue in sorted(cues, key=lambda c: (-c.weight, c.position)):
        reasons.setdefault(cue.reason)
    return list(reasons)


def _decide(cues: list[_Cue]) -> Classification:
    """Weigh the cues and explain the verdict by the cues that carried it."""
    has_concrete_act = any(
        cue.side == ACTION and cue.role == _ACT and cue.weight >= WEIGHT_UNLISTED_CONCRETE_ACT
        for cue in cues
    )
    talk = _score(cues, TALK, ignore_context=has_concrete_act)
    action = _score(cues, ACTION, ignore_context=False)

    kind = ACTION if action > talk else TALK
    winning = _reasons([cue for cue in cues if cue.side == kind])
    losing = _reasons([cue for cue in cues if cue.side != kind])
    if not winning:
        winning = [TALK_REASON_NOTHING_FOUND]
    elif kind == TALK and action == talk:
        winning.insert(0, TALK_REASON_TIE)

    outweighed = [f"outweighed: {reason}" for reason in losing[:MAX_OUTWEIGHED_REASONS]]
    reasons = winning[: MAX_REASONS - len(outweighed)] + outweighed
    return Classification(kind, tuple(reasons))
