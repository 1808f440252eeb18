"""Someone who left gets no more mail: deactivating an account cancels the
mail still waiting for it in the outbox (reminders, digests, retries), says
why on the outbox, and leaves everyone else's mail and the mail already
sent alone. Sent through a real SMTP server."""

from datetime import UTC, datetime

from sqlalchemy import select

from tests import factories
from tests.conftest import sign_in_session
from tracker.extensions import db
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage

NOW = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)


def mail(kind: str, key: str, recipient: str) -> outbox.Mail:
    return outbox.Mail(kind=kind, key=key, recipient=recipient, subject="Check-in due", text="Please.",
                       html="<p>Please.</p>", message_id=f"<{key.replace(':', '-')}@tracker.example.com>")


def test_deactivating_an_account_cancels_its_waiting_mail_only(smtp_app, smtp_server, client):
    with smtp_app.app_context():
        admin = factories.make_user("admin")
        leaver = factories.make_user("member", email="leaver@example.com")
        stayer = factories.make_user("member", email="stayer@example.com")
        outbox.enqueue(mail("reminder", "reminder:1:sent", leaver.email), now=NOW)
        db.session.commit()
        assert outbox.send_due(NOW)["sent"] == 1  # sent before they left: stays sent
        for kind, key, to in [("reminder", "reminder:2:due", leaver.email),
                              ("digest", "digest:1:2026-W10", leaver.email),
                              ("reminder", "reminder:3:due", stayer.email)]:
            outbox.enqueue(mail(kind, key, to), now=NOW)
        db.session.commit()
        admin_id, leaver_id = admin.id, leaver.id
    sign_in_session(client, admin_id)
    assert client.post(f"/admin/users/{leaver_id}/active").status_code == 302

    with smtp_app.app_context():
        states = dict(db.session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.state)).all())
        assert states == {"reminder:1:sent": "sent", "reminder:2:due": "failed",
                          "digest:1:2026-W10": "failed", "reminder:3:due": "queued"}
        assert set(db.session.scalars(select(OutboxMessage.last_error).where(
            OutboxMessage.state == "failed"))) == {"cancelled: the account was deactivated"}
        assert outbox.send_due(NOW)["sent"] == 1
    assert [e.rcpt_tos for e in smtp_server.messages] == [["leaver@example.com"], ["stayer@example.com"]]
    outbox_page = client.get("/outbox/?state=failed").get_data(as_text=True)
    assert "cancelled: the account was deactivated" in outbox_page
