"""The admin's outbox page: every message by state, and a resend that warns first."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.conftest import count_queries, query_plan
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage

NOW = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)


def add(n: int, *, state: str = "sent", kind: str = "reminder", start: int = 0) -> list[int]:
    ids = []
    for i in range(start, start + n):
        outbox.enqueue(outbox.Mail(kind=kind, key=f"{kind}:{i}:due", recipient=f"p{i}@example.com",
                                   subject=f"Subject {i}", text="Text", message_id=f"<m{i}>"), now=NOW)
    db.session.flush()
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.state == "queued")):
        message.state = state
        ids.append(message.id)
    db.session.commit()
    return ids


@pytest.mark.parametrize("role", ["executive", "hr", "member"])
def test_only_admins_see_the_outbox(login_as, client, role):
    login_as(role)
    assert client.get("/outbox/").status_code == 403
    assert client.get("/outbox/1/resend").status_code == 403
    assert client.post("/outbox/1/resend").status_code == 403


def test_outbox_lists_every_kind_by_state_and_warns_about_unknown_outcomes(app, login_as, client):
    login_as("admin")
    with app.app_context():
        add(2, state="sent")
        add(1, state="unknown_outcome", kind="digest", start=10)
        add(1, state="queued", start=20)
    page = client.get("/outbox/").data.decode()
    assert "Sent (2)" in page and "Unknown outcome (1)" in page and "Queued (1)" in page
    assert "1 with an unknown outcome" in page and "not resent automatically" in page
    unknown = client.get("/outbox/?state=unknown_outcome").data.decode()
    assert "Subject 10" in unknown and "Subject 0" not in unknown and "Resend…" in unknown
    digests = client.get("/outbox/?kind=digest").data.decode()
    assert "Subject 10" in digests and "Subject 20" not in digests
    assert client.get("/outbox/?state=lost").status_code == 400


def test_resend_warns_first_then_queues_it_again_and_records_who(app, login_as, client):
    admin = login_as("admin")
    with app.app_context():
        [message_id] = add(1, state="unknown_outcome")
    confirm = client.get(f"/outbox/{message_id}/resend").data.decode()
    assert "this may already have been delivered" in confirm.lower() and "Resend anyway" in confirm
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).state == "unknown_outcome", "a GET changes nothing"
    done = client.post(f"/outbox/{message_id}/resend", follow_redirects=True)
    assert b"queued again" in done.data
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.state, message.attempts) == ("queued", 0)
        assert admin.email in message.last_error
        event = db.session.scalar(select(HistoryEvent).where(HistoryEvent.subject_type == "outbox_message"))
        assert (event.subject_id, event.action, event.actor_id) == (message_id, "resent", admin.id)


def test_a_sent_message_is_not_resent(app, login_as, client):
    login_as("admin")
    with app.app_context():
        [message_id] = add(1, state="sent")
    page = client.post(f"/outbox/{message_id}/resend", follow_redirects=True).data.decode()
    assert "can be resent" in page
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).state == "sent"
    assert client.get("/outbox/999999/resend").status_code == 404


def test_the_outbox_page_costs_the_same_queries_for_5_or_120_messages(app, login_as, client):
    login_as("admin")

    def queries(n: int, start: int) -> int:
        with app.app_context():
            add(n, state="failed", start=start)
        with count_queries(app) as count:
            assert client.get("/outbox/").status_code == 200
        return count()

    assert queries(5, 0) == queries(115, 100)
    with app.app_context():
        # The newest first, 50 at a time, from an index: not every message read and sorted.
        plan = query_plan("SELECT id FROM outbox_message ORDER BY created_at DESC, id DESC LIMIT 50")
        assert "ix_outbox_message_created_at_id" in plan, plan


def test_a_message_recorded_before_the_outbox_kept_bodies_offers_no_resend(app, login_as, client):
    login_as("admin")
    with app.app_context():
        # What the migration copies from the old ledgers: no body to send again.
        outbox.enqueue(outbox.Mail(kind="digest", key="digest:1:2026-W10", recipient="p@example.com",
                                   subject="Old digest", text=""), now=NOW)
        message = db.session.scalar(select(OutboxMessage))
        message.state = "unknown_outcome"
        db.session.commit()
        message_id = message.id
    assert "Resend…" not in client.get("/outbox/").data.decode()
    page = client.get(f"/outbox/{message_id}/resend").data.decode()
    assert "Nothing of this message was kept" in page and "Resend anyway" not in page
