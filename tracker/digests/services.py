"""Sending the weekly digests exactly once per person and week.

The ledger (`DigestDelivery`, unique per person and week) is the truth. A run
claims a row before building the message, records the moment just before
handing it to the mail server, and marks it sent after. So a run killed half
way and started again sends what was not sent, never what was; temporary
failures come back with backoff, permanent ones are recorded for admins.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tracker import email
from tracker.accounts.models import User
from tracker.calendar import week_just_ended
from tracker.charts import progress_bar_html
from tracker.checkins import saydo
from tracker.digests.content import Digest, WeekFacts, digest_for, gather_week
from tracker.digests.models import DigestDelivery
from tracker.extensions import db
from tracker.organisation.services import get_settings, local_now

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=10)
LONGEST_RETRY = timedelta(hours=6)
# Ledger updates are single-row statements; matching them against every object
# the run has loaded would make a run quadratic in the number of people.
NO_SYNC = {"synchronize_session": False}
# A claim older than this was left by a run that died before handing anything over.
STALE_CLAIM = timedelta(minutes=15)


def backoff(attempts: int) -> timedelta:
    """10 minutes, 20, 40… capped at six hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


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


def set_opt_in(user: User, opt_in: bool) -> None:
    user.digest_opt_in = opt_in
    db.session.flush()


def subject_line(week: str) -> str:
    return f"Your week in action and talk: {week}"


def render(digest: Digest, *, in_frame: bool = False) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a digest, from the same templates the preview uses.
    `in_frame`: the HTML is shown in the preview's frame, whose links open in the whole tab."""
    context = {"d": digest, "link": email.public_url, "progress": progress_bar_html,
               "flag_text": saydo.FLAG_TEXT, "in_frame": in_frame,
               "unsubscribe_url": unsubscribe_url(digest.user)}
    return (subject_line(digest.week), render_template("email/digest.txt", **context),
            render_template("email/digest.html", **context))


def build_message(digest: Digest):
    subject, text, html = render(digest)
    unsubscribe = unsubscribe_url(digest.user)
    return email.build_message(
        to=digest.user.email, subject=subject, text=text, html=html,
        message_id=message_id(digest.user, digest.week),
        headers={"List-Unsubscribe": f"<{unsubscribe}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Auto-Submitted": "auto-generated"},
    )


@dataclass
class RunResult:
    week: str
    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    dry_run: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int | str]:
        return {"week": self.week, "sent": self.sent, "retry": self.retry, "failed": self.failed,
                "skipped": self.skipped}


def recipients() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.active, User.digest_opt_in).order_by(User.id)))


def ensure_ledger(week: str, users: list[User], now: datetime) -> None:
    """One pending row per recipient and week; rows that exist stay as they are."""
    have = set(db.session.scalars(select(DigestDelivery.user_id).where(DigestDelivery.week == week)))
    for user in users:
        if user.id in have:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(DigestDelivery(user_id=user.id, week=week, state="pending",
                                              created_at=now, message_id=message_id(user, week)))
        except IntegrityError:
            pass  # another run added it first
    db.session.commit()


