"""Checking in by replying to the reminder: real SMTP conversations into the
receiver (`flask mail receive`'s aiosmtpd server on 127.0.0.1, smtplib as
the owner's mail server), what was stored, and what was answered: answers
leave through the outbox to the real SMTP server of tests/mailserver.py."""

import smtplib
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import sign_in_session
from tests.mailserver import free_port
from tracker.checkins import receiver, replies
from tracker.checkins.models import CheckIn, Entry, Reply
from tracker.extensions import db
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage

NOW = factories.NOW  # Wednesday 4 March 2026, 12:00 UTC: the check-in of 2-8 March is due Friday 6
DOMAIN = "reply.example.com"
OWNER = "sam.owner@example.com"
SECRET = "inbound-test-secret"
pytestmark = pytest.mark.fixed_now(NOW)


@pytest.fixture
def reply_app(smtp_app):
    smtp_app.config.update(REPLY_DOMAIN=DOMAIN, INBOUND_MAIL_SECRET=SECRET)
    return smtp_app


@pytest.fixture
def world(reply_app):
    """An owner with an in-progress initiative, this week's open check-in and
    one from three weeks ago that was never marked missed (its grace is over)."""
    with reply_app.app_context():
        owner = factories.make_user("member", email=OWNER, name="Sam Owner")
        initiative = factories.make_initiative("Close the call centre", owner=owner, status="in_progress")
        current = factories.make_checkin(initiative)
        old = factories.make_checkin(initiative, period_start=date(2026, 2, 9))
        db.session.commit()
        made = {"checkin": current.id, "old": old.id, "address": replies.reply_address(current),
                "old_address": replies.reply_address(old), "owner": owner.id}
    return made


@pytest.fixture
def inbox(reply_app):
    """The tracker's own receiver, listening for replies."""
    controller = receiver.start(reply_app, host="127.0.0.1", port=free_port(), now=lambda: NOW)
    yield controller
    controller.stop()


def deliver(inbox, raw: bytes, *, to: str, mail_from: str = OWNER) -> None:
    """Hand `raw` to the receiver as a mail server would (lines end in CRLF on the wire)."""
    with smtplib.SMTP(inbox.hostname, inbox.port, timeout=10) as smtp:
        smtp.sendmail(mail_from, [to], crlf(raw))


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def plain(text: str, *, to: str, sender: str = f"Sam Owner <{OWNER}>",
          message_id: str = "<plain-1@mail.example.com>", charset: str = "utf-8", **headers) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Re: Check-in due today: Close the call centre"
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text, charset=charset, cte="8bit" if charset != "utf-8" else None)
    return msg.as_bytes()


def sent_answers(app, smtp_server, at: datetime = NOW) -> list:
    """Send what the outbox holds and return what the mail server received."""
    with app.app_context():
        outbox.send_due(at)
    return [message_from_bytes(e.content, policy=policy.default) for e in smtp_server.messages]


def stored(app, checkin_id: int) -> dict:
    with app.app_context():
        checkin = db.session.get(CheckIn, checkin_id)
        return {
            "state": checkin.state,
            "entries": [(e.kind, e.text, e.happened_on, e.done_by, e.evidence, e.is_amendment)
                        for e in db.session.scalars(select(Entry).where(Entry.checkin_id == checkin_id)
                                                    .order_by(Entry.id))],
            "replies": [(r.outcome, r.sender) for r in db.session.scalars(select(Reply).order_by(Reply.id))],
            "outbox": db.session.scalar(select(func.count()).select_from(OutboxMessage)),
        }


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def test_a_plain_reply_submits_the_check_in_and_confirms_each_line(reply_app, world, inbox, smtp_server):
    deliver(inbox, plain("Terminated the CallCo contract on 3 March, ref LGL-0412\n"
                         "We plan to move the team next month\n", to=world["address"]), to=world["address"])

    found = stored(reply_app, world["checkin"])
    assert found["state"] == "submitted"
    assert found["entries"] == [
        ("action", "Terminated the CallCo contract on 3 March, ref LGL-0412", date(2026, 3, 3), "Sam Owner",
         "LGL-0412", False),
        ("talk", "We plan to move the team next month", None, "", "", False),
    ]
    assert found["replies"] == [("submitted", OWNER)]
    [answer] = sent_answers(reply_app, smtp_server)
    assert answer["To"] == OWNER and answer["Reply-To"] == world["address"]
    assert answer["In-Reply-To"] == "<plain-1@mail.example.com>"
    assert answer["Auto-Submitted"] == "auto-replied"
    assert answer["Subject"] == "Check-in submitted: Close the call centre"
    body = text_of(answer)
    assert "1. Terminated the CallCo contract on 3 March, ref LGL-0412" in body
    assert "ACTION: stopped or removed something: 'terminated … contract'" in body
    assert "Date: 03 Mar 2026. Done by: Sam Owner. Evidence: LGL-0412." in body
    assert "TALK: states an intention: 'plan to'" in body
    assert f"https://tracker.example.com/checkins/{world['checkin']}" in body


