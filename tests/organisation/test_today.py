"""'Today' is the organisation's date, on every page and in every service,
whatever time zone the person looking lives in."""

from datetime import UTC, date, datetime

import pytest

from tests import factories
from tracker.accounts import services as accounts
from tracker.extensions import db
from tracker.organisation.models import OrgSettings
from tracker.organisation.services import today

# 23 November 12:30 in UTC is already the 24th in Auckland and still the 23rd in Honolulu.
NOW = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)


def _organisation_in(zone: str) -> None:
    db.session.add(OrgSettings(id=1, timezone=zone, default_cadence="weekly", default_weekday=4,
                               grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8))
    db.session.flush()


def test_today_is_the_date_in_the_organisations_time_zone(ctx):
    assert today(NOW) == date(2026, 11, 23)  # UTC until an admin sets one
    _organisation_in("Pacific/Auckland")
    assert today(NOW) == date(2026, 11, 24)


@pytest.mark.fixed_now(NOW)
def test_pages_count_the_future_from_the_organisations_midnight_not_the_readers(app, client, login_as):
    with app.app_context():
        _organisation_in("Pacific/Auckland")
        db.session.commit()
    owner = login_as("member")
    with app.app_context():
        accounts.set_timezone(db.session.get(type(owner), owner.id), "Pacific/Honolulu")
        metric_id = factories.make_metric(owner=db.session.get(type(owner), owner.id)).id
        db.session.commit()
    page = client.get(f"/metrics/{metric_id}").get_data(as_text=True)
    assert 'max="2026-11-24"' in page
    response = client.post(f"/metrics/{metric_id}/readings",
                           data={"observed_on": "2026-11-24", "value": "3", "note": ""})
    assert response.status_code == 302  # Auckland's today is not the future
