"""Mail faults against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL.

Each scenario counts both sides: the rows the outbox stored, by state, and
the messages the server received. The rule under test: a message is resent
automatically only when it certainly did not arrive (server down, slow or
cut before the end of DATA); when it may have arrived (no answer after the
end of DATA, a sender killed mid-send) it waits for an admin instead. A run
stops at the first unknown outcome or the third temporary failure in a row,
leaving the rest queued for the next run.
"""

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.extensions import db
from tracker.organisation.models import OrgSettings
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage
from tracker.scheduler import tick

ROOT = Path(__file__).resolve().parents[2]
# Friday 6 March 2026, 09:30 UTC: three check-ins are due today (three reminders),
# and last week's digests (2026-W09) are due for the three owners.
FRIDAY = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)
MESSAGES = 6


@pytest.fixture
def org(smtp_app):
    with smtp_app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC", default_cadence="weekly", default_weekday=4,
                                   grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8))
        for i in range(3):
            owner = factories.make_user("member", email=f"owner{i}@example.com")
            initiative = factories.make_initiative(owner=owner, status="in_progress",
                                                   start_date=date(2026, 3, 2))
            initiative.active_since = date(2026, 3, 2)
        db.session.commit()
    return smtp_app


def stored() -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(select(OutboxMessage.state)))


def received(server) -> Counter:
    """How many times each message (by Message-ID) reached the server."""
    return Counter(server.message_ids())


def test_server_down_queues_everything_and_sends_each_once_when_it_is_back(org, smtp_server, closed_port):
    org.config["MAIL_PORT"] = closed_port
    ten_minutes = FRIDAY + timedelta(minutes=10)
    with org.app_context():
        # Three refused in a row: the run stops and leaves the other three for the next.
        assert tick(FRIDAY)["send_outbox"].summary == "sent 0, retrying 3, deferred 3"
        assert stored() == {"queued": MESSAGES}
        assert attempts_and_next_try() == Counter({(1, ten_minutes): 3, (0, FRIDAY): 3})
        assert all("ConnectionRefusedError" in m.last_error
                   for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.attempts == 1)))
        # The next run tries the three left over; the others wait for their backoff.
        assert tick(FRIDAY + timedelta(minutes=5))["send_outbox"].summary == "sent 0, retrying 3"
        assert attempts_and_next_try() == Counter({(1, ten_minutes): 3,
                                                   (1, ten_minutes + timedelta(minutes=5)): 3})
        org.config["MAIL_PORT"] = smtp_server.port  # the server is back
        tick(FRIDAY + timedelta(minutes=11))
        tick(FRIDAY + timedelta(hours=12))
        assert stored() == {"sent": MESSAGES}
    assert len(received(smtp_server)) == MESSAGES and set(received(smtp_server).values()) == {1}


def attempts_and_next_try() -> Counter:
    db.session.expire_all()
    return Counter(db.session.execute(select(OutboxMessage.attempts, OutboxMessage.next_attempt_at)).all())


def test_still_down_backs_off_doubling_to_six_hours_and_gives_up_after_twenty_attempts(
        org, smtp_server, closed_port):
    org.config["MAIL_PORT"] = closed_port
    with org.app_context():
        tick(FRIDAY)
        now, pauses = FRIDAY, []
        queued = OutboxMessage.state == "queued"
        for _ in range(3 * outbox.MAX_ATTEMPTS):  # a bound, so a regression fails instead of hanging
            # Runs stop after three failures in a row; run until nothing is due at this moment.
            while db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(queued, OutboxMessage.next_attempt_at <= now)):
                outbox.send_due(now)
            next_try = db.session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(queued))
            if next_try is None:
                break
            pauses.append(next_try - now)
            now = next_try
            outbox.send_due(now)
        failed = db.session.scalars(select(OutboxMessage)).all()
    minutes = [p / timedelta(minutes=1) for p in pauses]
    assert minutes == [10, 20, 40, 80, 160, 320] + [360] * 13
    assert {(m.state, m.attempts) for m in failed} == {("failed", outbox.MAX_ATTEMPTS)}
    assert all(m.last_error.startswith("gave up after 20 attempts") for m in failed)
    assert smtp_server.messages == []


