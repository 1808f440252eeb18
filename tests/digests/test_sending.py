"""Weekly digests through the outbox and a real SMTP server: content, headers, exactly once.
(The outbox's own fault suite is tests/outbox/test_faults.py.)"""

import re
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import count_queries, sign_in_session
from tests.factories import NOW
from tracker.checkins import services as checkins
from tracker.digests import services as digests
from tracker.extensions import db
from tracker.organisation.models import OrgSettings
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage

WEEK = "2026-W10"  # Monday 2 March to Sunday 8 March 2026
AFTER_WEEK = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def parse(envelope):
    return message_from_bytes(envelope.content, policy=policy.default)


@pytest.fixture
def org(smtp_app):
    """An executive, an owner who acted, an owner who only talked, HR."""
    with smtp_app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC", default_cadence="weekly", default_weekday=4,
                                   grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8))
        factories.make_user("executive", email="ceo@example.com", name="Cee <b>Oh</b>")
        doer = factories.make_user("member", email="doer@example.com", name="Dana Doer")
        talker = factories.make_user("member", email="talker@example.com", name="Tom Talker")
        factories.make_user("hr", email="hr@example.com")
        acted = factories.make_initiative("In-source the <script>alert(1)</script> call centre",
                                          owner=doer, status="in_progress", start_date=date(2026, 1, 5))
        talked = factories.make_initiative("Customer charter", owner=talker, status="in_progress",
                                           start_date=date(2026, 1, 5))
        for initiative, owner, entries in (
            (acted, doer, [factories.action(on=date(2026, 3, 3))]),
            (talked, talker, [factories.talk(), factories.talk("Held a workshop on our values")]),
        ):
            checkin = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
            checkins.submit_checkin(checkin, actor=owner, entries=entries,
                                    now=datetime(2026, 3, 5, 10, tzinfo=UTC), today=date(2026, 3, 5))
        db.session.commit()
    return smtp_app


def by_recipient(server) -> dict:
    return {env.rcpt_tos[0]: parse(env) for env in server.messages}


