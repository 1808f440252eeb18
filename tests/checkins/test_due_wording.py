"""A check-in's due day is worded once, from the organisation's today, and
the dashboard banner, my check-ins and the check-in page say the same."""

from datetime import UTC, date, datetime

import pytest

from tests import factories
from tests.conftest import sign_in_session
from tracker.checkins.services import due_distance, due_wording
from tracker.extensions import db
from tracker.organisation.models import OrgSettings

# Saturday 28 November 14:00 UTC is already Sunday the 29th, 01:00, in Sydney.
NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(("today", "words"), [
    (date(2026, 11, 29), "overdue since Fri 27 Nov (2 days late)"),
    (date(2026, 11, 28), "overdue since Fri 27 Nov (1 day late)"),
    (date(2026, 11, 27), "due today"),
    (date(2026, 11, 26), "due tomorrow, Fri 27 Nov"),
    (date(2026, 11, 24), "due Fri 27 Nov (in 3 days)"),
])
def test_due_wording_says_how_the_due_day_stands(today, words):
    assert due_wording(FRIDAY, today) == words


@pytest.mark.parametrize(("today", "words"), [
    (date(2026, 11, 29), "2 days late"), (date(2026, 11, 28), "1 day late"),
    (date(2026, 11, 27), "today"), (date(2026, 11, 26), "tomorrow"), (date(2026, 11, 24), "in 3 days"),
])
def test_the_checkin_page_says_the_distance_after_the_date(today, words):
    assert due_distance(FRIDAY, today) == words


@pytest.mark.fixed_now(NOW)
def test_banner_list_and_checkin_page_agree_on_sydneys_today(app, client):
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="Australia/Sydney", default_cadence="weekly",
                                   default_weekday=4, grace_days=3, reminder_hour=9, digest_weekday=0,
                                   digest_hour=8))
        owner = factories.make_user("member")
        initiative = factories.make_initiative("Close the Leeds site", owner=owner, status="in_progress")
        checkin = factories.make_checkin(initiative, period_start=date(2026, 11, 23))
        assert checkin.due_on == FRIDAY
        checkin_id, initiative_id, owner_id = checkin.id, initiative.id, owner.id
        db.session.commit()
    sign_in_session(client, owner_id)
    words = "overdue since Fri 27 Nov (2 days late)"  # in UTC it would still be 1 day
    banner = client.get("/").get_data(as_text=True)
    assert "Your check-ins:" in banner and words in banner
    assert words in client.get("/checkins/").get_data(as_text=True)
    page = client.get(f"/checkins/{checkin_id}").get_data(as_text=True)
    # The page shows the date in full once, then how far it is: never "due … (due …)".
    assert "Fri 27 Nov 2026 <span class=\"muted\">(2 days late)</span>" in page and "(due " not in page
    assert words in client.get(f"/initiatives/{initiative_id}").get_data(as_text=True)