def send_digests(now: datetime, *, week: str | None = None, dry_run: bool = False) -> RunResult:
    """Build and send the digests of `week` (default: the week just ended in
    the organisation's timezone). Commits as it goes: each delivery is its
    own small transaction, so a crash loses at most the one in flight."""
    settings = get_settings()
    week = week or week_just_ended(local_now(settings, now).date())
    result = RunResult(week=week)
    users = recipients()
    if dry_run:
        facts = gather_week(week, settings.timezone)
        for user in users:
            digest = digest_for(user, facts)
            result.dry_run.append(f"{user.email}: {'empty week' if digest.is_empty else 'digest'}")
        return result
    ensure_ledger(week, users, now)
    # A claim left by a run that died before handing anything over is retried.
    db.session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.week == week, DigestDelivery.state == "sending",
               DigestDelivery.claimed_at < now - STALE_CLAIM)
        .values(state="retry", next_attempt_at=now, last_error="interrupted before sending"),
        execution_options=NO_SYNC,
    )
    db.session.commit()
    due = db.session.scalars(
        select(DigestDelivery).where(
            DigestDelivery.week == week,
            (DigestDelivery.state == "pending")
            | ((DigestDelivery.state == "retry") & (DigestDelivery.next_attempt_at <= now)))
        .order_by(DigestDelivery.id)
    ).all()
    if not due:
        return result  # every tick after the first finds the week done: cheap
    facts = gather_week(week, settings.timezone)
    by_id = {u.id: u for u in users}
    session = db.session()
    # The week's facts stay loaded across the many small commits below;
    # expiring them would reload every object once per digest.
    session.expire_on_commit = False
    try:
        for delivery in due:
            user = by_id.get(delivery.user_id)
            if user is None:
                # Deactivated or opted out since the row was made: nothing is sent.
                _finish(delivery.id, state="failed",
                        error="not a recipient any more (deactivated or opted out)")
                result.skipped += 1
                continue
            _deliver(delivery.id, user, facts, now, result)
    finally:
        session.expire_on_commit = True
        # The ledger rows were changed by statements: whatever was loaded is stale now.
        session.expire_all()
    return result


def _deliver(delivery_id: int, user: User, facts: WeekFacts, now: datetime, result: RunResult) -> None:
    claimed = db.session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == delivery_id, DigestDelivery.state.in_(("pending", "retry")))
        .values(state="sending", claimed_at=now, attempts=DigestDelivery.attempts + 1),
        execution_options=NO_SYNC,
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return  # another run has it
    attempts = db.session.scalar(select(DigestDelivery.attempts).where(DigestDelivery.id == delivery_id))

    def handover():
        db.session.execute(update(DigestDelivery).where(DigestDelivery.id == delivery_id)
                           .values(state="handed_over"), execution_options=NO_SYNC)
        db.session.commit()

    try:
        email.send(build_message(digest_for(user, facts)), on_handover=handover)
    except email.MailError as e:
        if e.temporary and attempts < MAX_ATTEMPTS:
            _finish(delivery_id, state="retry", error=str(e), next_attempt_at=now + backoff(attempts))
            result.retry += 1
        else:
            _finish(delivery_id, state="failed", error=str(e))
            result.failed += 1
        log.warning("digest %s for %s: %s", facts.week, user.email, e)
        return
    except Exception as e:  # noqa: BLE001 - a broken digest must not block the others
        log.exception("digest %s for %s could not be built", facts.week, user.email)
        _finish(delivery_id, state="failed", error=f"could not build the digest: {e}")
        result.failed += 1
        return
    _finish(delivery_id, state="sent", error="", sent_at=now)
    result.sent += 1


def _finish(delivery_id: int, *, state: str, error: str, **values) -> None:
    db.session.execute(update(DigestDelivery).where(DigestDelivery.id == delivery_id)
                       .values(state=state, last_error=error[:2000], **values),
                       execution_options=NO_SYNC)
    db.session.commit()


def weekly_job(now: datetime) -> dict:
    """The scheduler's job: once the organisation's digest moment of this week
    has come, make sure last week's digests are out. Every tick after that
    finds them sent and does nothing; after downtime only the latest week goes."""
    settings = get_settings()
    local = local_now(settings, now)
    moment_passed = (local.weekday(), local.hour) >= (settings.digest_weekday, settings.digest_hour)
    if not moment_passed:
        return {"waiting": 1}
    return send_digests(now).as_dict()


def deliveries_for(week: str) -> list[DigestDelivery]:
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(
        select(DigestDelivery).where(DigestDelivery.week == week)
        .options(selectinload(DigestDelivery.user)).order_by(DigestDelivery.state, DigestDelivery.id)))


def last_week(now: datetime) -> str:
    """The ISO week that ended before `now`, in the organisation's timezone."""
    return week_just_ended(local_now(get_settings(), now).date())


def preview_html(user: User, week: str) -> str:
    """The HTML of `user`'s digest of `week`, as the preview's frame shows it."""
    digest = digest_for(user, gather_week(week, get_settings().timezone))
    return render(digest, in_frame=True)[2]
