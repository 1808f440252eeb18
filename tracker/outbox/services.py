"""Queueing and sending every message that goes out later.

One state machine (`models.STATES`), one backoff and one handover rule for
reminders, digests, notices and webhooks. Mail goes through `tracker.email`;
another channel (webhooks) registers the function that sends its kind
(`register_channel`), which raises `DeliveryError` with the same three
outcomes as `email.MailError`:

- `enqueue` adds a message once: its dedupe key is unique, so a second
  enqueue (another tick, a second scheduler) finds it there and adds nothing.
- `send_due` claims each due message with a conditional UPDATE (queued ->
  sending) and commits before sending, so two runs never send the same one.
  It records the moment the mail server (or the webhook's endpoint) is ready
  for the message itself (`handed_over_at`) and commits that too, then the
  outcome. The claim RETURNs what a mail needs (no ORM object is loaded for
  mail), and a run's mail shares one SMTP connection (`email.Sender`). A
  message the server accepted is marked sent in the same transaction as the
  next message's claim (or at the end of the run): two commits per message,
  not three. Its handover is already committed, so if the run dies before
  that mark the lease finds it handed over and sets it unknown_outcome, and
  it is never sent again (`send_due` says why in full).
- A temporary failure (nothing was delivered) is tried again after
  `backoff(attempts)`: 10 minutes, doubling, at most 6 hours apart, until
  MAX_ATTEMPTS tries have failed; a permanent one (5xx) fails at once.
- An unknown outcome (the whole message went over and no answer came) is
  never resent automatically. An admin may `resend` it, warned that it may
  already have been delivered.
- A run killed mid-send leaves its message `sending`. Once its LEASE is over
  the next run queues it again if nothing was handed over, and marks it
  unknown_outcome if it was. Each message is claimed alone, just before it
  is sent, so a dead run leaves only the one in flight waiting for the
  lease, never a batch it had claimed ahead. A claim is stamped with the
  moment it is made (the run's `now` plus the time the run has taken), so a
  long run's later messages are not stale at their claim; and a run hands a
  message over only while its claim still stands, so a message another run's
  lease took back is never sent by both.
"""

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, Table, bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tracker import email
from tracker.accounts.models import User
from tracker.auth.policy import may
from tracker.db import rowcount
from tracker.extensions import db
from tracker.history import services as history
from tracker.outbox.models import STATES, OutboxMessage

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=10)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 20
# Far longer than one message can take (a few MAIL_TIMEOUTs): a message
# `sending` for longer was left by a run that died.
LEASE = timedelta(minutes=15)
# A run stops sending to a destination (the mail server, or one webhook
# endpoint) when it seems unwell: at the first message it got in full without
# answering (the next would likely share its fate, and each such message needs
# an admin), or after this many temporary failures in a row (each may cost a
# time-out). What it leaves for that destination stays queued, untried and not
# charged an attempt, for the next run; other destinations go on.
TEMPORARY_IN_A_ROW = 3
# Messages queued in one INSERT by `enqueue_many`'s callers: a digest is up
# to 150 KB, so a chunk holds a few megabytes, not a whole organisation's mail.
ENQUEUE_CHUNK = 100
RESENDABLE = ("unknown_outcome", "failed")
# reply: the confirmation or polite bounce of an emailed check-in reply;
# notice: a one-off message to a person (a webhook endpoint was disabled).
KINDS = ("reminder", "digest", "reply", "notice", "webhook")
# Single-row statements; matching them against every loaded object would cost
# a scan of the session per message.
NO_SYNC = {"synchronize_session": False}


class OutboxError(Exception):
    """A refused outbox action (resending a message that cannot be resent)."""


class DeliveryError(Exception):
    """A channel's send failed; `outcome` is "temporary", "permanent" or
    "unknown", as for `email.MailError`."""

    def __init__(self, message: str, *, outcome: str):
        super().__init__(message)
        self.outcome = outcome


# kind -> the function that sends a message of that kind: it calls
# `on_handover` at the last moment before the message itself goes, and
# raises DeliveryError. Kinds not listed are mail.
Sender = Callable[[OutboxMessage, Callable[[], None], datetime], None]
CHANNELS: dict[str, Sender] = {}