def test_the_reminder_asks_for_a_reply_to_the_check_ins_signed_address(reply_app, world, smtp_server):
    from tracker.checkins.jobs import queue_reminders

    DUE_DAY = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)

    with reply_app.app_context():
        queue_reminders(DUE_DAY)
        db.session.commit()
    [reminder] = sent_answers(reply_app, smtp_server, at=DUE_DAY)
    assert reminder["Reply-To"] == world["address"]
    assert world["address"].startswith(f"checkin+{world['checkin']}.")
    assert world["address"].endswith("@" + DOMAIN)
    assert "Reply to this email, one line per thing that happened" in text_of(reminder)


def test_an_outlook_reply_loses_its_history_signature_disclaimer_and_logo_and_is_kept_as_a_draft(
        reply_app, world, inbox, smtp_server):
    typed = ("Terminated the CallCo contract\n"
             "We will hold a town hall on Friday\n\n"
             "Kind regards\nSam Owner | Head of Service\n"
             "CONFIDENTIALITY: This email and any attachments are confidential and meant for the named "
             "recipient only.\n\n")
    history = ("________________________________\n"
               "From: Burning Platform Tracker <tracker@example.com>\n"
               "Sent: Wednesday, March 4, 2026 9:00 AM\n"
               f"To: Sam Owner <{OWNER}>\n"
               "Subject: Check-in due today: Close the call centre\n\n"
               "Your check-in is due today.\nTerminated the old contract on 1 March, ref OLD-1\n")
    html = ("<html><head><style>p{margin:0}</style></head><body><div>Terminated the CallCo contract</div>"
            "<div>We will hold a town hall on Friday</div><div><br></div><div>Kind regards<br>Sam Owner | "
            "Head of Service<img src=\"cid:logo\"></div><div id=\"appendonsend\"></div><hr>"
            "<div id=\"divRplyFwdMsg\"><b>From:</b> Burning Platform Tracker &lt;tracker@example.com&gt;<br>"
            "<b>Sent:</b> Wednesday, March 4, 2026 9:00 AM<br><b>To:</b> Sam Owner<br><b>Subject:</b> "
            "Check-in due today</div><div>Terminated the old contract on 1 March, ref OLD-1</div>"
            "</body></html>")
    related = MIMEMultipart("related")
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(typed + history, "plain", "utf-8"))
    alternative.attach(MIMEText(html, "html", "utf-8"))
    related.attach(alternative)
    logo = MIMEImage(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "png")
    logo.add_header("Content-ID", "<logo>")
    logo.add_header("Content-Disposition", "inline", filename="image001.png")
    related.attach(logo)
    related["From"], related["To"] = f"Sam Owner <{OWNER}>", world["address"]
    related["Subject"], related["Message-ID"] = "RE: Check-in due today", "<outlook-1@mail.example.com>"
    related["Thread-Topic"] = "Check-in due today"
    deliver(inbox, related.as_bytes(), to=world["address"])

    found = stored(reply_app, world["checkin"])
    assert found["state"] == "open" and found["entries"] == []
    assert found["replies"] == [("draft", OWNER)]
    [answer] = sent_answers(reply_app, smtp_server)
    assert answer["Subject"] == "Check-in kept as a draft: something is missing: Close the call centre"
    body = text_of(answer)
    assert "1. Terminated the CallCo contract\n" in body
    assert "MISSING: the date it happened (for example 'on 3 May'); evidence: a link, or a reference" in body
    assert "2. We will hold a town hall on Friday" in body and "TALK: future tense: 'will'" in body
    assert "OLD-1" not in body and "Kind regards" not in body and "CONFIDENTIALITY" not in body
    assert "1 attachment not kept" in body

    # The link in the confirmation opens the check-in with the draft's lines filled in.
    client = reply_app.test_client()
    sign_in_session(client, world["owner"])
    page = client.get(f"/checkins/{world['checkin']}").get_data(as_text=True)
    assert "04 Mar 2026 12:00 UTC</time> is kept as a draft: its lines are filled in below" in page
    assert "\nTerminated the CallCo contract</textarea>" in page
    assert "\nWe will hold a town hall on Friday</textarea>" in page
    assert 'checked id="entries-0-kind-1" name="entries-0-kind" type="radio" value="action"' in page

    # The second reply completes the draft: the talk line stands, the action is given again in full.
    deliver(inbox, plain("Terminated the CallCo contract on 3 March, ref LGL-0412\n\n"
                         "On Wed, 4 Mar 2026 at 12:05, Tracker <tracker@example.com> wrote:\n"
                         "> 1. Terminated\n",
                         to=world["address"], message_id="<outlook-2@mail.example.com>"), to=world["address"])
    found = stored(reply_app, world["checkin"])
    assert found["state"] == "submitted"
    assert [(kind, text) for kind, text, *_ in found["entries"]] == [
        ("talk", "We will hold a town hall on Friday"),
        ("action", "Terminated the CallCo contract on 3 March, ref LGL-0412")]
    second = sent_answers(reply_app, smtp_server)[-1]
    assert second["Subject"] == "Check-in submitted: Close the call centre"
    assert "(kept from your earlier reply)" in text_of(second)


