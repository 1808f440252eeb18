"""Mail headers built from what people typed, read from the raw bytes a real
SMTP server (aiosmtpd) received: List-Unsubscribe as a plain link, and a
title with a line break that still sends, on one line."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests import factories
from tracker.email import header_value
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.organisation.models import OrgSettings
from tracker.outbox.models import OutboxMessage
from tracker.scheduler import tick

# Friday 6 March 2026, 09:30 UTC: the check-in is due today (a reminder), and
# last week's digest (2026-W09) is due for its owner.
FRIDAY = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)
TITLE = "Close the call centre\r\nBcc: victim@example.com\x1b"


@pytest.fixture
def org(smtp_app):
    with smtp_app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC", default_cadence="weekly", default_weekday=4,
                                   grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8))
        owner = factories.make_user("member", email="owner@example.com")
        initiative = factories.make_initiative(owner=owner, status="in_progress",
                                               start_date=date(2026, 3, 2))
        initiative.active_since = date(2026, 3, 2)
        db.session.commit()
    return smtp_app


def raw_headers(envelope) -> dict[str, list[bytes]]:
    """Each header's raw, unfolded value as the server received it."""
    head = envelope.content.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
    headers: dict[str, list[bytes]] = {}
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        headers.setdefault(name.decode().lower(), []).append(value.strip())
    return headers


def test_list_unsubscribe_arrives_as_a_plain_https_link_with_one_click_post(org, smtp_server):
    with org.app_context():
        tick(FRIDAY)
    [digest] = [e for e in smtp_server.messages if b"digest-" in raw_headers(e)["message-id"][0]]
    headers = raw_headers(digest)
    [unsubscribe] = headers["list-unsubscribe"]
    assert unsubscribe.startswith(b"<https://tracker.example.com/digests/unsubscribe/")
    assert unsubscribe.endswith(b">") and b"=?" not in unsubscribe and b" " not in unsubscribe
    assert headers["list-unsubscribe-post"] == [b"List-Unsubscribe=One-Click"]


def test_a_title_stored_with_a_line_break_still_sends_its_reminder_on_one_line(org, smtp_server):
    with org.app_context():
        # Stored before titles were single-line: the service refuses it now.
        db.session.execute(db.update(Initiative).values(title=TITLE))
        db.session.commit()
        tick(FRIDAY)
        states = {m.kind: m.state for m in db.session.scalars(select(OutboxMessage))}
    assert states == {"reminder": "sent", "digest": "sent"}
    [reminder] = [e for e in smtp_server.messages if b"reminder-" in raw_headers(e)["message-id"][0]]
    headers = raw_headers(reminder)
    assert headers["subject"] == [
        b"Check-in due today: Close the call centre Bcc: victim@example.com"]
    assert "bcc" not in headers
    assert reminder.rcpt_tos == ["owner@example.com"]


@pytest.mark.parametrize(("typed", "safe"), [
    ("plain", "plain"),
    ("two\r\nlines", "two lines"),
    ("nul\x00 and esc\x1b[31m", "nul  and esc [31m"),
    ("line\u2028separator\x85next", "line separator next"),
    ("\r\nBcc: x@example.com\r\n", "Bcc: x@example.com"),
])
def test_header_value_collapses_line_breaks_and_control_characters(typed, safe):
    assert header_value(typed) == safe


def test_a_message_goes_out_byte_for_byte_as_the_standard_header_registry_writes_it(ctx):
    """The header classes the mail module keeps per name change nothing a
    mail client sees: non-ASCII and long headers included."""
    from email import policy

    from tracker import email

    def built() -> bytes:
        msg = email.build_message(
            to="Zoë Ölund <zoe@example.com>", subject="Überfällig: " + "long title " * 20, text="Grüße\n",
            html="<p>Grüße</p>", message_id="<reminder-1-due@burning-platform.local>",
            headers={"List-Unsubscribe": "<https://tracker.example.com/unsubscribe/" + "x" * 300 + ">",
                     "Reply-To": "reply+abc@example.com"})
        del msg["Date"]
        msg["Date"] = "Fri, 06 Mar 2026 09:30:00 -0000"
        msg.set_boundary("boundary")  # otherwise random
        return email._data_block(msg)

    kept = built()
    standard = {"MAIL_POLICY": policy.default.clone(max_line_length=998),
                "SMTP_POLICY": policy.SMTP.clone(max_line_length=998)}
    saved = {name: getattr(email, name) for name in standard}
    try:
        for name, value in standard.items():
            setattr(email, name, value)
        assert built() == kept
    finally:
        for name, value in saved.items():
            setattr(email, name, value)
    assert b"Subject: =?utf-8?" in kept
    assert b"List-Unsubscribe: <https://tracker.example.com/unsubscribe/" in kept