def test_slow_answer_after_data_is_unknown_outcome_and_never_resent_automatically(org, smtp_server):
    smtp_server.mode = "slow_after_data"
    with org.app_context():
        # The first message goes unanswered: the run stops there, the rest wait.
        assert tick(FRIDAY)["send_outbox"].summary == "sent 0, unknown_outcome 1, deferred 5"
        second = tick(FRIDAY + timedelta(minutes=5))["send_outbox"]
        assert second.summary == "sent 0, unknown_outcome 1, deferred 4", "one more each run while it is slow"
        assert stored() == {"unknown_outcome": 2, "queued": MESSAGES - 2}
        smtp_server.mode = "ok"
        for later in (timedelta(minutes=11), timedelta(hours=7), timedelta(hours=12)):
            tick(FRIDAY + later)
        assert stored() == {"unknown_outcome": 2, "sent": MESSAGES - 2}
        errors = set(db.session.scalars(select(OutboxMessage.last_error)
                                        .where(OutboxMessage.state == "unknown_outcome")))
    assert all("may have been delivered" in e for e in errors)
    assert len(received(smtp_server)) == MESSAGES and set(received(smtp_server).values()) == {1}


def test_admin_resends_an_unknown_outcome_by_hand_and_only_that_one_goes_again(org, smtp_server):
    smtp_server.mode = "slow_after_data"
    with org.app_context():
        tick(FRIDAY)
        smtp_server.mode = "ok"
        admin = factories.make_user("admin")
        admin.digest_opt_in = False  # a digest of its own would muddle the count
        chosen = db.session.scalar(select(OutboxMessage).where(OutboxMessage.state == "unknown_outcome"))
        outbox.resend(chosen, actor=admin, now=FRIDAY + timedelta(hours=1))
        db.session.commit()
        tick(FRIDAY + timedelta(hours=1))
        tick(FRIDAY + timedelta(hours=2))
        assert stored() == {"sent": MESSAGES}
        chosen_id = db.session.get(OutboxMessage, chosen.id).message_id
    counts = received(smtp_server)
    assert counts[chosen_id] == 2 and sum(counts.values()) == MESSAGES + 1


def test_slow_answer_before_data_is_retried_and_each_message_arrives_once(org, smtp_server):
    smtp_server.mode = "slow_before_data"
    with org.app_context():
        assert tick(FRIDAY)["send_outbox"].summary == "sent 0, retrying 3, deferred 3"
        assert stored() == {"queued": MESSAGES}
        errors = [e for e in db.session.scalars(select(OutboxMessage.last_error)) if e]
        assert len(errors) == 3 and all("timed out" in e and "(envelope)" in e for e in errors)
        smtp_server.mode = "ok"
        tick(FRIDAY + timedelta(minutes=11))
        tick(FRIDAY + timedelta(hours=12))
        assert stored() == {"sent": MESSAGES}
    assert len(received(smtp_server)) == MESSAGES and set(received(smtp_server).values()) == {1}


def test_connection_cut_after_data_is_unknown_outcome_and_never_resent_automatically(org, smtp_server):
    smtp_server.mode = "cut_after_data"
    with org.app_context():
        assert tick(FRIDAY)["send_outbox"].summary == "sent 0, unknown_outcome 1, deferred 5"
        smtp_server.mode = "ok"
        tick(FRIDAY + timedelta(hours=1))
        tick(FRIDAY + timedelta(hours=12))
        assert stored() == {"unknown_outcome": 1, "sent": MESSAGES - 1}
        [unknown] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.state == "unknown_outcome"))
        assert "Connection unexpectedly closed" in unknown.last_error
    assert len(received(smtp_server)) == MESSAGES and set(received(smtp_server).values()) == {1}


KILLED_SENDER = textwrap.dedent("""
    from datetime import UTC, datetime
    from tracker import create_app
    from tracker.outbox import services
    app = create_app()
    with app.app_context():
        services.send_due(datetime(2026, 3, 6, 9, 30, tzinfo=UTC))
""")