def test_a_gmail_reply_with_quoted_history_signature_and_html(reply_app, world, inbox, smtp_server):
    text = ("Hired two agents on 2 March, job #55\n"
            "Moved the support team to the ground floor yesterday, photos "
            "https://intranet.example.com/moves/42\n\n"
            "-- \nSam Owner\nHead of Service, +44 20 7946 0000\n\n"
            "On Wed, 4 Mar 2026 at 09:00, Burning Platform Tracker <tracker@example.com> wrote:\n\n"
            "> Your check-in for \"Close the call centre\" is due today.\n"
            "> Reply to this email, one line per thing that happened\n")
    html = ("<div dir=\"ltr\"><div>Hired two agents on 2 March, job #55</div><div>Moved the support team "
            "to the ground floor yesterday, photos <a href=\"https://intranet.example.com/moves/42\">"
            "https://intranet.example.com/moves/42</a></div><br><span class=\"gmail_signature_prefix\">-- "
            "</span><div class=\"gmail_signature\">Sam Owner</div></div><br><div class=\"gmail_quote\">"
            "<div class=\"gmail_attr\">On Wed, 4 Mar 2026 at 09:00, Burning Platform Tracker &lt;"
            "tracker@example.com&gt; wrote:<br></div><blockquote class=\"gmail_quote\">Your check-in is due"
            "</blockquote></div>")
    msg = MIMEMultipart("alternative")
    msg.attach(MIMEText(text, "plain", "utf-8"))
    msg.attach(MIMEText(html, "html", "utf-8"))
    msg["From"], msg["To"] = f"Sam Owner <{OWNER}>", world["address"]
    msg["Subject"], msg["Message-ID"] = "Re: Check-in due today", "<CAGmail+1@mail.gmail.com>"
    deliver(inbox, msg.as_bytes(), to=world["address"])

    found = stored(reply_app, world["checkin"])
    assert found["state"] == "submitted"
    assert found["entries"] == [
        ("action", "Hired two agents on 2 March, job #55", date(2026, 3, 2), "Sam Owner", "job #55", False),
        ("action", "Moved the support team to the ground floor yesterday, photos "
                   "https://intranet.example.com/moves/42", date(2026, 3, 3), "Sam Owner",
         "https://intranet.example.com/moves/42", False),
    ]
    [answer] = sent_answers(reply_app, smtp_server)
    assert "Head of Service" not in text_of(answer) and "due today" not in text_of(answer)