def register_channel(kind: str, sender: Sender) -> None:
    """Send messages of `kind` with `sender` instead of as mail."""
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    CHANNELS[kind] = sender


@dataclass(frozen=True)
class Mail:
    """A message ready to queue: rendered now, sent later as it is."""

    kind: str
    key: str
    recipient: str
    subject: str
    text: str
    html: str | None = None
    message_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    endpoint_id: int | None = None  # a webhook's endpoint


def backoff(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed try: 10 minutes, 20, 40… at most 6 hours."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(FIRST_RETRY * factor, LONGEST_RETRY)


def keys_taken(keys: Iterable[str]) -> set[str]:
    """Those of `keys` already in the outbox, whatever their state."""
    wanted = list(keys)
    taken: set[str] = set()
    for start in range(0, len(wanted), 500):
        taken.update(db.session.scalars(select(OutboxMessage.dedupe_key)
                                        .where(OutboxMessage.dedupe_key.in_(wanted[start:start + 500]))))
    return taken


def enqueue(mail: Mail, *, now: datetime) -> bool:
    """Queue `mail` to be sent from `now` on, unless a message with its key
    exists (queued, sent or anything else). True when it was queued; flushes."""
    try:
        with db.session.begin_nested():
            db.session.add(OutboxMessage(
                kind=mail.kind, dedupe_key=mail.key, recipient=mail.recipient, subject=mail.subject,
                body_text=mail.text, body_html=mail.html, message_id=mail.message_id,
                headers=dict(mail.headers), endpoint_id=mail.endpoint_id, state="queued", attempts=0,
                next_attempt_at=now, created_at=now, updated_at=now))
    except IntegrityError:
        return False  # queued before, by this run or another
    return True


def enqueue_many(mails: list[Mail], *, now: datetime) -> int:
    """`enqueue` for many messages at once (a CSV import's readings, a
    tick's reminders, a week's digests; callers pass ENQUEUE_CHUNK at most): one
    batched INSERT when none of their keys is taken, one by one otherwise.
    Returns how many were queued; flushes."""
    if not mails:
        return 0
    taken = keys_taken(m.key for m in mails)
    fresh = [m for m in mails if m.key not in taken]
    try:
        with db.session.begin_nested():
            db.session.execute(insert(OutboxMessage), [
                {"kind": m.kind, "dedupe_key": m.key, "recipient": m.recipient, "subject": m.subject,
                 "body_text": m.text, "body_html": m.html, "message_id": m.message_id,
                 "headers": dict(m.headers), "endpoint_id": m.endpoint_id, "state": "queued",
                 "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now,
                 "updated_at": now}
                for m in fresh])
    except IntegrityError:  # one was queued a moment ago by another run
        return sum(enqueue(m, now=now) for m in fresh)
    return len(fresh)


def cancel_for_endpoint(endpoint_id: int, *, reason: str, now: datetime) -> int:
    """Messages still waiting for a webhook endpoint are dropped (failed,
    saying why). Flushes; returns how many."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.endpoint_id == endpoint_id, OutboxMessage.state == "queued")
        .values(state="failed", last_error=f"cancelled: {reason}"[:2000], updated_at=now),
        execution_options=NO_SYNC)
    return rowcount(result)


def cancel_queued(*, recipient: str, now: datetime, kind: str | None = None,
                  reason: str = "the recipient no longer wants it") -> int:
    """Messages to `recipient` still waiting (of `kind`, or of every kind) are
    dropped, marked failed saying why: someone who unsubscribed gets no retry
    either, and a deactivated account no more mail. Flushes; returns how many."""
    where = [OutboxMessage.recipient == recipient, OutboxMessage.state == "queued"]
    if kind is not None:
        where.append(OutboxMessage.kind == kind)
    result = db.session.execute(
        update(OutboxMessage).where(*where)
        .values(state="failed", last_error=f"cancelled: {reason}"[:2000], updated_at=now),
        execution_options=NO_SYNC)
    return rowcount(result)


def send_due(now: datetime) -> dict[str, int]:
    """Send every queued message whose time has come, each at most once.

    Per message, two commits through the session: the claim (queued ->
    sending, attempts + 1), then `handed_over_at` at the moment the server is
    ready for the message itself; a failure's outcome commits at once. On
    PostgreSQL only the handover's commit waits for the disk (see
    _CLAIM_WITHOUT_WAITING_FOR_DISK). The
    sent mark of a message the server accepted is not committed on its own:
    it goes with the next message's claim, or with the next failure, or at
    the end of the run. Why nothing is sent twice and nothing is lost:

    - A message is sent only by the run whose claim changed it from queued
      to sending (the UPDATE's condition), and that claim is committed before
      anything of it goes over. Another run's claim finds it no longer queued.
    - Its `handed_over_at` is committed before the end of DATA, the only
      point after which the server may deliver it. So a message that may have
      arrived is, in every later state of the database, either sent, or
      sending with handed_over_at set, which `release_stale` turns into
      unknown_outcome (never resent automatically), never into queued.
    - A message whose run died before its handover commit delivered nothing;
      the lease queues it again, so it is not lost.
    - A claim stands until the lease takes it back; then its run hands
      nothing over (the handover's UPDATE finds the claim gone, ClaimLost),
      so a run slower than the lease and the run that took its message back
      never both send it.
    - Deferring the sent mark only decides, for a run killed in the moment
      between one message's "250 OK" and the next message's claim, whether
      the accepted message ends sent or unknown_outcome: never whether it is
      sent again. At most one message is waiting for that mark at any time.

    Stops early, leaving the rest queued ("deferred"), at an unknown outcome
    or after TEMPORARY_IN_A_ROW temporary failures in a row. Returns what this
    run did: {"sent", "retrying", "failed", "unknown_outcome", "requeued",
    "deferred", "taken_back"} counts (zeros left out, but for "sent").
    """
    counts: Counter[str] = Counter(sent=0, retrying=0, failed=0, unknown_outcome=0)
    counts.update(release_stale(now))
    db.session.commit()
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.endpoint_id)
        .where(OutboxMessage.state == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    ).all()
    # Per destination: None is the mail server, a number a webhook endpoint.
    temporary_in_a_row: Counter[int | None] = Counter()
    unwell: set[int | None] = set()
    run = _Run(now)
    try:
        with email.Sender() as mail:
            for message_id, destination in due:
                if destination in unwell:
                    counts["deferred"] += 1
                    continue
                outcome = _send_one(message_id, run, mail)
                if outcome:
                    counts[outcome] += 1
                in_a_row = temporary_in_a_row[destination] + 1 if outcome == "retrying" else 0
                temporary_in_a_row[destination] = in_a_row
                if outcome == "unknown_outcome" or in_a_row >= TEMPORARY_IN_A_ROW:
                    unwell.add(destination)
    except BaseException:
        # The run stops (the database went away, say): the accepted message is
        # still marked sent if the database lets it; otherwise the lease makes
        # it unknown_outcome.
        with contextlib.suppress(SQLAlchemyError):
            run.commit_sent()
        raise
    run.commit_sent()
    return {name: n for name, n in counts.items() if n or name == "sent"}


# The statements of a send run, built once (the same SQL every message), as
# Core statements on the table: no ORM bookkeeping per message.
_outbox = cast(Table, OutboxMessage.__table__)  # a mapped class's table is a Table
_claim = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("the_id"), _outbox.c.state == "queued",
           _outbox.c.next_attempt_at <= bindparam("now", type_=_outbox.c.next_attempt_at.type))
    .values(state="sending", claimed_at=bindparam("at", type_=_outbox.c.claimed_at.type),
            handed_over_at=None, updated_at=bindparam("at"), attempts=_outbox.c.attempts + 1)
    .returning(_outbox.c.kind, _outbox.c.recipient, _outbox.c.subject, _outbox.c.body_text,
               _outbox.c.body_html, _outbox.c.message_id, _outbox.c.headers, _outbox.c.attempts))
# Only while this run's claim stands: still sending, at the attempt it claimed.
_handed_over = (
    update(_outbox).where(_outbox.c.id == bindparam("the_id"), _outbox.c.state == "sending",
                          _outbox.c.attempts == bindparam("attempt"))
    .values(handed_over_at=bindparam("now", type_=_outbox.c.handed_over_at.type),
            updated_at=bindparam("now")))
_sent = (
    update(_outbox).where(_outbox.c.id.in_(bindparam("the_ids", expanding=True)))
    .values(state="sent", sent_at=bindparam("now", type_=_outbox.c.sent_at.type), last_error="",
            updated_at=bindparam("now")))

# On PostgreSQL the claim's commit (which carries the previous message's sent
# mark) does not wait for the disk: the handover's commit, which does, writes
# the log up to and including it before anything of the message goes over.
# If the database server itself crashes first, the claim may be lost: the
# message is queued again and nothing of it went (the run's next statement
# fails on the dead connection before the handover); the previous message
# stays sending with its handover durable, so the lease makes it
# unknown_outcome. Other runs see the claim at once either way. One disk
# flush per message instead of two (about 5 ms each on the benchmark machine).
_CLAIM_WITHOUT_WAITING_FOR_DISK = text("SET LOCAL synchronous_commit TO OFF")


class ClaimLost(Exception):
    """A run's claim on a message no longer stands (another run's lease took
    it back while this run was slow): the message is not handed over."""


class _Run:
    """The bookkeeping of one send run: its start (`now`), and the messages
    the server accepted whose sent mark is not written yet (at most one)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.started = time.monotonic()
        self.accepted: list[int] = []
        self.postgresql = db.session.get_bind().dialect.name == "postgresql"

    def moment(self) -> datetime:
        """The run's `now` plus the time it has taken: what a claim is
        stamped with, so the lease counts from the claim, not from the start
        of a long run. (The other stamps are the run's `now`.)"""
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def write_sent(self) -> None:
        """Add the pending sent marks to the current transaction (not committed)."""
        if self.accepted:
            db.session.execute(_sent, {"the_ids": self.accepted, "now": self.now})
            self.accepted = []

    def commit_sent(self) -> None:
        self.write_sent()
        db.session.commit()


def release_stale(now: datetime) -> dict[str, int]:
    """Messages left `sending` past the lease by a run that died: queued again
    when nothing was handed over, unknown_outcome when the message may have
    gone. Flushes; returns {"requeued", "unknown_outcome", "failed"} counts."""
    stale = (OutboxMessage.state == "sending") & (OutboxMessage.claimed_at < now - LEASE)
    unknown = rowcount(db.session.execute(
        update(OutboxMessage).where(stale, OutboxMessage.handed_over_at.is_not(None))
        .values(state="unknown_outcome", updated_at=now,
                last_error="the run sending it stopped after handing it to the mail server: "
                           "it may have been delivered"),
        execution_options=NO_SYNC))
    gave_up = rowcount(db.session.execute(
        update(OutboxMessage)
        .where(stale, OutboxMessage.handed_over_at.is_(None), OutboxMessage.attempts >= MAX_ATTEMPTS)
        .values(state="failed", updated_at=now,
                last_error=f"gave up after {MAX_ATTEMPTS} attempts; the last run stopped before "
                           "handing it over"),
        execution_options=NO_SYNC))
    requeued = rowcount(db.session.execute(
        update(OutboxMessage).where(stale, OutboxMessage.handed_over_at.is_(None))
        .values(state="queued", next_attempt_at=now, updated_at=now,
                last_error="the run sending it stopped before handing it over"),
        execution_options=NO_SYNC))
    return {"requeued": requeued, "unknown_outcome": unknown, "failed": gave_up}


def _send_one(message_id: int, run: _Run, mail: email.Sender) -> str | None:
    """Claim, send and record one message; what happened, or None when
    another run claimed it first (or it is gone). A message the server
    accepted is left in `run.accepted`, to be marked sent with the next
    commit (see `send_due`)."""
    if run.postgresql:
        db.session.execute(_CLAIM_WITHOUT_WAITING_FOR_DISK)
    run.write_sent()
    now = run.now
    message: OutboxMessage | Row[*tuple[Any, ...]] | None = db.session.execute(
        _claim, {"the_id": message_id, "now": now, "at": run.moment()}).first()
    db.session.commit()
    if message is None:
        return None
    attempts, recipient, kind = message.attempts, message.recipient, message.kind
    channel = CHANNELS.get(kind)

    def handover() -> None:
        claim_stands = rowcount(db.session.execute(
            _handed_over, {"the_id": message_id, "attempt": attempts, "now": now}))
        db.session.commit()
        if not claim_stands:
            raise ClaimLost(f"outbox message {message_id}: another run took it back")

    try:
        if channel is None:
            mail.send(as_email(message), on_handover=handover)
        else:
            # A channel gets the stored message itself (and may write beside it).
            message = db.session.get(OutboxMessage, message_id, populate_existing=True)
            if message is None:  # deleted since it was claimed: nothing to send
                return None
            channel(message, handover, now)
    except ClaimLost:
        # Nothing of it went (the connection was closed before the message):
        # the run that took it back sends it.
        db.session.rollback()
        log.warning("%s %s to %s: not sent by this run, another took it back", kind, message_id, recipient)
        return "taken_back"
    except (email.MailError, DeliveryError) as e:
        log.warning("%s %s to %s: %s", kind, message_id, recipient, e)
        return _after_failure(message_id, e, attempts, now)
    except Exception:  # noqa: BLE001 - one broken message must not stop the others
        # Left `sending`: the lease decides, from whether it was handed over.
        db.session.rollback()
        log.exception("outbox message %s to %s could not be sent", message_id, recipient)
        return "interrupted"
    if channel is None:
        run.accepted.append(message_id)
    else:
        # What the channel wrote beside it commits with its outcome, as before.
        _set(message_id, now, state="sent", sent_at=now, last_error="")
    return "sent"


def _after_failure(message_id: int, error: email.MailError | DeliveryError, attempts: int,
                   now: datetime) -> str:
    if error.outcome == "unknown":
        _set(message_id, now, state="unknown_outcome", last_error=str(error))
        return "unknown_outcome"
    if error.outcome == "permanent":
        _set(message_id, now, state="failed", last_error=str(error))
        return "failed"
    if attempts >= MAX_ATTEMPTS:
        _set(message_id, now, state="failed", last_error=f"gave up after {attempts} attempts: {error}")
        return "failed"
    _set(message_id, now, state="queued", next_attempt_at=now + backoff(attempts), last_error=str(error))
    return "retrying"


def _set(message_id: int, now: datetime, **values: Any) -> None:
    """Record a step of one message and commit it at once."""
    if "last_error" in values:
        values["last_error"] = values["last_error"][:2000]
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                       .values(updated_at=now, **values), execution_options=NO_SYNC)
    db.session.commit()


