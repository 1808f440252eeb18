"""The correction and void pages through the test client."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests import factories
from tests.conftest import count_queries
from tests.form_errors import field_error
from tracker.accounts.models import User
from tracker.extensions import db
from tracker.metrics import services
from tracker.metrics.models import Metric

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.fixed_now(NOW)


def reading_of(app, owner_id: int | None = None, value: float = 40, recorder_id: int | None = None):
    """(metric id, reading id) of a new % metric with one reading."""
    with app.app_context():
        owner = db.session.get(User, owner_id) if owner_id else None
        metric = factories.make_metric(owner=owner)
        recorder = db.session.get(User, recorder_id) if recorder_id else metric.owner
        reading = services.record_reading(metric, actor=recorder, observed_on=date(2026, 11, 1),
                                          value=value, now=NOW, today=date(2026, 11, 23))
        db.session.commit()
        return metric.id, reading.id


def current_values(app, metric_id: int) -> list[float]:
    with app.app_context():
        return [v for _, v in services.reading_points([metric_id])[metric_id]]


def test_owner_corrects_a_reading_and_the_page_shows_both(app, client, login_as):
    owner = login_as("member")
    metric_id, reading_id = reading_of(app, owner.id)
    response = client.post(f"/metrics/readings/{reading_id}/correct",
                           data={"value": "41", "reason": "typed 40 for 41"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).data.decode()
    assert "Corrected the reading of 2026-11-01 to 41." in page
    assert "<s>40%</s>" in page and "typed 40 for 41" in page
    assert current_values(app, metric_id) == [41]


def test_a_void_needs_a_reason_beside_the_field(app, client, login_as):
    owner = login_as("member")
    metric_id, reading_id = reading_of(app, owner.id)
    response = client.post(f"/metrics/readings/{reading_id}/void", data={"void-reason": ""})
    assert response.status_code == 200
    assert "Say why" in field_error(response, "void-reason")
    response = client.post(f"/metrics/readings/{reading_id}/void", data={"void-reason": "not ours"})
    assert response.status_code == 302
    assert current_values(app, metric_id) == []


def test_an_implausible_correction_is_refused_beside_the_value(app, client, login_as):
    owner = login_as("member")
    metric_id, reading_id = reading_of(app, owner.id)
    response = client.post(f"/metrics/readings/{reading_id}/correct",
                           data={"value": "-40", "reason": "typo"})
    assert "below the lowest plausible value, 0%" in field_error(response, "value")
    assert current_values(app, metric_id) == [40]


def test_the_reading_form_refuses_a_percentage_below_zero(app, client, login_as):
    owner = login_as("member")
    metric_id, _ = reading_of(app, owner.id)
    response = client.post(f"/metrics/{metric_id}/readings",
                           data={"observed_on": "2026-11-02", "value": "-40"})
    assert "below the lowest plausible value" in field_error(response, "value")


def test_a_member_may_not_correct_someone_elses_reading(app, client, login_as):
    metric_id, reading_id = reading_of(app)
    login_as("member")
    assert client.get(f"/metrics/readings/{reading_id}/correct").status_code == 403
    response = client.post(f"/metrics/readings/{reading_id}/correct", data={"value": "1", "reason": "x"})
    assert response.status_code == 403
    assert b"Correct</a>" not in client.get(f"/metrics/{metric_id}/readings").data
    assert current_values(app, metric_id) == [40]


def test_the_recorder_and_leaders_may_correct(app, client, login_as):
    leader = login_as("executive")
    metric_id, reading_id = reading_of(app, recorder_id=leader.id)
    response = client.post(f"/metrics/readings/{reading_id}/correct",
                           data={"value": "42", "reason": "leader"})
    assert response.status_code == 302
    assert current_values(app, metric_id) == [42]


def test_readings_page_runs_the_same_queries_with_few_and_many_corrections(app, client, login_as):
    owner = login_as("member")
    metric_id, _ = reading_of(app, owner.id)

    def add(days: range):
        with app.app_context():
            metric = db.session.get(Metric, metric_id)
            for day in days:
                reading = services.record_reading(metric, actor=metric.owner,
                                                  observed_on=date(2026, 1, 1) + timedelta(days=day),
                                                  value=10, now=NOW, today=date(2026, 11, 23))
                services.correct_reading(reading, actor=metric.owner, value=11, reason="typo", now=NOW)
            db.session.commit()

    def queries() -> int:
        with count_queries(app) as n:
            assert client.get(f"/metrics/{metric_id}/readings").status_code == 200
        return n()

    add(range(2))
    few = queries()
    add(range(2, 40))
    assert queries() == few
