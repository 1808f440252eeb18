"""The weekly digests: queued in the outbox once per person and week.

Each digest is rendered when it is queued and keyed "digest:<person>:<ISO
week>" in the outbox, so however many ticks, schedulers or CLI runs there
are, a person gets one digest a week. Sending, retries and what happens when
the mail server is down or slow are the outbox's (`tracker.outbox.services`).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from tracker import email
from tracker.accounts.models import User
from tracker.calendar import week_bounds, week_just_ended
from tracker.charts import progress_bar_html
from tracker.checkins import replies, saydo
from tracker.digests.content import Digest, digest_for, digest_of, gather_week
from tracker.extensions import db
from tracker.organisation.services import get_settings, local_now
from tracker.organisation.services import today as org_today
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage


def message_id(user: User, week: str) -> str:
    """Stable per person and week: a resend is recognisably the same message."""
    return f"<digest-{week}-{user.id}@burning-platform.local>"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="digest-unsubscribe")


def unsubscribe_token(user: User) -> str:
    return _serializer().dumps({"u": user.id})


def unsubscribe_url(user: User) -> str:
    """The signed link that stops `user`'s digests: the footer's link and the
    List-Unsubscribe header are this same address."""
    return email.public_url("digests.unsubscribe", token=unsubscribe_token(user))


def user_for_token(token: str) -> User | None:
    """The person a token unsubscribes, or None for a forged or broken token."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return db.session.get(User, data["u"])


def set_opt_in(user: User, opt_in: bool, *, now: datetime) -> None:
    """Turn `user`'s digest on or off; turning it off also drops a digest of
    theirs still waiting in the outbox (for a retry, say)."""
    user.digest_opt_in = opt_in
    if not opt_in:
        outbox.cancel_queued(kind="digest", recipient=user.email, now=now)
    db.session.flush()


def subject_line(week: str) -> str:
    return f"Your week in action and talk: {week}"


def render(digest: Digest, *, in_frame: bool = False) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a digest, from the same templates the preview uses.
    `in_frame`: the HTML is shown in the preview's frame, whose links open in the whole tab."""
    context = {"d": digest, "link": email.public_url, "progress": progress_bar_html,
               "flag_text": saydo.FLAG_TEXT, "in_frame": in_frame,
               "unsubscribe_url": unsubscribe_url(digest.user), "reply_to": reply_to(digest)}
    return (subject_line(digest.week), render_template("email/digest.txt", **context),
            render_template("email/digest.html", **context))


def digest_key(user: User, week: str) -> str:
    """The digest's outbox key: one per person and week."""
    return f"digest:{user.id}:{week}"


def reply_to(digest: Digest) -> str | None:
    """Where a reply to the digest goes: the reply address of the reader's
    one open check-in, when they have exactly one (with several, each is
    listed with its own address); None otherwise."""
    open_checkins = (digest.own or {}).get("open")
    if open_checkins is None or open_checkins.total != 1:
        return None
    return replies.reply_address(open_checkins.shown[0])


def digest_mail(digest: Digest) -> outbox.Mail:
    subject, text, html = render(digest)
    unsubscribe = unsubscribe_url(digest.user)
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
               "Auto-Submitted": "auto-generated"}
    if address := reply_to(digest):
        headers["Reply-To"] = address
    return outbox.Mail(
        kind="digest", key=digest_key(digest.user, digest.week), recipient=digest.user.email,
        subject=subject, text=text, html=html, message_id=message_id(digest.user, digest.week),
        headers=headers,
    )


@dataclass
class RunResult:
    """What one run did: digests queued for `week`, then what the outbox sent."""

    week: str
    queued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown_outcome: int = 0
    deferred: int = 0
    dry_run: list[str] = field(default_factory=list)


def recipients() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.active, User.digest_opt_in).order_by(User.id)))