def as_email(message: OutboxMessage | Row[*tuple[Any, ...]]) -> EmailMessage:
    """The stored message (or a row of its columns) as mail, with the
    Message-ID it was queued with."""
    return email.build_message(to=message.recipient, subject=message.subject, text=message.body_text,
                               html=message.body_html, message_id=message.message_id or None,
                               headers=message.headers or {})


def resend(message: OutboxMessage, *, actor: User, now: datetime) -> None:
    """Queue a message whose outcome is unknown, or that failed, to be sent
    again at the next run. The caller has warned `actor` that it may already
    have been delivered. Raises OutboxError when `actor` may not or the
    message cannot be resent; records history; flushes."""
    if not may(actor, "resend_mail"):
        raise OutboxError("You may not resend mail.")
    if not (message.body_text or message.body_html):
        raise OutboxError("Nothing of this message was kept to send again.")
    previous = message.state
    taken = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.state.in_(RESENDABLE))
        .values(state="queued", attempts=0, next_attempt_at=now, claimed_at=None,
                handed_over_at=None, updated_at=now,
                last_error=f"resent by {actor.email} after {previous.replace('_', ' ')}"),
        execution_options=NO_SYNC)
    if rowcount(taken) != 1:
        raise OutboxError("Only a message whose outcome is unknown, or that failed, can be resent.")
    history.record("outbox_message", message.id, "resent",
                   f"Resent the {message.kind} to {message.recipient} ({previous.replace('_', ' ')})",
                   actor=actor, now=now)
    db.session.flush()
    db.session.refresh(message)


def get_message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)


def message_with_key(key: str) -> OutboxMessage | None:
    """The message stored under a dedupe key, whatever its state."""
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()


def state_counts(kind: str | None = None) -> dict[str, int]:
    """{state: messages} for every state (zero included), of one kind or all."""
    query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: n for state, n in db.session.execute(query).all()})
    return counts


def messages_page(*, state: str | None, kind: str | None, page: int,
                  per_page: int = 50) -> Pagination:
    """One page of messages, newest first, of one state and kind or all."""
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if state:
        query = query.where(OutboxMessage.state == state)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
