"""The outbox's rules without a mail server: one row per key, one backoff,
and the lease that sorts out a sender that died."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tracker.email import outbox_path
from tracker.extensions import db
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage

NOW = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)


def mail(key: str = "reminder:1:due") -> outbox.Mail:
    return outbox.Mail(kind="reminder", key=key, recipient="owner@example.com", subject="Check-in due",
                       text="Please check in.", html="<p>Please check in.</p>",
                       message_id=f"<{key.replace(':', '-')}@burning-platform.local>")


def test_a_key_is_queued_once_whoever_enqueues_it(ctx):
    assert outbox.enqueue(mail(), now=NOW) is True
    assert outbox.enqueue(mail(), now=NOW + timedelta(minutes=5)) is False
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert outbox.keys_taken(["reminder:1:due", "reminder:1:overdue"]) == {"reminder:1:due"}


def test_backoff_doubles_from_ten_minutes_up_to_six_hours():
    assert [outbox.backoff(n) / timedelta(minutes=1) for n in range(1, 9)] == [
        10, 20, 40, 80, 160, 320, 360, 360]


def test_sent_message_is_written_once_with_its_message_id(ctx):
    outbox.enqueue(mail(), now=NOW)
    db.session.commit()
    assert outbox.send_due(NOW) == {"sent": 1}
    assert outbox.send_due(NOW + timedelta(hours=1)) == {"sent": 0}
    [written] = list(outbox_path().glob("*.eml"))
    assert "Message-ID: <reminder-1-due@burning-platform.local>" in written.read_text()
    message = db.session.scalar(select(OutboxMessage))
    assert (message.state, message.attempts, message.sent_at) == ("sent", 1, NOW)


def test_a_sender_that_died_before_handing_over_is_sent_again_after_the_lease(ctx):
    outbox.enqueue(mail(), now=NOW)
    db.session.commit()
    # What a run killed while connecting leaves behind: claimed, nothing handed over.
    db.session.execute(OutboxMessage.__table__.update().values(state="sending", claimed_at=NOW, attempts=1))
    db.session.commit()
    assert outbox.send_due(NOW + timedelta(minutes=5)) == {"sent": 0}, "still within the lease"
    assert outbox.send_due(NOW + outbox.LEASE + timedelta(minutes=1)) == {"sent": 1, "requeued": 1}
    assert len(list(outbox_path().glob("*.eml"))) == 1
    assert db.session.scalar(select(OutboxMessage.attempts)) == 2


def test_only_unknown_or_failed_messages_can_be_resent(ctx):
    from tests import factories

    admin = factories.make_user("admin")
    outbox.enqueue(mail(), now=NOW)
    db.session.commit()
    outbox.send_due(NOW)
    message = db.session.scalar(select(OutboxMessage))
    try:
        outbox.resend(message, actor=admin, now=NOW)
    except outbox.OutboxError as e:
        assert "unknown, or that failed" in str(e)
    else:
        raise AssertionError("a sent message was queued again")
    member = factories.make_user("member")
    message.state = "unknown_outcome"
    db.session.commit()
    try:
        outbox.resend(message, actor=member, now=NOW)
    except outbox.OutboxError as e:
        assert "may not" in str(e)
    else:
        raise AssertionError("a member resent mail")


def test_each_message_costs_three_statements_and_two_commits_however_many_are_due(ctx):
    """The claim and the handover commit; the sent mark rides with the next
    message's claim (or the run's last commit), so the cost of a run grows by
    the same amount for every message it sends."""
    from sqlalchemy import event

    def send_run(messages: int, at: datetime) -> tuple[int, int]:
        for i in range(messages):
            outbox.enqueue(mail(f"reminder:{at:%H%M}{i}:due"), now=at)
        db.session.commit()
        statements, commits = [], []
        listeners = {"before_cursor_execute": lambda *args: statements.append(args[2])
                     if "outbox_message" in args[2] else None,
                     "commit": lambda conn: commits.append(conn)}
        for name, listener in listeners.items():
            event.listen(db.engine, name, listener)
        try:
            assert outbox.send_due(at) == {"sent": messages}
        finally:
            for name, listener in listeners.items():
                event.remove(db.engine, name, listener)
        return len(statements), len(commits)

    few = send_run(2, NOW)
    many = send_run(10, NOW + timedelta(hours=1))
    assert (many[0] - few[0], many[1] - few[1]) == (8 * 3, 8 * 2)
    assert len(list(outbox_path().glob("*.eml"))) == 12
    assert set(db.session.scalars(select(OutboxMessage.state))) == {"sent"}