def queue_digests(now: datetime, *, week: str | None = None) -> dict[str, int | str]:
    """Queue the digests of `week` (default: the week just ended in the
    organisation's timezone) for everyone who wants one and has none queued or
    sent for it yet. Once the week is queued a run costs two queries."""
    settings = get_settings()
    week = week or week_just_ended(org_today(now, settings))
    users = {digest_key(user, week): user for user in recipients()}
    missing = users.keys() - outbox.keys_taken(users)
    if not missing:
        return {"week": week, "queued": 0}
    facts = gather_week(week, settings.timezone)
    queued = 0
    chunk: list[outbox.Mail] = []
    for key, user in users.items():
        if key in missing:
            chunk.append(digest_mail(digest_for(user, facts)))
        if len(chunk) == outbox.ENQUEUE_CHUNK:
            queued += outbox.enqueue_many(chunk, now=now)
            chunk = []
    queued += outbox.enqueue_many(chunk, now=now)
    return {"week": week, "queued": queued}


def send_digests(now: datetime, *, week: str | None = None, dry_run: bool = False) -> RunResult:
    """The CLI's run: queue the week's digests, commit, and send what the
    outbox has due (these digests and anything else waiting). `dry_run` says
    who would get what and records nothing."""
    settings = get_settings()
    week = week or week_just_ended(org_today(now, settings))
    if dry_run:
        facts = gather_week(week, settings.timezone)
        result = RunResult(week=week)
        for user in recipients():
            digest = digest_for(user, facts)
            result.dry_run.append(f"{user.email}: {'empty week' if digest.is_empty else 'digest'}")
        return result
    queued = queue_digests(now, week=week)["queued"]
    db.session.commit()
    sent = outbox.send_due(now)
    return RunResult(week=week, queued=int(queued), sent=sent.get("sent", 0),
                     retrying=sent.get("retrying", 0), failed=sent.get("failed", 0),
                     unknown_outcome=sent.get("unknown_outcome", 0), deferred=sent.get("deferred", 0))


def weekly_job(now: datetime) -> dict[str, Any]:
    """The scheduler's `queue_digests` job: once the organisation's digest
    moment of this week has come, make sure last week's digests are queued.
    Every tick after that finds them queued and does nothing; after downtime
    only the latest week goes."""
    settings = get_settings()
    local = local_now(settings, now)
    moment_passed = (local.weekday(), local.hour) >= (settings.digest_weekday, settings.digest_hour)
    if not moment_passed:
        return {"waiting": 1}
    return queue_digests(now)


def last_week(now: datetime) -> str:
    """The ISO week that ended before `now`, in the organisation's timezone."""
    return week_just_ended(org_today(now))


# The preview's frame opens links in the whole tab; the stored message was
# rendered for a mail client, so the frame's preview adds the same <base> the
# live rendering does (`render(in_frame=True)`).
_FRAME_BASE = '<base target="_top">'


@dataclass
class Preview:
    """What the preview of one person's week shows.

    `stored` is the digest as queued in the outbox (sent, or waiting to be),
    shown exactly; without one, a past or current week is rendered from the
    data as of now, and a week that has not begun is only said to be in the
    future."""

    user: User
    week: str
    stored: OutboxMessage | None = None
    future: bool = False

    @property
    def as_of_now(self) -> bool:
        return self.stored is None and not self.future


def preview_for(user: User, week: str, *, now: datetime) -> Preview:
    """`user`'s digest of `week` as the preview shows it (one query for the stored message)."""
    stored = outbox.message_with_key(digest_key(user, week))
    if stored is not None and (stored.body_html or stored.body_text):
        return Preview(user=user, week=week, stored=stored)
    return Preview(user=user, week=week, future=week_bounds(week)[0] > org_today(now))


def preview_html(preview: Preview) -> str:
    """The HTML the preview's frame shows: the stored message itself when there
    is one, otherwise the digest rendered from the data as of now."""
    if preview.stored is not None:
        if not preview.stored.body_html:
            return render_template("digests/stored_text.html", text=preview.stored.body_text)
        return preview.stored.body_html.replace("<head>", "<head>" + _FRAME_BASE, 1)
    if preview.future:
        start, end = week_bounds(preview.week)
        digest = Digest(user=preview.user, week=preview.week, start=start, end=end, future=True)
    else:
        digest = digest_of(preview.user, preview.week, get_settings().timezone)
    return render(digest, in_frame=True)[2]


def person(user_id: int) -> User | None:
    return db.session.get(User, user_id)
