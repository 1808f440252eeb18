"""Delivering webhooks to a real HTTP receiver on 127.0.0.1 through the
outbox: a receiver that fails, then is slow, then works; one that is down
for days; what the delivery log shows; and nothing sent twice blindly."""

import socket
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from tests import factories
from tests.webhooks.receiver import SLOW
from tracker.extensions import db
from tracker.metrics import services as metrics
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage
from tracker.webhooks import services
from tracker.webhooks.models import WebhookDelivery, WebhookEndpoint


def _setup(url: str):
    admin, owner = factories.make_user("admin"), factories.make_user("member", email="owner@example.com")
    metric = factories.make_metric(owner=owner, name="Complaints per 1,000 orders")
    hook = services.create_endpoint(actor=admin, allow_private=True, now=factories.NOW,
                                    data=services.EndpointInput(url=url, description="Ops board",
                                                                events=["reading.recorded"],
                                                                owner_id=owner.id))
    db.session.commit()
    return admin, owner, metric, hook


def _reading(metric, owner, day: date, now: datetime) -> None:
    metrics.record_reading(metric, actor=owner, observed_on=day, value=3.5, now=now, today=now.date())
    db.session.commit()


def _log(hook) -> list[tuple[int | None, str]]:
    return [(d.status_code, d.outcome) for d in db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == hook.id).order_by(WebhookDelivery.id))]


def test_a_receiver_that_fails_then_is_slow_then_works_gets_each_message_without_blind_resends(
        app, receiver, login_as, client):
    with app.app_context():
        admin, owner, metric, hook = _setup(receiver.url)
        start = datetime.now(UTC)
        _reading(metric, owner, date(2026, 2, 1), start)
        receiver.script = ["500", "slow"]

        assert outbox.send_due(start) == {"sent": 0, "retrying": 1}
        assert outbox.send_due(start + timedelta(minutes=5)) == {"sent": 0}, "waits for its backoff"
        assert outbox.send_due(start + timedelta(minutes=11)) == {"sent": 0, "unknown_outcome": 1}
        time.sleep(SLOW)  # the receiver has finished with it
        assert outbox.send_due(start + timedelta(days=2)) == {"sent": 0}, "never resent on its own"
        assert len(receiver.received) == 2

        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "webhook"))
        assert message.state == "unknown_outcome" and "may have received it" in message.last_error
        outbox.resend(message, actor=admin, now=datetime.now(UTC))
        db.session.commit()
        assert outbox.send_due(datetime.now(UTC)) == {"sent": 1}

        assert [r.answered for r in receiver.received] == [500, None, 200]
        ids = {r.headers["webhook-id"] for r in receiver.received}
        assert ids == {message.message_id}, "one webhook-id, so a receiver can drop a copy"
        last = receiver.received[-1]
        event = Webhook(hook.secret).verify(last.body, last.headers)
        assert event["type"] == "reading.recorded"
        assert event["data"]["reading"]["metric"]["name"] == "Complaints per 1,000 orders"
        assert _log(hook) == [(500, "temporary"), (None, "unknown"), (200, "sent")]
        hook_id = hook.id
        endpoint = db.session.get(WebhookEndpoint, hook_id)
        assert endpoint.failing_since is None and endpoint.enabled

    login_as("admin")
    page = client.get(f"/webhooks/{hook_id}").get_data(as_text=True)
    assert "500" in page and "Failed, will retry" in page
    assert "Unknown outcome" in page and "timed out after 0.5s" in page
    assert "200" in page and "receiver broke" in page
    assert "\x00" not in page and "<b>" not in page.split("Delivery log")[1]


def test_an_endpoint_failing_for_three_days_is_disabled_and_its_owner_told(app, receiver):
    with app.app_context():
        _, owner, metric, hook = _setup(receiver.url)
        receiver.script = ["500"] * 10
        start = datetime(2026, 3, 1, 9, tzinfo=UTC)
        _reading(metric, owner, date(2026, 2, 1), start)
        assert outbox.send_due(start) == {"sent": 0, "retrying": 1}
        later = start + timedelta(days=3, hours=1)
        _reading(metric, owner, date(2026, 2, 8), later)

        assert outbox.send_due(later) == {"sent": 0, "failed": 1}
        endpoint = db.session.get(WebhookEndpoint, hook.id)
        assert not endpoint.enabled and "every delivery failed" in endpoint.disabled_reason
        states = db.session.execute(select(OutboxMessage.kind, OutboxMessage.state, OutboxMessage.recipient)
                                    .order_by(OutboxMessage.id)).all()
        assert states == [("webhook", "failed", receiver.url), ("webhook", "failed", receiver.url),
                          ("notice", "queued", "owner@example.com")]
        assert len(receiver.received) == 2, "the second message was dropped, not sent"

        assert outbox.send_due(later + timedelta(minutes=5)) == {"sent": 1}
        notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "notice"))
        assert receiver.url in notice.subject and "enable it here" in notice.body_text
        assert f"https://tracker.example.com/webhooks/{hook.id}" in notice.body_text

        _reading(metric, owner, date(2026, 2, 15), later + timedelta(hours=1))
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.state == "queued")) == 0


def test_a_receiver_that_is_down_is_tried_again_later_and_nothing_was_handed_over(app):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/in"
        with app.app_context():
            _, owner, metric, hook = _setup(url)
            now = datetime(2026, 3, 1, 9, tzinfo=UTC)
            _reading(metric, owner, date(2026, 2, 1), now)
            assert outbox.send_due(now) == {"sent": 0, "retrying": 1}
            message = db.session.scalar(select(OutboxMessage))
            assert message.handed_over_at is None and message.next_attempt_at == now + timedelta(minutes=10)
            [(status, outcome)] = _log(hook)
            assert (status, outcome) == (None, "temporary")
            assert "could not connect" in message.last_error


def test_a_private_address_is_refused_at_delivery_when_the_setting_is_off(app, receiver):
    with app.app_context():
        _, owner, metric, hook = _setup(receiver.url)
        app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = False
        now = datetime(2026, 3, 1, 9, tzinfo=UTC)
        _reading(metric, owner, date(2026, 2, 1), now)
        assert outbox.send_due(now) == {"sent": 0, "failed": 1}
        assert receiver.received == []
        assert "127.0.0.1, a private address" in db.session.scalar(select(OutboxMessage.last_error))


def test_a_dead_endpoint_does_not_hold_up_mail_or_other_endpoints(app, receiver):
    with app.app_context():
        admin, owner, metric, healthy = _setup(receiver.url)
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            services.create_endpoint(actor=admin, allow_private=True, now=factories.NOW,
                                     data=services.EndpointInput(
                                         url=f"http://127.0.0.1:{closed.getsockname()[1]}/in", description="",
                                         events=["reading.recorded"], owner_id=owner.id))
            db.session.commit()
            now = datetime(2026, 3, 1, 9, tzinfo=UTC)
            for day in range(1, 6):
                _reading(metric, owner, date(2026, 2, day), now)
            outbox.enqueue(outbox.Mail(kind="notice", key="notice:test", recipient="x@example.com",
                                       subject="Hello", text="Hello"), now=now)
            db.session.commit()
            result = outbox.send_due(now)
        assert result == {"sent": 6, "retrying": 3, "deferred": 2}
        assert len(receiver.received) == 5