def test_an_html_only_reply_is_read_as_text_never_as_markup(reply_app, world, inbox, smtp_server):
    html = ("<html><body><script>alert('x')</script><p>Terminated the CallCo contract on 3 March, "
            "ref&nbsp;LGL-0412</p><p>We plan to <b>move</b> the team next month</p>"
            "<blockquote type=\"cite\">Terminated the old contract on 1 March, ref OLD-1</blockquote>"
            "</body></html>")
    msg = MIMEText(html, "html", "utf-8")
    msg["From"], msg["To"], msg["Message-ID"] = OWNER, world["address"], "<html-1@mail.example.com>"
    msg["Subject"] = "Re: Check-in due today"
    deliver(inbox, msg.as_bytes(), to=world["address"])

    found = stored(reply_app, world["checkin"])
    assert [(kind, text) for kind, text, *_ in found["entries"]] == [
        ("action", "Terminated the CallCo contract on 3 March, ref LGL-0412"),
        ("talk", "We plan to move the team next month")]


def test_an_out_of_office_and_a_bounce_are_ignored_and_never_answered(reply_app, world, inbox, smtp_server):
    deliver(inbox, plain("I am out of the office until 16 March, with limited access to email.",
                         to=world["address"], Auto_Submitted="auto-replied", message_id="<ooo-1@x>"),
            to=world["address"])
    exchange = plain("I am away until Monday.", to=world["address"], message_id="<ooo-2@x>")
    exchange = exchange.replace(b"Subject: Re: Check-in due today",
                                b"Subject: Automatic reply: Check-in due today")
    deliver(inbox, exchange, to=world["address"])
    deliver(inbox, plain("Delivery failed", to=world["address"], message_id="<bounce-1@x>"),
            to=world["address"], mail_from="")

    found = stored(reply_app, world["checkin"])
    assert found == {"state": "open", "entries": [], "replies": [], "outbox": 0}
    assert sent_answers(reply_app, smtp_server) == []


def test_a_forged_sender_with_a_valid_address_records_nothing_and_is_told_why(
        reply_app, world, inbox, smtp_server):
    lines = "Terminated the CallCo contract on 3 March, ref LGL-0412\n"
    # Someone else who got hold of the address, from their own mailbox.
    deliver(inbox, plain(lines, to=world["address"], sender="Mallory <mallory@evil.example>",
                         message_id="<forged-1@x>"), to=world["address"], mail_from="mallory@evil.example")
    # From says the owner, the envelope says otherwise.
    deliver(inbox, plain(lines, to=world["address"], message_id="<forged-2@x>"),
            to=world["address"], mail_from="mallory@evil.example")
    # From and envelope say the owner; the receiving mail server's DMARC check says not.
    deliver(inbox, plain(lines, to=world["address"], message_id="<forged-3@x>",
                         Authentication_Results="mx.example.com; dmarc=fail header.from=example.com"),
            to=world["address"])

    found = stored(reply_app, world["checkin"])
    assert found["state"] == "open" and found["entries"] == [] and found["replies"] == []
    answers = sent_answers(reply_app, smtp_server)
    # One polite bounce per address and day, to the envelope sender, never the text sent.
    assert sorted(a["To"] for a in answers) == ["mallory@evil.example", OWNER]
    for answer in answers:
        assert answer["Subject"] == "Your reply was not recorded"
        assert "came from another address" in text_of(answer)
        assert "LGL-0412" not in text_of(answer)


