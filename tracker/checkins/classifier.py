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
* Talk that looks like action is read as talk: a past-tense act under a
  negation ("haven't moved the team", "no one was promoted"; but "no
  longer" and "not renewed" are changes), an act inside reported speech
  ("told the town hall that we had dropped the supplier": its date and
  count go with it), preparation ("drafted", "shortlisted", "got approval",
  "hired consultants to write a report", "ran a survey") and informing
  people ("updated the leadership team on progress").
* Each kind of cue counts once (three meeting words are not three times the
  talk), each distinct act counts on its own, and once a concrete act has been
  found the meeting or email it was announced in no longer counts against it.
  Only future tense, intention or hesitation can outweigh it.
* Action must score strictly higher than talk. A tie, or nothing at all, is
  talk: talk is never counted as progress, so the benefit of the doubt goes
  the other way.

Words are looked up in dictionaries built from the tables; negation and
reported speech cover a bounded number of words each; the few regular
expressions (dates, money, references) have no nested repetition. So a 100 KB
entry is classified in linear time, and no input makes it raise.
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, overload

from tracker.phrases import (
    MONTH_PATTERN,
    NUMBER_WORDS,
    NUMERIC_DATE_PATTERN,
    WEEKDAYS,
    PhraseIndex,
    build_index,
    match_at,
)

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
    ("not done yet", 3, MARKER, (
        "on hold", "postponed", "pushed back", "deferred", "put off", "paused",
        "waiting", "awaiting", "waiting on", "waiting for", "pending", "in design",
        "in the pipeline", "close to", "nearly", "almost", "expected", "expect",
        "not yet", "as yet", "so far",
    )),
    ("says nothing changed", 3, MARKER, (
        "remains", "remain", "remained", "unchanged", "as before", "status quo",
        "stays", "stayed", "still in place",
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
        "taskforce", "working group", "steering group", "weekly call", "monthly call",
        "daily call", "conference call", "catch up", "sync", "working party", "sounding board",
        "task group", "keynote", "all hands", "town hall", "townhall",
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
        "requested", "applied for", "lobbied", "sought", "reflected", "aware",
        "made aware", "realised", "realized", "mentioned", "claimed", "stated",
        "assured", "informed", "reassured", "let know", "updated on",
    )),
    ("prepares rather than changes", 2, CONTEXT, (
        "recruiting", "recruitment", "hiring process", "tender", "tendering", "shortlist",
        "shortlisting", "survey", "surveying", "consultation", "interviewing", "interviews",
        "business case", "job description", "job advert", "job ad", "approval to",
        "sign off to", "go ahead to", "budget to", "permission to", "green light",
        "scoping", "options paper", "request for proposals", "rfp", "quotes",
        "kicked off", "kick started", "kickstarted",
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
    ("says it is live now", 2, EVIDENCE, (
        "now live", "now standard", "now the default", "now default", "is live",
        "are live", "went live", "gone live", "live since", "live from", "in force",
        "now in force", "took effect", "now in place",
    )),
    ("says it is already in effect", 1, EVIDENCE, (
        "now", "effective", "in effect", "in house", "no longer", "as of",
        "with immediate effect", "in place", "since",
    )),
    ("names a date", 1, EVIDENCE, (
        "yesterday", "last week", "last month", "last quarter", "last year",
        "this week", "this month", "earlier this week", "earlier this month",
        *WEEKDAYS,
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
    "decommissioned", "banned", "said goodbye to", "parted ways with",
    "parted company with", "took away", "took out", "did away with", "got rid of",
    "phased out", "wound down", "wound up", "pulled out of", "walked away from",
    "let lapse",
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
    "awarded", "rewarded", "called", "phoned", "visited", "refunded",
    "paid", "reimbursed", "compensated", "credited", "invested", "spent", "bought",
    "purchased", "renegotiated", "added", "created", "built", "set up",
    "established", "formed",
    "tied", "linked", "merged", "split", "restructured", "reorganised",
    "reorganized", "outsourced", "transferred", "hung", "fixed", "resolved",
    "answered", "delivered", "shipped", "upgraded", "migrated",
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
    "headcount", "contractor", "franchise", "licence", "license", "scheme",
    "compensation plan", "commission plan", "bonus plan", "incentive plan", "pay plan",
    "price plan", "pension plan", "tariff", "layer", "level", "stage", "chain", "line",
    "number", "powers", "authority", "right", "cover", "night shift", "nights", "weekends",
)

# Verbs that prepare a change without making it: nothing is different for a
# customer or an employee yet, whatever the object.
PREPARATION_ACTS: tuple[str, ...] = (
    "drafted", "redrafted", "shortlisted", "short listed", "surveyed", "polled",
    "interviewed", "scoped", "costed", "benchmarked", "consulted", "commissioned",
    "tendered", "modelled", "modeled", "researched", "prepared", "planned",
    "trained", "coached", "mentored", "upskilled", "workshopped", "brainstormed",
    "mapped", "advertised", "re advertised", "sketched", "outlined", "designed",
    "shadowed", "canvassed", "sounded out", "compiled", "collated", "drew up",
    "drawn up", "requested", "sought", "applied for", "bid for", "asked for",
)
# Verbs that bring something in: an act when what arrives is concrete ("got
# a new carrier"), preparation when it is a go-ahead or a document ("got
# approval", "received the quotes").
ACQUIRING_ACTS: tuple[str, ...] = (
    "got", "obtained", "received", "secured", "gained", "collected", "gathered", "won",
)
# Verbs of hiring that, with an adviser as object, buy advice rather than
# change who does the work: "hired consultants to write a report".
ENGAGING_ACTS: tuple[str, ...] = ("engaged", "retained", "brought in", "took on")
ADVISERS: tuple[str, ...] = (
    "consultant", "consultancy", "adviser", "advisor", "advisory firm", "recruiter",
    "headhunter", "recruitment agency", "research agency", "coach", "facilitator",
    "auditor", "law firm", "lawyer", "expert",
)
# Objects that are a step towards a change, not the change.
PREPARATION_OBJECTS: tuple[str, ...] = (
    "survey", "pulse survey", "questionnaire", "focus group", "interview", "shortlist",
    "short list", "job description", "jd", "job ad", "job advert", "job posting",
    "vacancy", "advert", "tender", "rfp", "request", "request for proposal", "quote",
    "quotation", "bid", "bidder", "business case", "model", "recommendation",
    "review", "assessment", "study", "analysis", "audit", "consultation", "plan",
    "option", "scope", "terms of reference", "candidate", "finding", "minutes",
    "summary", "update", "progress update", "figures", "results", "numbers",
    "programme", "program", "project", "initiative", "conversation", "dialogue",
    "discussion", "search", "brief", "feedback", "idea", "prototype", "mock up",
    "wireframe", "design", "pilot plan", "recap", "longlist", "long list", "overview",
    "demo", "demonstration", "walkthrough", "tour", "heads up", "talk", "job spec", "spec", "specification",
    "person spec", "role profile", "exercise", "listening exercise", "offer letter",
    "cv", "resume", "application", "applicant",
)
# What an acquiring verb brings in when it only allows a change to start.
GO_AHEADS: tuple[str, ...] = (
    "approval", "sign off", "go ahead", "permission", "green light", "mandate",
    "funding", "budget approval", "blessing", "buy in",
)
# Who is told: "updated the leadership team on progress" informs people,
# "updated the refund policy" changes a rule.
AUDIENCES: tuple[str, ...] = (
    "team", "leadership team", "exec team", "board", "staff", "all staff", "execs",
    "executives", "leadership", "leaders", "managers", "directors", "committee",
    "colleagues", "everyone", "employees", "shareholders", "investors", "union",
    "stakeholders", "sponsor", "ceo", "cfo", "coo", "md", "chair", "new starters",
    "partners", "people", "heads", "regions", "business", "organisation",
    "organization", "company", "department", "managers",
)
# Verbs that only inform when their object is an audience.
INFORMING_ACTS: tuple[str, ...] = ("updated", "briefed", "notified", "kept", "walked", "talked")
# Praise is a message whoever receives it; money or a promotion with it is
# an act of its own.
PRAISING_ACTS: tuple[str, ...] = (
    "thanked", "praised", "congratulated", "celebrated", "applauded", "commended",
    "complimented", "gave a shout out to", "shouted out",
)
# Verbs of events: an act only when what they hold is concrete ("held
# prices", "ran the new rota"), nothing on their own ("all-hands held
# Tuesday"), talk with a meeting ("held a workshop").
EVENT_ACTS: tuple[str, ...] = (
    "held", "ran", "hosted", "organised", "organized", "convened", "facilitated", "chaired",
)
# Verbs that act through the word after their object: "set the pilot live",
# "made the head of billing redundant". Nothing without such a word.
SETTING_ACTS: tuple[str, ...] = ("set", "put", "made", "turned")
SETTING_RESULTS: dict[str, tuple[str, str]] = {
    "live": ("put into effect", "stopping"),
    "redundant": ("people decision", "people"),
}
# Verbs that put a change off: "delayed the switch to the new CRM".
POSTPONING_ACTS: tuple[str, ...] = (
    "delayed", "postponed", "deferred", "paused", "shelved", "parked", "put off",
    "pushed back", "held off", "rescheduled",
)

# Words that say an act did not happen. "No longer" and "any more" are not
# here: they say a change is in effect.
NEGATIONS: frozenset[str] = frozenset((
    "not", "never", "no", "none", "nobody", "nothing", "neither", "nor", "cannot",
    "can't", "won't", "don't", "didn't", "doesn't", "haven't", "hasn't", "hadn't",
    "isn't", "aren't", "wasn't", "weren't", "couldn't", "wouldn't", "shouldn't",
    "didnt", "havent", "hasnt", "hadnt", "isnt", "arent", "wasnt", "werent", "dont",
    "doesnt", "couldnt", "wouldnt", "cant", "wont",
))
# "Yet to sign", "failed to switch": negations when "to" follows.
NEGATIONS_BEFORE_TO: frozenset[str] = frozenset(("yet", "failed", "fail", "unable"))
# Words after "no"/"not" that undo the negation: "no longer", "no more
# paper invoices", "not only", "ref no. 4471".
NOT_NEGATED_BY: frozenset[str] = frozenset(("longer", "more", "only", "just", "later"))
# Words that say the negated state is the change: "customers don't need a
# receipt any more".
IN_EFFECT_AFTER_NEGATION: frozenset[str] = frozenset(("anymore", "more", "longer"))
# Negated, these end something: "the contract was not renewed".
LAPSING_ACTS: frozenset[str] = frozenset(("renewed", "extended", "rehired", "reappointed"))
# Words that put what follows in the future, and those that do before "to".
FUTURE_WORDS: frozenset[str] = frozenset(("will", "shall", "gonna"))
FUTURE_BEFORE_TO: frozenset[str] = frozenset(("going", "about"))
# A negation covers the verbs after it up to a break, a contrast or this many words.
NEGATION_SCOPE_WORDS = 10
CONTRASTS: frozenset[str] = frozenset((
    "but", "however", "although", "though", "instead", "whereas", "while", "except",
    "meanwhile",
))

# Reported speech. After one of these verbs, an act in a "that" clause (or a
# clause with its own subject: "told staff we had cut the fee") was said,
# not done here.
SPEECH_VERBS: frozenset[str] = frozenset((
    "told", "tell", "tells", "telling", "said", "say", "says", "saying", "announced",
    "announce", "announces", "claimed", "claims", "claim", "stated", "states",
    "informed", "informs", "mentioned", "mentions", "assured", "assures", "explained",
    "explains", "boasted", "declared", "insisted", "bragged", "tweeted", "reassured",
    "reminded", "promised", "suggested", "argued", "reiterated", "stressed",
    "emphasised", "emphasized", "highlighted", "indicated", "implied", "hinted",
    "believe", "believes", "think", "thinks", "know", "knows", "aware", "heard",
    "hear", "hears", "felt", "feel", "feels", "thought",
))
# These report only with an explicit "that": "posted that we fired...".
THAT_SPEECH_VERBS: frozenset[str] = frozenset((
    "reported", "reports", "confirmed", "confirms", "wrote", "writes", "posted",
    "shared", "noted", "notes", "updated", "published", "emailed", "messaged",
    "presented", "showed", "shows", "show", "acknowledged", "admitted", "agreed",
    "accepted", "recorded", "record", "records", "read", "note", "state", "suggests",
    "indicates", "indicate", "confirm", "report",
))
# What opens the reported clause after a plain speech verb.
REPORTED_CLAUSE_OPENERS: frozenset[str] = frozenset((
    "that", "we", "we'd", "we've", "they", "they'd", "they've", "it", "it's", "it'd",
    "he", "she", "he'd", "she'd", "i", "i'd", "i've", "had", "has", "have", "was",
    "were", "been", "is", "are", "how",
))
REPORTED_FRAME_WORDS = 8
# A reported clause ends at a sentence break or where a new clause is joined.
REPORT_ENDS_AT: frozenset[str] = frozenset(("but", "however", "then", "meanwhile"))
CLAUSE_JOINERS: frozenset[str] = frozenset(("and", "but", "so", "then", "which"))

# A verb right after one of these is not a past act: "to cut", "will be
# replaced", "never refunded", "the outsourced contract" (an adjective).
NOT_AN_ACT_AFTER: frozenset[str] = frozenset((
    "to", "will", "would", "shall", "should", "could", "can", "may", "might", "must",
    "not", "never", "won't", "don't", "didn't", "doesn't", "cannot", "can't", "be",
    "being", "whether", "the", "a", "an", "our", "their", "its", "this", "that",
    "these", "those", "every", "each", "all", "any", "his", "her", "my", "your",
    "some", "no",
    # After a preposition a participle describes a noun: "on cancelled contracts".
    "on", "of", "for", "about", "from", "against", "into", "with", "without",
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
    "intended", "supposed", "used", "walked", "talked", "reflected", "realised",
    "realized", "asked",
))
SUBJECT_WORDS: frozenset[str] = frozenset(("we", "i", "they", "he", "she", "team", "hr"))

# "One" is left out: "one of our goals" counts nothing.
COUNT_WORDS: frozenset[str] = NUMBER_WORDS - {"one"}

# Weights of acts, found by the verb tables above.
WEIGHT_CONCRETE_ACT = 5
WEIGHT_COMMUNICATION_ACT = 3
WEIGHT_BARE_ACT = 2
WEIGHT_UNLISTED_CONCRETE_ACT = 3
WEIGHT_UNLISTED_BARE_ACT = 1
WEIGHT_PREPARATION_ACT = 3
WEIGHT_NEGATION = 3
WEIGHT_NEGATED_ACT = 4
WEIGHT_REPORTED = 4

MAX_REASONS = 8
MAX_QUOTE_CHARS = 60
MAX_OUTWEIGHED_REASONS = 2

# ---------------------------------------------------------------------------
# Evidence found by pattern rather than by word. Every quantifier is bounded
# or runs over a single character class, so matching stays linear.
# ---------------------------------------------------------------------------

_MONTH = MONTH_PATTERN
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s{1,3}\d{4})?"

DATE_PATTERN = re.compile(
    rf"\b{_DAY}\s{{1,3}}(?:of\s{{1,3}})?{_MONTH}(?![a-z]){_YEAR}"
    rf"|\b{_MONTH}\.?\s{{1,3}}{_DAY}\b{_YEAR}"
    rf"|\b{_MONTH}\s{{1,3}}\d{{4}}\b"
    rf"|\b{NUMERIC_DATE_PATTERN}\b",
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
# Characters that end a sentence: reported speech never runs across them.
_SENTENCE_BREAKS = frozenset(".;!?()[]\n\r|")

TALK_REASON_NOTHING_FOUND = "no concrete past act found"
TALK_REASON_EMPTY = "empty statement: nothing was reported"
TALK_REASON_TIE = "no more evidence of an act than of talk"


# How an organisation's own cue phrase counts, by the kind it points to:
# talk cues are markers (they can outweigh an act, like "will") or context
# (ignored once an act is found, like "workshop"); action cues are evidence
# (a detail an act report carries, like a date) or an act in themselves.
CUE_ROLES: dict[str, dict[str, str]] = {
    TALK: {MARKER: "marker: outweighs even an act", CONTEXT: "context: ignored once an act is found"},
    ACTION: {EVIDENCE: "evidence: a detail an act carries", "act": "act: an act in itself"},
}
CUE_WEIGHTS = range(1, 6)
ORGANISATION_CUE_LABELS = {TALK: "organisation's talk cue", ACTION: "organisation's action cue"}


class OrganisationCue(NamedTuple):
    """A cue phrase of the organisation's own, given to `classify`."""

    phrase: str
    kind: str  # TALK or ACTION
    role: str  # a key of CUE_ROLES[kind]
    weight: int


@dataclass(frozen=True)
class Classification:
    """A suggested kind for a check-in entry and the reasons for it."""

    kind: str  # TALK or ACTION
    reasons: tuple[str, ...]


def classify(text: str, organisation_cues: Iterable[OrganisationCue] = ()) -> Classification:
    """Suggest whether ``text`` is talk or action.

    ``organisation_cues`` are the organisation's own phrases, counted beside
    the built-in tables (a longer built-in phrase at the same words wins).

    Promises: returns ``"talk"`` or ``"action"`` with at least one reason
    (at most ``MAX_REASONS``), each quoting the words it rests on; empty text
    or text with no cue is talk; runs in time linear in the length of the
    text (for a given set of cues); never raises for any string.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not text.strip():
        return Classification(TALK, (TALK_REASON_EMPTY,))

    # Same length, so positions found in `text` quote the original.
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    tokens = _tokenize(text)
    negated = _negation_scopes(tokens)
    future = _future_scopes(tokens)
    reported, frames = _reported_scopes(tokens)
    cues = [
        *_phrase_cues(text, tokens),
        *_act_cues(text, tokens, negated, reported, future),
        *_pattern_cues(text, tokens),
        *_negation_cues(text, tokens, negated),
        *_reported_cues(text, tokens, frames),
        *_organisation_cues(text, tokens, organisation_cues),
    ]
    return _decide(_outside_reports(cues, text, tokens, reported))


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
    starts_sentence: bool


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


def _cue_entries() -> Iterator[tuple[str, _PhraseCue]]:
    for side, tables in ((TALK, TALK_PHRASES), (ACTION, ACTION_PHRASES)):
        for label, weight, role, phrases in tables:
            for phrase in phrases:
                yield phrase, _PhraseCue(side, label, weight, role)


_COMMUNICATION_LABELS = ("names a meeting or event", "names a communication")

# Plural spellings of verbs ("announceds") are harmless: they never occur.
_CUE_INDEX = build_index(_cue_entries(), plurals=True)
_PREPARATION_OBJECT = "preparation"
# Objects that keep an act talk: communications, events and preparation.
_TALK_OBJECT_INDEX = build_index(
    [
        *(
            (phrase, label)
            for label, _, _, phrases in TALK_PHRASES
            if label in _COMMUNICATION_LABELS
            for phrase in phrases
        ),
        *((noun, _PREPARATION_OBJECT) for noun in PREPARATION_OBJECTS),
    ],
    plurals=True,
)
_CONCRETE_INDEX = build_index(((noun, None) for noun in CONCRETE_OBJECTS), plurals=True)
_GO_AHEAD_INDEX = build_index(((noun, None) for noun in GO_AHEADS), plurals=True)
_ADVISER_INDEX = build_index(((noun, None) for noun in ADVISERS), plurals=True)
_AUDIENCE_INDEX = build_index(((noun, None) for noun in AUDIENCES), plurals=True)
_PEOPLE, _STOPPING, _ON_OBJECT, _UNLISTED = "people", "stopping", "on object", "unlisted"
_PREPARING, _ACQUIRING, _ENGAGING, _INFORMING = "preparing", "acquiring", "engaging", "informing"
_POSTPONING, _PRAISING, _EVENT, _SETTING = "postponing", "praising", "event", "setting"
_VERB_INDEX = build_index(
    [
        *((verb, _PEOPLE) for verb in PEOPLE_DECISIONS),
        *((verb, _STOPPING) for verb in STOPPING_ACTS),
        *((verb, _ON_OBJECT) for verb in OBJECT_ACTS),
        *((verb, _PREPARING) for verb in PREPARATION_ACTS),
        *((verb, _ACQUIRING) for verb in ACQUIRING_ACTS),
        *((verb, _ENGAGING) for verb in ENGAGING_ACTS),
        *((verb, _INFORMING) for verb in INFORMING_ACTS),
        *((verb, _POSTPONING) for verb in POSTPONING_ACTS),
        *((verb, _PRAISING) for verb in PRAISING_ACTS),
        *((verb, _EVENT) for verb in EVENT_ACTS),
        *((verb, _SETTING) for verb in SETTING_ACTS),
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
        starts_sentence = not tokens or any(char in _SENTENCE_BREAKS for char in gap)
        is_number = match.group("number") is not None
        tokens.append(_Token(word, start, end, starts_clause, is_number, starts_sentence))
        previous_end = end
    return tokens


class _Words(Sequence[str]):
    """The words of the tokens, as the phrase engine reads them."""

    __slots__ = ("tokens",)

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens

    def __len__(self) -> int:
        return len(self.tokens)

    @overload
    def __getitem__(self, k: int) -> str: ...
    @overload
    def __getitem__(self, k: slice) -> list[str]: ...

    def __getitem__(self, k: int | slice) -> str | list[str]:
        if isinstance(k, slice):
            return [token.word for token in self.tokens[k]]
        return self.tokens[k].word


def _match_at(
    tokens: list[_Token], i: int, index: PhraseIndex, stop: int | None = None
) -> tuple[int, Any] | None:
    """Return (number of words, payload) of the longest phrase at token ``i``.

    A phrase never runs across a clause break, nor past ``stop``.
    """
    return match_at(_Words(tokens), i, index, joins=lambda k: not tokens[k].starts_clause, stop=stop)


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


def _organisation_cues(
    text: str, tokens: list[_Token], cues: Iterable[OrganisationCue]
) -> Iterator[_Cue]:
    """The organisation's own phrases found in the text, each as a cue of its role."""
    index = build_index(
        (
            (cue.phrase, _PhraseCue(cue.kind, ORGANISATION_CUE_LABELS[cue.kind], cue.weight,
                                    _ACT if cue.role == "act" else cue.role))
            for cue in cues
            if cue.kind in CUE_ROLES and cue.role in CUE_ROLES[cue.kind] and cue.phrase.split()
        ),
        plurals=True,
    )
    if not index:
        return
    i = 0
    while i < len(tokens):
        found = _match_at(tokens, i, index)
        if found is None:
            i += 1
            continue
        n, cue = found
        quote = _quote(text, tokens[i].start, tokens[i + n - 1].end)
        yield _Cue(cue.side, cue.label, cue.weight, cue.role, quote, tokens[i].start)
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


def _head_noun(
    tokens: list[_Token], start: int, stop: int, index: PhraseIndex
) -> tuple[int, int, Any] | None:
    """Return (first, last, payload) of the last phrase of ``index`` in ``tokens[start:stop]``.

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
            found_span = (i, i + found[0] - 1, found[1])
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


_Span = tuple[int, int, Any] | None


def _later(first: _Span, second: _Span) -> bool:
    """True when noun ``first`` heads the object rather than ``second``.

    The head is the noun that ends last; of two ending on the same word, the
    longer ("compensation plan" over "plan"), and ``first`` on a tie.
    """
    if first is None:
        return False
    return second is None or first[1] > second[1] or (first[1] == second[1] and first[0] <= second[0])


def _judge_act(
    verb_class: str, objects: dict[str, _Span]
) -> tuple[str, str, int, _Span]:
    """Return (side, reason label, weight, object to quote) for a past-tense verb.

    ``objects`` holds the last talk object (communication, event or
    preparation), concrete object, adviser and audience in the verb's object.
    """
    talk_noun, concrete = objects["talk"], objects["concrete"]
    listed = verb_class != _UNLISTED
    if verb_class == _POSTPONING:
        return TALK, "put off, so not done", WEIGHT_NEGATED_ACT, talk_noun or concrete
    if verb_class == _ACQUIRING and _later(objects["go ahead"], concrete):
        return TALK, "prepares rather than changes", WEIGHT_PREPARATION_ACT, objects["go ahead"]
    if verb_class == _PRAISING:
        return TALK, "praise is still talk", WEIGHT_COMMUNICATION_ACT, objects["audience"] or concrete
    if verb_class == _PREPARING:
        return TALK, "prepares rather than changes", WEIGHT_PREPARATION_ACT, talk_noun or concrete
    if verb_class in (_PEOPLE, _ENGAGING) and objects["adviser"] is not None:
        return TALK, "buys advice rather than changes", WEIGHT_PREPARATION_ACT, objects["adviser"]
    if verb_class == _PEOPLE:
        return ACTION, "people decision", WEIGHT_CONCRETE_ACT, concrete
    if verb_class == _STOPPING:
        # Ending something is an act whatever it was: cancelling a campaign
        # changes what happens next, launching one does not yet.
        return ACTION, "stopped or removed something", WEIGHT_CONCRETE_ACT, concrete or talk_noun
    if verb_class == _INFORMING and _later(objects["audience"], concrete):
        return TALK, "communicating is still talk", WEIGHT_COMMUNICATION_ACT, objects["audience"]
    if verb_class in (_ENGAGING, _INFORMING, _EVENT) and concrete is None and talk_noun is None:
        return TALK, "", 0, None  # no act, and nothing worth a reason
    if _later(talk_noun, concrete):
        assert talk_noun is not None
        if talk_noun[2] == _PREPARATION_OBJECT:
            return TALK, "prepares rather than changes", WEIGHT_PREPARATION_ACT, talk_noun
        return TALK, "communicating is still talk", WEIGHT_COMMUNICATION_ACT, talk_noun
    if verb_class == _ACQUIRING and concrete is None:
        return TALK, "", 0, None
    if concrete is not None:
        weight = WEIGHT_CONCRETE_ACT if listed else WEIGHT_UNLISTED_CONCRETE_ACT
        return ACTION, "past-tense act on a concrete object", weight, concrete
    return ACTION, "past-tense act", WEIGHT_BARE_ACT if listed else WEIGHT_UNLISTED_BARE_ACT, None


def _is_negation(tokens: list[_Token], i: int) -> bool:
    """True when token ``i`` says something did not happen."""
    word = tokens[i].word
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if word in NEGATIONS_BEFORE_TO:
        return following is not None and following.word == "to" and not following.starts_clause
    if word not in NEGATIONS:
        return False
    if word == "not" and i > 0 and tokens[i].starts_clause:
        return False  # "paid on renewals, not sign-ups": a contrast, not a denial
    if following is None or following.starts_clause:
        return word != "no"  # "ref no. 4471", a bare "No." heading
    return following.word not in NOT_NEGATED_BY and not (word == "no" and following.is_number)


def _is_future(tokens: list[_Token], i: int) -> bool:
    """True when token ``i`` puts what follows in the future: "we'll have it done"."""
    word = tokens[i].word
    if word in FUTURE_WORDS or word.endswith("'ll"):
        return True
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    return (
        word in FUTURE_BEFORE_TO
        and following is not None
        and following.word == "to"
        and not following.starts_clause
    )


def _future_scopes(tokens: list[_Token]) -> list[int]:
    """For each token, the index of the future marker that covers it, or -1.

    Like a negation, "will" covers the words after it up to a clause break,
    a contrast or ``NEGATION_SCOPE_WORDS`` words: "we'll have the supplier
    onboarded by June" onboards nobody yet.
    """
    return _scopes(tokens, _is_future, in_effect_undoes=False)


def _negation_scopes(tokens: list[_Token]) -> list[int]:
    """For each token, the index of the negation that covers it, or -1.

    A negation covers the words after it up to a clause break, a contrast
    ("but", "instead") or ``NEGATION_SCOPE_WORDS`` words; one whose clause
    ends in "any more" says what no longer happens, a change in effect, and
    covers nothing.
    """
    return _scopes(tokens, _is_negation, in_effect_undoes=True)


def _scopes(tokens: list[_Token], opens: Any, *, in_effect_undoes: bool) -> list[int]:
    """For each token, the index of the opener (``opens(tokens, i)``) covering it, or -1.

    Each token is looked at a bounded number of times, so the pass is linear.
    """
    covered = [-1] * len(tokens)
    i = 0
    while i < len(tokens):
        if not opens(tokens, i):
            i += 1
            continue
        stop = i + 1
        while (
            stop < len(tokens)
            and stop - i <= NEGATION_SCOPE_WORDS
            and not tokens[stop].starts_clause
            and tokens[stop].word not in CONTRASTS
        ):
            stop += 1
        in_effect = in_effect_undoes and any(
            tokens[k].word in IN_EFFECT_AFTER_NEGATION and tokens[k - 1].word in ("any", "no")
            or tokens[k].word == "anymore"
            for k in range(i + 1, stop)
        )
        if not in_effect:
            covered[i] = i
            for k in range(i + 1, stop):
                covered[k] = i
        i = stop if stop > i + 1 else i + 1
    return covered


def _reported_scopes(tokens: list[_Token]) -> tuple[list[int], list[tuple[int, int]]]:
    """Find reported speech: "told the town hall that we had dropped X".

    Returns, for each token, the index of the speech verb whose reported
    clause holds it (or -1), and the (speech verb, clause opener) pairs for
    quoting. A reported clause opens at "that", or after a plain speech verb
    at a subject or auxiliary ("told staff we had cut"), within
    ``REPORTED_FRAME_WORDS`` words, and runs to the end of the sentence or
    to a new joined clause (", and it ended that day"). Linear: a clause
    resumes scanning where it ended.
    """
    covered = [-1] * len(tokens)
    frames: list[tuple[int, int]] = []
    n = len(tokens)
    i = 0
    while i < n:
        word = tokens[i].word
        plain = word in SPEECH_VERBS
        if not plain and word not in THAT_SPEECH_VERBS:
            i += 1
            continue
        opener = None
        for k in range(i + 1, min(n, i + 1 + REPORTED_FRAME_WORDS)):
            if tokens[k].starts_sentence:
                break
            if tokens[k].word == "that" or (plain and tokens[k].word in REPORTED_CLAUSE_OPENERS):
                opener = k
                break
        if opener is None:
            i += 1
            continue
        stop = opener + 1
        while stop < n and not (
            tokens[stop].starts_sentence
            or tokens[stop].word in REPORT_ENDS_AT
            or (tokens[stop].starts_clause and tokens[stop].word in CLAUSE_JOINERS)
        ):
            stop += 1
        frames.append((i, opener))
        for k in range(opener, stop):
            covered[k] = i
        i = stop
    return covered, frames


def _act_cues(
    text: str, tokens: list[_Token], negated: list[int], reported: list[int], future: list[int]
) -> Iterator[_Cue]:
    """Past-tense acts, each judged together with its object.

    An act under a negation is no act ("haven't moved the team"), except
    that not renewing something ends it; an act inside reported speech is
    left to the cue for the report itself.
    """
    for i, token in enumerate(tokens):
        if reported[i] >= 0:
            continue
        if negated[i] >= 0 and token.word in LAPSING_ACTS:
            first = tokens[negated[i]]
            quote = _quote(text, first.start, token.end)
            yield _Cue(ACTION, "let it lapse", WEIGHT_CONCRETE_ACT, _ACT, quote, first.start)
            continue
        found = _verb_at(tokens, i)
        if found is None:
            continue
        n, verb_class = found
        object_start = i + n
        object_stop = _object_end(tokens, object_start)
        if negated[i] >= 0:
            first = tokens[negated[i]]
            joiner = " " if negated[i] + 1 == i else " … "
            quote = _quote(text, first.start, first.end) + joiner + _quote(text, token.start, token.end)
            yield _Cue(TALK, "negated, so not done", WEIGHT_NEGATED_ACT, MARKER, quote, first.start)
            continue
        objects = {
            "talk": _head_noun(tokens, object_start, object_stop, _TALK_OBJECT_INDEX),
            "concrete": _head_noun(tokens, object_start, object_stop, _CONCRETE_INDEX),
            "adviser": _head_noun(tokens, object_start, object_stop, _ADVISER_INDEX),
            "audience": _head_noun(tokens, object_start, object_stop, _AUDIENCE_INDEX),
            "go ahead": _head_noun(tokens, object_start, object_stop, _GO_AHEAD_INDEX),
        }
        # "kept the teams updated on the review": informing with no object.
        if (
            verb_class == _INFORMING
            and object_start == object_stop < len(tokens)
            and tokens[object_stop].word in ("on", "about")
            and not tokens[object_stop].starts_clause
        ):
            objects["audience"] = (object_stop, object_stop, None)
        if verb_class == _SETTING:
            result = next(
                (SETTING_RESULTS[tokens[k].word] for k in range(object_start, object_stop)
                 if tokens[k].word in SETTING_RESULTS),
                None,
            )
            if result is None:
                continue
            side, label, weight, noun = ACTION, result[0], WEIGHT_CONCRETE_ACT, objects["concrete"]
        else:
            side, label, weight, noun = _judge_act(verb_class, objects)
        if not weight:
            continue
        if side == ACTION and future[i] >= 0:
            first = tokens[future[i]]
            quote = _quote(text, first.start, first.end) + " … " + _quote(text, token.start, token.end)
            yield _Cue(TALK, "future tense", WEIGHT_NEGATED_ACT, MARKER, quote, first.start)
            continue

        quote = _quote(text, token.start, tokens[object_start - 1].end)
        if noun is not None and noun[0] >= object_start:
            joiner = " " if noun[0] == object_start else " … "
            quote += joiner + _quote(text, tokens[noun[0]].start, tokens[noun[1]].end)
        yield _Cue(side, label, weight, _ACT, quote, token.start)


def _negation_cues(text: str, tokens: list[_Token], negated: list[int]) -> Iterator[_Cue]:
    """Each negation, as a reason on its own: "no one", "nothing changed"."""
    for i, token in enumerate(tokens):
        if negated[i] == i:
            quote = _quote(text, token.start, token.end)
            yield _Cue(TALK, "says it did not happen", WEIGHT_NEGATION, MARKER, quote, token.start)


def _reported_cues(text: str, tokens: list[_Token], frames: list[tuple[int, int]]) -> Iterator[_Cue]:
    """Each reported-speech frame: saying that something happened is talk."""
    for verb, opener in frames:
        first, last = tokens[verb], tokens[opener]
        joiner = " " if opener == verb + 1 else " … "
        quote = _quote(text, first.start, first.end) + joiner + _quote(text, last.start, last.end)
        yield _Cue(TALK, "reports that it happened", WEIGHT_REPORTED, MARKER, quote, first.start)


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
        if not taken[token.start] and (token.is_number or token.word in COUNT_WORDS):
            quote = _quote(text, token.start, token.end)
            yield _Cue(ACTION, "gives a count", 1, EVIDENCE, quote, token.start)


def _outside_reports(cues: list[_Cue], text: str, tokens: list[_Token], reported: list[int]) -> list[_Cue]:
    """Drop the evidence of an act that was only reported: its date, count or amount."""
    inside = bytearray(len(text))
    for token, verb in zip(tokens, reported, strict=True):
        if verb >= 0:
            inside[token.start : token.end] = b"\x01" * (token.end - token.start)
    return [cue for cue in cues if cue.side == TALK or not inside[cue.position]]


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
