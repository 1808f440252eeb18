"""The admin's classifier page: agreement with owners and reviewers, and the
organisation's cue phrases, through the test client."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import count_queries
from tracker.checkins import services as checkins
from tracker.checkins.models import CuePhrase
from tracker.extensions import db

# The page looks back 90 days from the app's clock, fixed at the moment the entries are made.
pytestmark = pytest.mark.fixed_now(factories.NOW)

PAGE = "/checkins/classifier"


def _entries(app, n: int) -> None:
    """n check-ins, each with a talk entry the owner called action and a reviewer's verdict."""
    with app.app_context():
        owner = factories.make_user("member")
        executive = factories.make_user("executive")
        initiative = factories.make_initiative(owner=owner, status="in_progress",
                                               start_date=date(2025, 1, 6))
        now = factories.NOW
        for week in range(n):
            start = date(2025, 1, 6) + timedelta(weeks=week)
            checkin = factories.make_checkin(initiative, period_start=start)
            checkins.submit_checkin(
                checkin, actor=owner, now=now, today=now.date(),
                entries=[factories.action("Updated the board on the supplier review", on=now.date()),
                         factories.talk()])
            checkins.review_entry(checkin.entries[0], actor=executive, verdict="talk", now=now)
        db.session.commit()


@pytest.mark.parametrize("role", ["member", "executive", "hr"])
def test_only_admins_see_the_classifier_page(client, login_as, role):
    login_as(role)

    assert client.get(PAGE).status_code == 403
    assert client.post("/checkins/classifier/cues", data={"phrase": "dry run"}).status_code == 403


def test_the_page_shows_both_confusion_matrices_precision_and_recall(app, client, login_as):
    _entries(app, 2)
    login_as("admin")

    page = client.get(PAGE).get_data(as_text=True)

    assert "Owners' choices" in page and "Reviewers' verdicts" in page
    assert "Precision" in page and "Recall" in page
    assert 'href="/checkins/classifier"' in page
    # Owners called two talk entries action, so agreed on half of four;
    # reviewers sided with the suggestion both times.
    assert "Agreed on <strong>50.0%</strong> of 4" in page
    assert "Agreed on <strong>100.0%</strong> of 2" in page
    assert "No suggestion was overruled" in page


def test_the_page_runs_a_fixed_number_of_queries(app, client, login_as):
    login_as("admin")
    _entries(app, 1)
    with count_queries(app) as few:
        assert client.get(PAGE).status_code == 200
    _entries(app, 6)
    with count_queries(app) as many:
        assert client.get(PAGE).status_code == 200

    assert many() == few()


def test_an_admin_adds_a_cue_phrase_and_the_next_suggestion_uses_it(app, client, login_as):
    login_as("admin")
    text = "Pencilled in the move of the returns desk to the front of the store"
    assert client.post("/checkins/classify", json={"text": text}).get_json()["kind"] == "action"

    response = client.post("/checkins/classifier/cues",
                           data={"phrase": "pencilled in", "kind": "talk", "role": "marker", "weight": "5"})

    assert response.status_code == 302
    suggestion = client.post("/checkins/classify", json={"text": text}).get_json()
    assert suggestion["kind"] == "talk"
    assert any("pencilled in" in reason for reason in suggestion["reasons"])
    assert "pencilled in" in client.get(PAGE).get_data(as_text=True)


def test_a_refused_cue_phrase_is_explained_beside_its_field(app, client, login_as):
    login_as("admin")

    response = client.post("/checkins/classifier/cues",
                           data={"phrase": "dry run", "kind": "action", "role": "marker", "weight": "3"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Action cues are evidence or act cues." in page
    with app.app_context():
        assert db.session.scalar(select(CuePhrase)) is None


def test_an_admin_switches_a_cue_phrase_off(app, client, login_as):
    login_as("admin")
    client.post("/checkins/classifier/cues",
                data={"phrase": "pencilled in", "kind": "talk", "role": "marker", "weight": "5"})
    with app.app_context():
        cue_id = db.session.scalar(select(CuePhrase.id))

    response = client.post(f"/checkins/classifier/cues/{cue_id}",
                           data={"role": "context", "weight": "2", "active": "no"})

    assert response.status_code == 302
    with app.app_context():
        cue = db.session.get(CuePhrase, cue_id)
        assert (cue.role, cue.weight, cue.active) == ("context", 2, False)
