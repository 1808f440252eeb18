"""The digest preview (issue 15, item 3): a week already sent (or queued) shows
the message stored in the outbox, exactly; a week not yet sent is labelled
"as of now"; a week not yet begun says it is in the future."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests import factories
from tracker.accounts.models import User
from tracker.digests import services as digests
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.outbox import services as outbox
from tracker.outbox.models import OutboxMessage

WEEK = "2026-W10"  # Monday 2 March to Sunday 8 March 2026
AFTER_WEEK = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.fixed_now(datetime(2026, 3, 11, 12, 0, tzinfo=UTC))


@pytest.fixture
def sent_week(smtp_app, smtp_server):
    """Sam's digest of WEEK, sent through the real SMTP server; then the
    initiative is renamed, as later data would change a live rendering."""
    with smtp_app.app_context():
        sam = factories.make_user("member", email="sam@example.com", name="Sam Whitfield")
        initiative = factories.make_initiative("Close the old depot", owner=sam, status="in_progress",
                                               start_date=date(2026, 1, 5))
        factories.make_checkin(initiative, period_start=date(2026, 3, 9))
        db.session.commit()
        digests.send_digests(AFTER_WEEK, week=WEEK)
        initiative.title = "Renamed after the digest went"
        db.session.commit()
        sam_id = sam.id
    assert len(smtp_server.messages) == 1
    return sam_id


def test_preview_of_a_sent_week_is_exactly_the_message_sent(smtp_app, client, sent_week):
    with smtp_app.app_context():
        sam = db.session.get(User, sent_week)
        stored = db.session.scalars(select(OutboxMessage)).one()
        assert stored.state == "sent"
    client_session(client, sent_week)
    page = client.get(f"/digests/preview?week={WEEK}")
    assert b"exactly the message sent to sam@example.com" in page.data
    assert b"as of now" not in page.data
    mail = client.get(f"/digests/preview/mail?week={WEEK}").get_data(as_text=True)
    assert mail == stored.body_html.replace("<head>", '<head><base target="_top">', 1)
    assert "Close the old depot" in mail and "Renamed after the digest went" not in mail
    assert sam.display_name in mail


def test_preview_of_a_week_not_yet_sent_is_labelled_as_of_now(smtp_app, client, sent_week):
    client_session(client, sent_week)
    page = client.get("/digests/preview?week=2026-W09")
    assert b"as of now" in page.data and b"exactly the message" not in page.data
    mail = client.get("/digests/preview/mail?week=2026-W09").get_data(as_text=True)
    assert "Renamed after the digest went" in mail


def test_preview_of_a_future_week_says_it_is_in_the_future(smtp_app, client, sent_week):
    client_session(client, sent_week)
    page = client.get("/digests/preview?week=2026-W20")
    assert b"this week is in the future" in page.data
    mail = client.get("/digests/preview/mail?week=2026-W20").get_data(as_text=True)
    assert "2026-W20 is in the future" in mail
    assert "A quiet week" not in mail and "Check in on" not in mail


def test_admin_previews_what_was_sent_to_a_person_from_the_outbox_page(smtp_app, client, login_as,
                                                                       sent_week):
    login_as("admin")
    listing = client.get("/outbox/?kind=digest").get_data(as_text=True)
    link = f'/digests/preview?user_id={sent_week}&amp;week={WEEK}'
    assert link in listing
    page = client.get(link.replace("&amp;", "&"))
    assert page.status_code == 200
    assert b"Sam Whitfield's digest" in page.data
    assert f'src="/digests/preview/mail?week={WEEK}&amp;user_id={sent_week}"'.encode() in page.data
    mail = client.get(f"/digests/preview/mail?week={WEEK}&user_id={sent_week}").get_data(as_text=True)
    assert "Close the old depot" in mail and "Renamed after the digest went" not in mail


def test_a_member_cannot_preview_someone_elses_digest(smtp_app, client, login_as, sent_week):
    login_as("member")
    assert client.get(f"/digests/preview?week={WEEK}&user_id={sent_week}").status_code == 403
    assert client.get(f"/digests/preview/mail?week={WEEK}&user_id={sent_week}").status_code == 403
    assert client.get(f"/digests/preview?week={WEEK}&user_id=999999").status_code == 404
    assert client.get(f"/digests/preview?week={WEEK}&user_id=x").status_code == 404


def test_a_queued_digest_is_previewed_as_queued(smtp_app, client):
    with smtp_app.app_context():
        sam = factories.make_user("member", email="sam@example.com", name="Sam Whitfield")
        factories.make_initiative("Close the old depot", owner=sam, status="in_progress",
                                  start_date=date(2026, 1, 5))
        db.session.commit()
        digests.queue_digests(AFTER_WEEK, week=WEEK)
        db.session.commit()
        stored = outbox.message_with_key(digests.digest_key(sam, WEEK))
        assert stored.state == "queued"
        db.session.get(Initiative, db.session.scalars(select(Initiative.id)).one()).title = "Renamed"
        db.session.commit()
        sam_id = sam.id
    client_session(client, sam_id)
    page = client.get(f"/digests/preview?week={WEEK}")
    assert b"exactly the message queued for sam@example.com" in page.data


def client_session(client, user_id):
    from tests.conftest import sign_in_session
    sign_in_session(client, user_id)