def test_each_role_gets_a_multipart_digest_with_headers_and_escaped_text(org, smtp_server):
    with org.app_context():
        result = digests.send_digests(AFTER_WEEK, week=WEEK)
    assert result.sent == 4
    mails = by_recipient(smtp_server)
    assert set(mails) == {"ceo@example.com", "doer@example.com", "talker@example.com", "hr@example.com"}
    ceo = mails["ceo@example.com"]
    assert ceo["Subject"] == f"Your week in action and talk: {WEEK}"
    assert ceo["Message-ID"].startswith(f"<digest-{WEEK}-")
    assert ceo["List-Unsubscribe"].startswith("<https://tracker.example.com/digests/unsubscribe/")
    assert ceo["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ceo.get_content_type() == "multipart/alternative"
    html = ceo.get_body(("html",)).get_content()
    text = ceo.get_body(("plain",)).get_content()
    assert "The organisation" in html and "THE ORGANISATION" in text
    # The footer's link is the one the mail client's unsubscribe button uses.
    assert ceo["List-Unsubscribe"][1:-1] in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script" not in html.lower().replace("&lt;script", "")
    assert "src=" not in html, "no remote images"
    assert "Done this week: 1 action (1 with evidence) against 2 talk" in text
    assert "https://tracker.example.com/initiatives/" in html
    doer_text = mails["doer@example.com"].get_body(("plain",)).get_content()
    assert "YOUR INITIATIVES" in doer_text and "THE ORGANISATION" not in doer_text
    assert "Done this week: 1 action against 0 talk" in doer_text
    talker_text = mails["talker@example.com"].get_body(("plain",)).get_content()
    assert "Done this week: 0 actions against 2 talk" in talker_text
    hr_text = mails["hr@example.com"].get_body(("plain",)).get_content()
    assert "A quiet week" in hr_text


def test_running_the_weekly_job_twice_sends_once(org, smtp_server):
    with org.app_context():
        for moment in (AFTER_WEEK, AFTER_WEEK + timedelta(minutes=5), AFTER_WEEK + timedelta(days=2)):
            digests.weekly_job(moment)
            db.session.commit()
            outbox.send_due(moment)
    assert len(smtp_server.messages) == 4
    assert len({parse(e)["Message-ID"] for e in smtp_server.messages}) == 4


def test_weekly_job_waits_for_the_digest_hour(org, smtp_server):
    with org.app_context():
        assert digests.weekly_job(datetime(2026, 3, 9, 7, 0, tzinfo=UTC)) == {"waiting": 1}
    assert smtp_server.messages == []


def test_deactivated_and_opted_out_people_get_nothing(org, smtp_server):
    from tracker.accounts.models import User

    with org.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
        users["talker@example.com"].active = False
        users["hr@example.com"].digest_opt_in = False
        db.session.commit()
        digests.send_digests(AFTER_WEEK, week=WEEK)
    assert set(by_recipient(smtp_server)) == {"ceo@example.com", "doer@example.com"}


def test_temporary_failure_is_retried_later_and_delivered_once(org, smtp_server):
    smtp_server.mode = "451-once"
    with org.app_context():
        first = digests.send_digests(AFTER_WEEK, week=WEEK)
        assert (first.queued, first.sent, first.retrying) == (4, 3, 1)
        retry = db.session.scalar(select(OutboxMessage).where(OutboxMessage.state == "queued"))
        assert "451" in retry.last_error
        assert retry.next_attempt_at == AFTER_WEEK + outbox.backoff(1)
        soon = digests.send_digests(AFTER_WEEK + timedelta(minutes=1), week=WEEK)
        assert (soon.queued, soon.sent) == (0, 0), "not before the backoff"
        later = digests.send_digests(AFTER_WEEK + timedelta(hours=1), week=WEEK)
        assert later.sent == 1
    recipients = [e.rcpt_tos[0] for e in smtp_server.messages]
    assert sorted(recipients) == sorted(set(recipients)) and len(recipients) == 4


def test_permanent_failure_is_recorded_not_retried_and_shown_to_admins(org, smtp_server, login_as, client):
    smtp_server.mode = "550"
    with org.app_context():
        assert digests.send_digests(AFTER_WEEK, week=WEEK).failed == 4
        assert digests.send_digests(AFTER_WEEK + timedelta(days=1), week=WEEK).failed == 0
        states = set(db.session.scalars(select(OutboxMessage.state)))
    assert states == {"failed"}
    assert smtp_server.calls == 4
    login_as("admin")
    page = client.get("/outbox/?kind=digest").data
    assert b"550" in page and b"No such user here" in page


def test_opting_out_drops_a_digest_waiting_for_a_retry(org, smtp_server):
    from tracker.accounts.models import User

    smtp_server.mode = "451-once"
    with org.app_context():
        digests.send_digests(AFTER_WEEK, week=WEEK)
        waiting = db.session.scalar(select(OutboxMessage).where(OutboxMessage.state == "queued"))
        person = db.session.scalar(select(User).where(User.email == waiting.recipient))
        digests.set_opt_in(person, False, now=AFTER_WEEK + timedelta(minutes=5))
        db.session.commit()
        later = digests.send_digests(AFTER_WEEK + timedelta(hours=1), week=WEEK)
        assert later.sent == 0
        db.session.refresh(waiting)
        assert waiting.state == "failed" and "no longer wants it" in waiting.last_error
    assert waiting.recipient not in {e.rcpt_tos[0] for e in smtp_server.messages}


def test_connection_refused_is_retried(org, smtp_server, closed_port):
    org.config["MAIL_PORT"] = closed_port
    with org.app_context():
        first = digests.send_digests(AFTER_WEEK, week=WEEK)
        assert (first.retrying, first.deferred) == (3, 1), "a run stops after three in a row"
        org.config["MAIL_PORT"] = smtp_server.port
        assert digests.send_digests(AFTER_WEEK + timedelta(hours=1), week=WEEK).sent == 4


def test_building_digests_costs_the_same_queries_for_10_or_500_initiatives(app):
    app.config.update(MAIL_OUTBOX=None)

    def run(extra: int) -> int:
        with app.app_context():
            owners = [factories.make_user("member") for _ in range(5)]
            for i in range(extra):
                initiative = factories.make_initiative(owner=owners[i % 5], status="in_progress",
                                                       start_date=date(2026, 1, 5))
                metric = factories.make_metric(owner=owners[i % 5])
                from tracker.initiatives import services as initiatives

                initiatives.link_metric(initiative, actor=owners[i % 5], metric_id=metric.id,
                                        expected_direction="increase", expected_amount=5,
                                        expected_by=date(2026, 12, 1), now=NOW)
            db.session.commit()
            week = f"W{extra}"
            with count_queries(app) as n:
                digests.send_digests(AFTER_WEEK, week=WEEK, dry_run=True)
            del week
            return n()

    small = run(10)
    large = run(490)
    assert small == large


def test_people_decisions_reach_hr_and_executives_never_members(org, smtp_server):
    from tracker.people import decisions

    with org.app_context():
        hr = db.session.scalar(select(factories.User).where(factories.User.role == "hr"))
        target = factories.make_behaviour("Thanks loyal customers", actor=hr)
        department = factories.make_department("Sales")
        for name, evidence in (("Ann Aligned", True), ("Nick Noevidence", False)):
            decisions.create_decision(actor=hr, today=date(2026, 3, 9), data=decisions.DecisionInput(
                person_name=name, employee_ref=name[:3], kind="promotion",
                effective_date=date(2026, 3, 4), department_id=department.id, decided_by="Board",
                role_from="Agent", role_to="Lead", rationale="Leads by example",
                evidence=[decisions.EvidenceInput(behaviour_id=target.id, what="Thanked 40 customers",
                                               observed_on=date(2026, 2, 20), where="CRM-77")]
                if evidence else []), now=NOW)
        db.session.commit()
        digests.send_digests(AFTER_WEEK, week=WEEK)
    mails = by_recipient(smtp_server)
    for reader in ("hr@example.com", "ceo@example.com"):
        text = mails[reader].get_body(("plain",)).get_content()
        assert "PEOPLE DECISIONS" in text
        assert "2 decisions this week, 1 aligned" in text
        assert "Nick Noevidence" in text and "Ann Aligned" not in text
    for member in ("doer@example.com", "talker@example.com"):
        body = mails[member].get_body(("plain",)).get_content()
        html = mails[member].get_body(("html",)).get_content()
        assert "PEOPLE" not in body and "Nick" not in body and "Nick" not in html


def visible_numbers(text: str) -> list[str]:
    """Every number a reader sees, in order of size, links left out."""
    return sorted(re.findall(r"\d+(?:\.\d+)?%?", re.sub(r"https?://\S+", "", text)))


def test_html_and_text_parts_say_the_same_numbers_as_the_pages_they_link_to(org, smtp_server, client):
    """Issue 15, item 4: Casey's 1 unevidenced action in 9 entries is 5.6%: 6% in
    both parts of the mail and on her say/do page, under the same subheadings."""
    from tracker.accounts.models import User

    with org.app_context():
        casey = factories.make_user("member", email="casey@example.com", name="Casey Lin")
        initiative = factories.make_initiative("Retire the paper forms", owner=casey,
                                               status="in_progress", start_date=date(2026, 1, 5))
        checkin = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
        checkins.submit_checkin(
            checkin, actor=casey, now=datetime(2026, 3, 5, 10, tzinfo=UTC), today=date(2026, 3, 5),
            entries=[factories.action(evidence="", on=date(2026, 3, 4))]
            + [factories.talk(f"We will review form number {n} with the team") for n in range(8)])
        db.session.commit()
        casey_id = casey.id
        digests.send_digests(AFTER_WEEK, week=WEEK)
        ceo_id = db.session.scalars(select(User.id).where(User.email == "ceo@example.com")).one()
    ceo = by_recipient(smtp_server)["ceo@example.com"]
    html = ceo.get_body(("html",)).get_content()
    text = ceo.get_body(("plain",)).get_content()
    seen_in_html = html_to_text(html)
    assert visible_numbers(seen_in_html) == visible_numbers(text)
    for heading in ("Who acts, who talks", "Acting most"):
        assert heading in seen_in_html and heading in text
    assert "Casey Lin: 6%" in text and "Say/do 6%" in seen_in_html
    sign_in_session(client, ceo_id)
    page = client.get(f"/checkins/saydo/owners/{casey_id}").get_data(as_text=True)
    assert '<strong class="ck-pct">6%</strong>' in page
    assert f"https://tracker.example.com/checkins/saydo/owners/{casey_id}" in text


def html_to_text(html: str) -> str:
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts: list[str] = []
            self.skip = False

        def handle_starttag(self, tag, attrs):
            self.skip = tag in ("title", "style")

        def handle_endtag(self, tag):
            self.skip = False

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