def test_sender_killed_mid_send_delivers_every_message_once(org, smtp_server, tmp_path):
    from tracker.checkins import jobs
    from tracker.digests import services as digests

    with org.app_context():
        jobs.open_due_checkins(FRIDAY)
        jobs.queue_reminders(FRIDAY)
        digests.weekly_job(FRIDAY)
        db.session.commit()
        assert stored() == {"queued": MESSAGES}
        url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "TRACKER_INSTANCE_PATH": str(tmp_path),
           "TRACKER_SECRET_KEY": "test", "TRACKER_MAIL_BACKEND": "smtp",
           "TRACKER_MAIL_SERVER": "127.0.0.1", "TRACKER_MAIL_PORT": str(smtp_server.port)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SENDER], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The third message has arrived: kill the sender before it hears "250 OK".
    smtp_server.after_receive = lambda n: n == 3 and os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    smtp_server.after_receive = None
    assert len(smtp_server.messages) == 3
    with org.app_context():
        assert stored() == {"sent": 2, "sending": 1, "queued": MESSAGES - 3}
        # A run within the lease sends the rest and leaves the one in flight alone.
        assert outbox.send_due(FRIDAY + timedelta(minutes=1))["sent"] == MESSAGES - 3
        assert stored() == {"sent": MESSAGES - 1, "sending": 1}
        # After the lease: it was handed over, so it may have arrived; it is not resent.
        result = outbox.send_due(FRIDAY + outbox.LEASE + timedelta(minutes=2))
        assert result["unknown_outcome"] == 1 and result["sent"] == 0
        assert stored() == {"sent": MESSAGES - 1, "unknown_outcome": 1}
    assert len(received(smtp_server)) == MESSAGES and set(received(smtp_server).values()) == {1}


def test_one_run_sends_every_message_over_one_connection(org, smtp_server):
    with org.app_context():
        assert tick(FRIDAY)["send_outbox"].summary == f"sent {MESSAGES}"
        assert stored() == {"sent": MESSAGES}
    assert smtp_server.connections == 1
    assert len(received(smtp_server)) == MESSAGES and set(received(smtp_server).values()) == {1}


def test_a_server_that_closes_the_connection_between_messages_gets_the_rest_over_a_new_one(org, smtp_server):
    smtp_server.drop_after = 2
    with org.app_context():
        assert tick(FRIDAY)["send_outbox"].summary == f"sent {MESSAGES}"
        assert stored() == {"sent": MESSAGES}
        assert set(db.session.scalars(select(OutboxMessage.attempts))) == {1}, "a reconnect is no new attempt"
    assert smtp_server.connections == 3
    assert len(received(smtp_server)) == MESSAGES and set(received(smtp_server).values()) == {1}


def test_a_run_slower_than_the_lease_sends_nothing_the_lease_took_back(org, smtp_server):
    """Scheduler A claims a message, then waits on a slow server past the
    lease; scheduler B's run, later, takes the message back and sends it. A
    must not hand it over too: the message arrives once."""
    later = FRIDAY + outbox.LEASE + timedelta(minutes=1)
    with org.app_context():
        outbox.enqueue(outbox.Mail(kind="reminder", key="reminder:slow:due", recipient="owner0@example.com",
                                   subject="Check-in due", text="Please.", html="<p>Please.</p>",
                                   message_id="<slow-due@tracker.example.com>"), now=FRIDAY)
        db.session.commit()

    def scheduler_b_takes_it_back():
        smtp_server.before_rcpt = None
        with org.app_context():
            assert outbox.release_stale(later)["requeued"] == 1
            db.session.commit()

    smtp_server.before_rcpt = scheduler_b_takes_it_back
    with org.app_context():
        assert outbox.send_due(FRIDAY) == {"sent": 0, "taken_back": 1}  # scheduler A
        assert smtp_server.messages == []
        assert outbox.send_due(later) == {"sent": 1}  # scheduler B
        message = db.session.scalar(select(OutboxMessage))
        assert (message.state, message.attempts) == ("sent", 2)
    assert received(smtp_server) == {"<slow-due@tracker.example.com>": 1}


def test_a_claim_is_stamped_when_it_is_made_not_when_the_run_began(org, smtp_server):
    """A long run's later messages are claimed at the moment they are sent, so
    the lease counts from their claim (the run's start plus its time so far)."""
    with org.app_context():
        for n in range(2):
            outbox.enqueue(outbox.Mail(kind="reminder", key=f"reminder:{n}:due",
                                       recipient="owner0@example.com", subject="Check-in due",
                                       text="Please.", html="<p>Please.</p>",
                                       message_id=f"<{n}-due@tracker.example.com>"), now=FRIDAY)
        db.session.commit()
        smtp_server.mode = "slow_before_data"  # each message waits SLOW seconds at RCPT
        org.config["MAIL_TIMEOUT"] = 10
        assert outbox.send_due(FRIDAY) == {"sent": 2}
        first, second = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        assert first.claimed_at >= FRIDAY
        assert second.claimed_at - first.claimed_at >= timedelta(seconds=2)
