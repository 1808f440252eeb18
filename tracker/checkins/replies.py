"""Check-ins by email reply.

Reminders (and the digest's open check-ins) carry a reply address unique to
the check-in, `checkin+<check-in id>.<signature>@<REPLY_DOMAIN>`. The
signature is an HMAC of the check-in and its owner under the app's secret
key, so an address cannot be guessed, names one check-in, and stops working
when the initiative changes hands. It is accepted only from the owner's own
address and only until the check-in's grace period is over.

`receive_reply` is the one way in for both the SMTP/LMTP receiver
(`flask mail receive`) and the inbound-mail webhook: it takes the message's
bytes and `now`, records what it may, queues the answer in the outbox, and
says what it did. Each line of the reply becomes an entry, classified by the
classifier with its reasons; the date, the person and the evidence are read
from the line (`read_line`). The check-in is submitted unless an action lacks
a date or evidence: then the reply is kept as a draft and the confirmation
asks for what is missing; the next reply completes it. A reply to a submitted
check-in adds its lines as amendments.

Flushes; the caller commits once, and the outbox sends after the commit.
"""

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker import email
from tracker.accounts.models import User
from tracker.checkins import services
from tracker.checkins.classifier import (
    CODE_PATTERN,
    DATE_PATTERN,
    LINK_PATTERN,
    REFERENCE_PATTERN,
    OrganisationCue,
    classify,
)
from tracker.checkins.cues import active_cues
from tracker.checkins.models import CheckIn, Reply
from tracker.extensions import db
from tracker.inbound_mail import Inbound, parse
from tracker.initiatives.models import Initiative
from tracker.organisation.services import get_settings
from tracker.organisation.services import today as organisation_today
from tracker.outbox import services as outbox
from tracker.phrases import MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS

# 26 base32 characters: 130 bits of the HMAC. Lower case, because some mail
# systems fold the case of an address's local part.
TOKEN_CHARS = 26
ADDRESS = re.compile(r"^checkin\+(\d{1,10})\.([a-z2-7]{" + str(TOKEN_CHARS) + r"})@(.+)$")
MAX_LINES = services.MAX_ENTRIES