def test_an_unknown_or_tampered_address_is_refused_at_smtp_level(reply_app, world, inbox, smtp_server):
    tampered = world["address"].replace(f"checkin+{world['checkin']}.", f"checkin+{world['old']}.")
    for address in (tampered, f"someone@{DOMAIN}", "checkin+1.aaaa@elsewhere.example"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            deliver(inbox, plain("Terminated it", to=address), to=address)
        assert refused.value.recipients[address][0] == 550
    assert stored(reply_app, world["checkin"])["replies"] == []
    assert sent_answers(reply_app, smtp_server) == []


def test_an_expired_address_records_nothing_and_says_until_when_it_worked(
        reply_app, world, inbox, smtp_server):
    deliver(inbox, plain("Terminated the CallCo contract on 3 March, ref LGL-0412", to=world["old_address"]),
            to=world["old_address"])

    found = stored(reply_app, world["old"])
    assert found["state"] == "open" and found["entries"] == [] and found["replies"] == []
    [answer] = sent_answers(reply_app, smtp_server)
    assert answer["To"] == OWNER and answer["Subject"] == "Your reply was not recorded"
    assert "took replies until the end of Sun 15 Feb 2026, and is closed now" in text_of(answer)


def test_the_same_message_id_is_processed_once(reply_app, world, inbox, smtp_server):
    raw = plain("Terminated the CallCo contract on 3 March, ref LGL-0412", to=world["address"])
    deliver(inbox, raw, to=world["address"])
    deliver(inbox, raw, to=world["address"])

    found = stored(reply_app, world["checkin"])
    assert len(found["entries"]) == 1 and found["replies"] == [("submitted", OWNER)]
    assert len(sent_answers(reply_app, smtp_server)) == 1


def test_a_5_mb_message_is_refused_with_552_and_nothing_is_kept(reply_app, world, inbox, smtp_server):
    big = plain("Terminated the CallCo contract on 3 March, ref LGL-0412\n", to=world["address"])
    big = crlf(big) + b"\r\n".join([b"A" * 998] * (5 * 1024 * 1024 // 1000 + 10))
    assert len(big) > 5 * 1024 * 1024
    # A client that declares the size is refused before sending it...
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        deliver(inbox, big, to=world["address"])
    assert refused.value.smtp_code == 552
    # ...and one that does not, at the end of the data.
    with smtplib.SMTP(inbox.hostname, inbox.port, timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.mail(OWNER)[0] == 250 and smtp.rcpt(world["address"])[0] == 250
        code, message = smtp.data(big)
    assert code == 552 and b"Too much mail data" in message
    assert stored(reply_app, world["checkin"]) == {"state": "open", "entries": [], "replies": [], "outbox": 0}


@pytest.mark.parametrize("charset", ["windows-1252", "iso-8859-1"])
def test_a_reply_in_another_charset_is_read_in_it(reply_app, world, inbox, smtp_server, charset):
    line = "Closed the Café Zürich office on 3 March, ref LGL-0412, signed by Jürgen Müller"
    raw = plain(line, to=world["address"], charset=charset)
    assert line.encode(charset) in raw and line.encode("utf-8") not in raw
    deliver(inbox, raw, to=world["address"])

    [entry] = stored(reply_app, world["checkin"])["entries"]
    assert entry == ("action", line, date(2026, 3, 3), "Jürgen Müller", "LGL-0412", False)
    [answer] = sent_answers(reply_app, smtp_server)
    assert "Café Zürich" in text_of(answer)


def test_a_reply_to_a_submitted_check_in_is_added_as_amendments(reply_app, world, inbox, smtp_server):
    deliver(inbox, plain("We plan to move the team next month", to=world["address"]), to=world["address"])
    deliver(inbox, plain("Moved the team to the ground floor yesterday, ref MOVE-77\nTerminated the lease",
                         to=world["address"], message_id="<second@x>"), to=world["address"])

    found = stored(reply_app, world["checkin"])
    assert found["state"] == "submitted"
    assert [(kind, text, amendment) for kind, text, _, _, _, amendment in found["entries"]] == [
        ("talk", "We plan to move the team next month", False),
        ("action", "Moved the team to the ground floor yesterday, ref MOVE-77", True)]
    assert found["replies"] == [("submitted", OWNER), ("amended", OWNER)]
    second = sent_answers(reply_app, smtp_server)[-1]
    assert second["Subject"] == "Check-in amended: Close the call centre"
    assert "2. Terminated the lease" in text_of(second) and "MISSING: the date it happened" in text_of(second)


def test_the_webhook_takes_the_raw_message_with_the_shared_secret_only(reply_app, world, smtp_server):
    client = reply_app.test_client()
    raw = plain("Terminated the CallCo contract on 3 March, ref LGL-0412", to=world["address"])
    url = "/checkins/replies/inbound"
    assert client.post(url, data=raw, content_type="message/rfc822").status_code == 403
    assert client.post(url, data=raw, content_type="message/rfc822",
                       headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert stored(reply_app, world["checkin"])["replies"] == []

    answer = client.post(url, data=raw, content_type="message/rfc822",
                         headers={"Authorization": f"Bearer {SECRET}"})
    assert answer.status_code == 200 and answer.get_json() == {"outcome": "submitted"}
    again = client.post(url, data={"email": raw.decode()}, headers={"Authorization": f"Bearer {SECRET}"})
    assert again.get_json() == {"outcome": "duplicate"}
    assert stored(reply_app, world["checkin"])["state"] == "submitted"
    # A service that posts the SMTP envelope beside the message (SendGrid): the envelope sender counts.
    forged = plain("Terminated the CallCo contract on 3 March, ref LGL-0412", to=world["address"],
                   message_id="<forged-webhook@x>")
    posted = client.post(url, data={"email": forged.decode(), "envelope": (
        f'{{"from": "mallory@evil.example", "to": ["{world["address"]}"]}}')},
        headers={"Authorization": f"Bearer {SECRET}"})
    assert posted.get_json() == {"outcome": "wrong_sender"}
    assert sorted(a["To"] for a in sent_answers(reply_app, smtp_server)) == ["mallory@evil.example", OWNER]

    reply_app.config["INBOUND_MAIL_SECRET"] = None
    assert client.post(url, data=raw, headers={"Authorization": f"Bearer {SECRET}"}).status_code == 404


def test_read_line_takes_dates_people_and_references_from_the_text():
    today = date(2026, 3, 4)
    line = replies.read_line("- Promoted Priya on 13/2/2026 after the review, by Dana Lee, ticket #A-19",
                             today=today, owner_name="Sam")
    assert (line.kind, line.happened_on, line.done_by, line.evidence) == (
        "action", date(2026, 2, 13), "Dana Lee", "ticket #A-19")
    assert replies.date_in("on 4/2/2026", today) is None  # April or February: asked for
    assert replies.date_in("on 31 December", today) == date(2025, 12, 31)
    assert replies.date_in("last Monday", today) == date(2026, 3, 2)
    assert replies.read_line("talk: Terminated the contract on 3 March, ref X-12", today=today,
                             owner_name="Sam").kind == "talk"


def test_flask_mail_receive_serves_smtp_as_the_readme_says(tmp_path):
    """The README's command, run as written: it listens, advertises its size
    limit, refuses an address that is not a signed reply address, and stops on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    flask = Path(sys.executable).parent / "flask"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") and k != "DATABASE_URL"}
    env.update(TRACKER_INSTANCE_PATH=str(tmp_path), TRACKER_REPLY_DOMAIN=DOMAIN)
    assert subprocess.run([str(flask), "--app", "app", "db", "upgrade"], cwd=root, env=env,
                          capture_output=True, timeout=120).returncode == 0
    port = free_port()
    server = subprocess.Popen([str(flask), "--app", "app", "mail", "receive", "--port", str(port)], cwd=root,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        with smtp:
            smtp.ehlo()
            assert smtp.esmtp_features["size"] == str(2 * 1024 * 1024)
            assert smtp.mail(OWNER)[0] == 250
            assert smtp.rcpt(f"checkin+1.{'a' * 26}@{DOMAIN}")[0] == 550
            assert smtp.rcpt(f"someone@{DOMAIN}")[0] == 550
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0
    assert f"Receiving SMTP for checkin+…@{DOMAIN} on 127.0.0.1:{port}" in output


def test_the_digest_offers_each_open_check_in_its_reply_address(reply_app, world):
    from tracker.accounts.models import User
    from tracker.digests import content
    from tracker.digests import services as digests

    with reply_app.app_context():
        digest = content.digest_of(db.session.get(User, world["owner"]), "2026-W10", "UTC")
        _, text, html = digests.render(digest)
    assert (f"or check in by email, one line per thing that happened, to {world['address']}" in text)
    assert f'href="mailto:{world["address"]}"' in html


def test_the_receiver_speaks_lmtp_behind_a_mail_server(reply_app, world, smtp_server):
    controller = receiver.start(reply_app, host="127.0.0.1", port=free_port(), now=lambda: NOW, lmtp=True)
    try:
        with smtplib.LMTP(controller.hostname, controller.port, timeout=10) as lmtp:
            refused = lmtp.sendmail(OWNER, [world["address"]], crlf(plain(
                "Terminated the CallCo contract on 3 March, ref LGL-0412\n"
                "We plan to move the team next month", to=world["address"])))
    finally:
        controller.stop()
    assert refused == {}
    found = stored(reply_app, world["checkin"])
    assert found["state"] == "submitted" and len(found["entries"]) == 2
    [answer] = sent_answers(reply_app, smtp_server)
    assert answer["Subject"] == "Check-in submitted: Close the call centre"


def test_two_replies_at_once_submit_once_and_amend_once(reply_app, world):
    """Two replies about one open check-in processed at the same moment (two
    receiver threads, or the receiver and the webhook): one submits it, the
    other waits for it (a row lock on PostgreSQL, the one writer on SQLite)
    and is added as an amendment."""
    import threading

    barrier = threading.Barrier(2)
    outcomes = []
    texts = {"<race-0@x>": "Terminated the CallCo contract on 3 March, ref LGL-0412",
             "<race-1@x>": "Moved the team to the ground floor yesterday, ref MOVE-77"}

    def receive(message_id: str) -> None:
        raw = plain(texts[message_id], to=world["address"], message_id=message_id)
        with reply_app.app_context():
            barrier.wait()
            outcomes.append(replies.receive_reply(raw, now=NOW).outcome)
            db.session.commit()

    threads = [threading.Thread(target=receive, args=(message_id,)) for message_id in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["amended", "submitted"]
    found = stored(reply_app, world["checkin"])
    assert found["state"] == "submitted"
    assert sorted(amendment for *_, amendment in found["entries"]) == [False, True]


def test_while_the_database_is_down_the_receiver_says_try_later_and_the_retry_is_recorded(
        reply_app, world, inbox, smtp_server):
    from tests.outage import database_cut

    raw = plain("Terminated the CallCo contract on 3 March, ref LGL-0412", to=world["address"])
    with database_cut(reply_app):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            deliver(inbox, raw, to=world["address"])
        assert refused.value.recipients[world["address"]][0] == 451
    # Down between RCPT and the end of DATA: 451 at the end, nothing kept.
    with smtplib.SMTP(inbox.hostname, inbox.port, timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.mail(OWNER)[0] == 250 and smtp.rcpt(world["address"])[0] == 250
        with database_cut(reply_app):
            code, message = smtp.data(crlf(raw))
    assert code == 451 and b"try again later" in message
    assert stored(reply_app, world["checkin"])["replies"] == []

    deliver(inbox, raw, to=world["address"])  # the sending server's retry
    found = stored(reply_app, world["checkin"])
    assert found["state"] == "submitted" and found["replies"] == [("submitted", OWNER)]
    assert len(sent_answers(reply_app, smtp_server)) == 1


def test_a_digest_with_one_open_check_in_is_answered_by_replying_to_it(reply_app, world, smtp_server):
    from tracker.accounts.models import User
    from tracker.digests import content
    from tracker.digests import services as digests

    with reply_app.app_context():
        db.session.get(CheckIn, world["old"]).state = "missed"
        db.session.commit()
        digest = content.digest_of(db.session.get(User, world["owner"]), "2026-W10", "UTC")
        outbox.enqueue(digests.digest_mail(digest), now=NOW)
        db.session.commit()
    [sent] = sent_answers(reply_app, smtp_server)
    assert sent["Reply-To"] == world["address"]
    assert "or reply to this email, one line per thing that happened" in text_of(sent)