_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")
_KIND_PREFIX = re.compile(r"^(talk|action)\s*[:\-–]\s*", re.IGNORECASE)
_DONE_BY = re.compile(r"\bby\s+([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})")
_NOT_NAMES = frozenset(("The", "Then", "End", "Next", "Now", "Email", "Phone", "Hand", "Law"))
_MONTH_NUMBERS = {name: number for number, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBERS.update({abbreviation: _MONTH_NUMBERS[next(m for m in MONTHS if m.startswith(abbreviation[:3]))]
                       for abbreviation in MONTH_ABBREVIATIONS})
_RELATIVE_DAY = re.compile(r"\b(today|yesterday|" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)

MISSING_DATE = "the date it happened (for example 'on 3 May')"
MISSING_EVIDENCE = "evidence: a link, or a reference such as 'ref LGL-0412'"


# ---------------------------------------------------------------------------
# Reply addresses
# ---------------------------------------------------------------------------


def _signature(checkin_id: int, owner_id: int) -> str:
    key = current_app.config["SECRET_KEY"]
    key_bytes = key if isinstance(key, bytes) else str(key).encode()
    digest = hmac.new(key_bytes, f"checkin-reply:{checkin_id}:{owner_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:TOKEN_CHARS]


def reply_address(checkin: CheckIn) -> str | None:
    """The address a reply about `checkin` goes to; None when no REPLY_DOMAIN is set."""
    domain = current_app.config.get("REPLY_DOMAIN")
    if not domain:
        return None
    token = f"{checkin.id}.{_signature(checkin.id, checkin.initiative.owner_id)}"
    return f"checkin+{token}@{domain}"


def is_reply_address(address: str) -> bool:
    """`address` has the shape of a reply address at our REPLY_DOMAIN (the
    signature is checked later, against the check-in's owner)."""
    domain = (current_app.config.get("REPLY_DOMAIN") or "").lower()
    found = ADDRESS.match(address.strip().lower())
    return bool(domain and found and found.group(3) == domain)


def checkin_for_address(address: str) -> CheckIn | None:
    """The check-in a reply address names, if its signature is right."""
    if not is_reply_address(address):
        return None
    found = ADDRESS.match(address.strip().lower())
    assert found is not None
    checkin_id = int(found.group(1))
    if checkin_id > 2_147_483_647:
        return None
    checkin = db.session.scalar(select(CheckIn).where(CheckIn.id == checkin_id).options(
        selectinload(CheckIn.initiative).selectinload(Initiative.owner)))
    if checkin is None:
        return None
    expected = _signature(checkin.id, checkin.initiative.owner_id)
    return checkin if hmac.compare_digest(expected, found.group(2)) else None


def open_until(checkin: CheckIn, grace_days: int) -> date:
    """The last day (the organisation's) a reply about `checkin` is taken."""
    return checkin.due_on + timedelta(days=grace_days)


# ---------------------------------------------------------------------------
# Reading a line
# ---------------------------------------------------------------------------


@dataclass
class Line:
    """What one line of a reply says, as it would be entered on the form."""

    text: str
    kind: str
    suggested_kind: str
    reasons: list[str]
    happened_on: date | None = None
    done_by: str = ""
    evidence: str = ""
    problem: str = ""  # a rule the entry breaks (the services' own words)

    @property
    def missing(self) -> list[str]:
        """What an action still needs before the check-in can be submitted."""
        if self.kind != "action":
            return []
        return ([MISSING_DATE] if self.happened_on is None else []) + \
               ([MISSING_EVIDENCE] if not self.evidence else [])

    @property
    def complete(self) -> bool:
        return not self.missing and not self.problem

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind, "suggested_kind": self.suggested_kind,
                "reasons": self.reasons, "done_by": self.done_by, "evidence": self.evidence,
                "happened_on": self.happened_on.isoformat() if self.happened_on else None,
                "problem": self.problem}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Line":
        happened = data.get("happened_on")
        return cls(text=data["text"], kind=data["kind"], suggested_kind=data["suggested_kind"],
                   reasons=list(data.get("reasons") or []), done_by=data.get("done_by") or "",
                   evidence=data.get("evidence") or "",
                   happened_on=date.fromisoformat(happened) if happened else None)

    def as_entry(self) -> services.EntryInput:
        return services.EntryInput(kind=self.kind, text=self.text, happened_on=self.happened_on,
                                   done_by=self.done_by, evidence=self.evidence)


def read_line(raw: str, *, today: date, owner_name: str, cues: Sequence[OrganisationCue] = ()) -> Line:
    """One line of a reply as an entry: the classifier's kind and reasons
    (or the kind the owner wrote first, 'talk:' or 'action:'), the date it
    names, the person it says did it (else the owner) and its evidence (a
    link, or a reference as the classifier finds them)."""
    text = _BULLET.sub("", raw).strip()
    chosen = None
    if prefix := _KIND_PREFIX.match(text):
        chosen, text = prefix.group(1).lower(), text[prefix.end():].strip()
    suggestion = classify(text, cues)
    kind = chosen or suggestion.kind
    line = Line(text=text, kind=kind, suggested_kind=suggestion.kind, reasons=list(suggestion.reasons))
    if kind == "action":
        line.happened_on = date_in(text, today)
        line.evidence = evidence_in(text)
        line.done_by = person_in(text) or owner_name
    return line


def date_in(text: str, today: date) -> date | None:
    """The day `text` names: '3 May', 'May 3rd, 2026', '2026-05-03', '13/5/2026',
    'yesterday', 'on Tuesday'. A day without a year is its latest one up to
    `today`. None when no day is named, or '4/5/2026' could be either."""
    found = DATE_PATTERN.search(text)
    if found:
        return _as_date(found.group(0), today)
    relative = _RELATIVE_DAY.search(text)
    if relative is None:
        return None
    word = relative.group(1).lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    return today - timedelta(days=(today.weekday() - WEEKDAYS.index(word)) % 7)


def _as_date(written: str, today: date) -> date | None:
    written = written.lower()
    try:
        if iso := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", written):
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if slashed := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", written):
            first, second, number = (int(part) for part in slashed.groups())
            number += 2000 if number < 100 else 0
            if first > 12 or first == second:
                return date(number, second, first)
            if second > 12:
                return date(number, first, second)
            return None  # 4/5: April or May, depending on who wrote it
    except ValueError:
        return None
    day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b(?!\d)", written)
    month = re.search(r"[a-z]+", written.replace("of", " "))
    year = re.search(r"\b(\d{4})\b", written)
    if day is None or month is None or month.group(0) not in _MONTH_NUMBERS:
        return None  # a month without a day ("May 2026") names no day
    if year and day.start() == year.start():
        return None
    number = _MONTH_NUMBERS[month.group(0)]
    try:
        if year:
            return date(int(year.group(1)), number, int(day.group(1)))
        this_year = date(today.year, number, int(day.group(1)))
        return this_year if this_year <= today else date(today.year - 1, number, int(day.group(1)))
    except ValueError:
        return None  # 31 April


def evidence_in(text: str) -> str:
    """The link or reference `text` cites, as the check-in form takes it; "" when none."""
    for pattern in (LINK_PATTERN, REFERENCE_PATTERN, CODE_PATTERN):
        found = pattern.search(text)
        if found:
            evidence = found.group(0).rstrip(".,;:)!?'\"").strip()
            if len(evidence) <= services.MAX_EVIDENCE and services.evidence_kind(evidence):
                return evidence
    return ""


def person_in(text: str) -> str:
    """Who the line says did it ('… by Priya Shah'); "" when it names nobody."""
    for found in _DONE_BY.finditer(text):
        name = found.group(1)
        first = name.split()[0]
        if first not in _NOT_NAMES and first.lower() not in _MONTH_NUMBERS \
                and first.lower() not in WEEKDAYS:
            return name[:services.MAX_DONE_BY]
    return ""


# ---------------------------------------------------------------------------
# Receiving a reply
# ---------------------------------------------------------------------------

# What became of a message (`Received.outcome`):
#   submitted, draft, amended, empty  - the owner's reply, recorded (a Reply row)
#   duplicate      - the same Message-ID was processed before: nothing more done
#   too_large      - refused before reading (the SMTP receiver refuses it with 552)
#   not_ours       - no valid reply address: nothing stored, nothing answered
#   automatic      - an out-of-office, auto-reply or bounce: ignored, never answered
#   spam           - marked as spam before us: dropped, never answered
#   wrong_sender   - not from the owner's own address: nothing stored, a polite bounce
#   expired        - the check-in's grace period is over: nothing stored, a polite bounce
RECORDED = ("submitted", "draft", "amended", "empty")


class DeliveredTwiceAtOnce(Exception):
    """The same Message-ID is being recorded by another process at this very
    moment. Nothing of this delivery may stay: the caller rolls back and asks
    the sender to try again later, when it will find the message recorded."""


@dataclass(frozen=True)
class Received:
    outcome: str
    checkin_id: int | None = None
    reply_id: int | None = None


def receive_reply(raw: bytes, *, now: datetime, envelope_from: str | None = None,
                  envelope_to: Sequence[str] = ()) -> Received:
    """Process one message that came in as a reply (its bytes as received),
    at `now`. `envelope_from` and `envelope_to` are the SMTP envelope's when
    the way in knows them. Records the owner's reply at most once per
    Message-ID, queues the confirmation or the polite bounce in the outbox,
    and says what it did. Never raises for anything in the message; raises
    DeliveredTwiceAtOnce when the same message is being recorded at this
    moment (the caller rolls back). Flushes; the caller commits."""
    if len(raw) > current_app.config["INBOUND_MAIL_MAX_BYTES"]:
        return Received("too_large")
    inbound = parse(raw, envelope_from=envelope_from, envelope_to=envelope_to)
    checkin = next((c for c in map(checkin_for_address, inbound.recipients) if c is not None), None)
    if checkin is None:
        return Received("not_ours")
    if inbound.spam:
        return Received("spam", checkin.id)
    if inbound.automatic:
        return Received("automatic", checkin.id)
    owner = checkin.initiative.owner
    own_address = owner.email.strip().lower()
    if (inbound.forged or not owner.active or inbound.sender != own_address
            or inbound.return_path not in (None, own_address)):
        _refuse(inbound, "wrong_sender", checkin, now=now)
        return Received("wrong_sender", checkin.id)
    settings = get_settings()
    today = organisation_today(now, settings)
    if checkin.state == "missed" or today > open_until(checkin, settings.grace_days):
        _refuse(inbound, "expired", checkin, now=now, until=open_until(checkin, settings.grace_days))
        return Received("expired", checkin.id)
    if db.session.scalar(select(Reply.id).where(Reply.message_id == inbound.message_id)) is not None:
        return Received("duplicate", checkin.id)
    reply = Reply(message_id=inbound.message_id, checkin_id=checkin.id, sender=inbound.sender,
                  outcome="empty", lines=[], attachments=list(inbound.attachments), received_at=now)
    db.session.add(reply)
    try:
        # Not in a savepoint: on SQLite, releasing a savepoint that opened the
        # transaction commits it, and the reply would count as processed even
        # if what follows failed and its sender was told to try again.
        db.session.flush()
    except IntegrityError:
        # The same message is being processed at this moment (a mail server
        # delivering it twice at once): the caller rolls back, the sender retries.
        raise DeliveredTwiceAtOnce(inbound.message_id) from None
    # Replies about one check-in are recorded one after another (a row lock on
    # PostgreSQL; on SQLite the insert above waited for the one writer): a
    # reply processed while another submits the check-in sees it submitted
    # once that one commits, and is added as an amendment.
    db.session.execute(select(CheckIn.id).where(CheckIn.id == checkin.id).with_for_update(key_share=True))
    db.session.refresh(checkin)
    _record(reply, checkin, owner, inbound, now=now, today=today)
    return Received(reply.outcome, checkin.id, reply.id)


def _record(reply: Reply, checkin: CheckIn, owner: User, inbound: Inbound, *, now: datetime,
            today: date) -> None:
    cues = active_cues()
    raw_lines = [line for line in inbound.text.split("\n") if line.strip()]
    lines = [read_line(line, today=today, owner_name=owner.display_name, cues=cues)
             for line in raw_lines[:MAX_LINES]]
    problems = []
    if len(raw_lines) > MAX_LINES:
        problems.append(f"Only the first {MAX_LINES} lines were read; a check-in holds at most "
                        f"{MAX_LINES} entries.")
    kept: list[Line] = []
    if checkin.state == "submitted":
        outcome = _amend(checkin, owner, lines, now=now, today=today) if lines else "empty"
    else:
        # A line written again in full replaces its earlier copy.
        kept = [line for line in _draft_lines(checkin, reply) if line.text not in {n.text for n in lines}]
        outcome = _submit(checkin, owner, kept + lines, now=now, today=today) if lines else "empty"
        if outcome == "empty" and kept:
            outcome = "draft"
    reply.outcome = outcome
    reply.lines = [line.as_dict() for line in kept + lines]
    db.session.flush()
    _confirm(reply, checkin, owner, inbound, kept=len(kept), lines=kept + lines, problems=problems, now=now)


def email_draft(checkin: CheckIn) -> tuple[Reply, list[Line]] | None:
    """The draft an emailed reply left on `checkin` and its lines, if its
    latest reply was kept as a draft and the check-in is still open: what
    the check-in page fills its form with."""
    if checkin.state != "open":
        return None
    latest = db.session.scalar(select(Reply).where(Reply.checkin_id == checkin.id)
                               .order_by(Reply.id.desc()).limit(1))
    if latest is None or latest.outcome != "draft":
        return None
    return latest, [Line.from_dict(data) for data in latest.lines]


def _draft_lines(checkin: CheckIn, reply: Reply) -> list[Line]:
    """The complete lines of the check-in's draft, if its latest reply left one:
    they stand, and the lines of this reply take the place of the incomplete ones."""
    latest = db.session.scalar(select(Reply).where(Reply.checkin_id == checkin.id, Reply.id != reply.id)
                               .order_by(Reply.id.desc()).limit(1))
    if latest is None or latest.outcome != "draft":
        return []
    lines = [Line.from_dict(data) for data in latest.lines]
    return [line for line in lines if line.complete]


def _submit(checkin: CheckIn, owner: User, lines: list[Line], *, now: datetime, today: date) -> str:
    """Submit the check-in with `lines`, unless one is incomplete or refused: "submitted" or "draft"."""
    if not all(line.complete for line in lines):
        return "draft"
    try:
        with db.session.begin_nested():
            services.submit_checkin(checkin, actor=owner, entries=[line.as_entry() for line in lines],
                                    now=now, today=today)
    except services.CheckInError as refused:
        _blame(lines, refused)
        return "draft"
    return "submitted"


def _amend(checkin: CheckIn, owner: User, lines: list[Line], *, now: datetime, today: date) -> str:
    """Add each complete line to the submitted check-in as an amendment; the
    others are reported back with what they lack. "amended" if any was added."""
    added = 0
    for line in lines:
        if not line.complete:
            continue
        try:
            with db.session.begin_nested():
                services.amend(checkin, actor=owner, data=line.as_entry(), amends_id=None,
                               note=f"Added by email reply on {today:%d %b %Y}", now=now, today=today)
        except services.CheckInError as refused:
            line.problem = " ".join(problem.message for problem in refused.errors)
        else:
            added += 1
    return "amended" if added else "draft"


def _blame(lines: list[Line], refused: services.CheckInError) -> None:
    for problem in refused.errors:
        found = re.match(r"entries-(\d+)-", problem.field or "")
        if found and int(found.group(1)) < len(lines):
            line = lines[int(found.group(1))]
            line.problem = f"{line.problem} {problem.message}".strip()
        else:
            for line in lines:
                line.problem = f"{line.problem} {problem.message}".strip()


def _confirm(reply: Reply, checkin: CheckIn, owner: User, inbound: Inbound, *, kept: int,
             lines: list[Line], problems: list[str], now: datetime) -> None:
    initiative = checkin.initiative
    context = {"reply": reply, "checkin": checkin, "initiative": initiative, "lines": lines, "kept": kept,
               "problems": problems, "attachments": reply.attachments,
               "link": email.public_url("checkins.detail", checkin_id=checkin.id)}
    subjects = {"submitted": "Check-in submitted", "draft": "Check-in kept as a draft: something is missing",
                "amended": "Check-in amended", "empty": "Nothing recorded from your reply"}
    if reply.outcome == "draft" and checkin.state == "submitted":
        subjects["draft"] = "Nothing added to your check-in: something is missing"
    outbox.enqueue(outbox.Mail(
        kind="reply", key=f"reply:{reply.id}", recipient=owner.email,
        subject=f"{subjects[reply.outcome]}: {initiative.title}",
        text=render_template("email/reply_confirmation.txt", **context),
        html=render_template("email/reply_confirmation.html", **context),
        message_id=f"<reply-{reply.id}@burning-platform.local>",
        headers=_answer_headers(inbound, reply_address(checkin)),
    ), now=now)


def _refuse(inbound: Inbound, reason: str, checkin: CheckIn, *, now: datetime,
            until: date | None = None) -> None:
    """A polite bounce to whoever sent it, saying why nothing was recorded:
    at most one per address, reason and day, so a forger cannot make us
    send a stream of mail to someone else. Never to an empty return path."""
    to = inbound.bounce_to
    if not to or "@" not in to:
        return
    context = {"reason": reason, "checkin": checkin, "until": until, "inbound": inbound,
               "link": email.public_url("checkins.mine")}
    digest = hashlib.sha256(to.encode()).hexdigest()[:24]
    outbox.enqueue(outbox.Mail(
        kind="reply", key=f"reply-refused:{digest}:{reason}:{now:%Y-%m-%d}", recipient=to,
        subject="Your reply was not recorded",
        text=render_template("email/reply_refused.txt", **context),
        message_id=f"<reply-refused-{digest[:12]}-{reason}-{now:%Y%m%d}@burning-platform.local>",
        headers=_answer_headers(inbound, None),
    ), now=now)


def _answer_headers(inbound: Inbound, reply_to: str | None) -> dict[str, str]:
    """An answer threads under the message it answers, and says it was sent
    automatically (RFC 3834), so an out-of-office does not answer it back."""
    headers = {"Auto-Submitted": "auto-replied"}
    if inbound.message_id.startswith("<") and not inbound.message_id.startswith("<sha256-"):
        headers.update({"In-Reply-To": inbound.message_id, "References": inbound.message_id})
    if reply_to:
        headers["Reply-To"] = reply_to
    return headers
