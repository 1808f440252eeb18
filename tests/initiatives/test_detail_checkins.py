"""The initiative page shows what was done: say/do, actions on the timeline and
the charts, check-ins, and people decisions only to those allowed to see them."""

from datetime import UTC, date, datetime

from tests import factories
from tracker.checkins import services as checkins
from tracker.extensions import db
from tracker.initiatives import services as initiatives
from tracker.people import decisions

NOW = datetime(2026, 3, 6, 10, tzinfo=UTC)


def build(app):
    with app.app_context():
        owner = factories.make_user("member", name="Olive Owner")
        initiative = factories.make_initiative("Bring calls in-house", owner=owner, status="in_progress",
                                               start_date=date(2026, 1, 5))
        metric = factories.make_metric(owner=owner)
        initiatives.link_metric(initiative, actor=owner, metric_id=metric.id,
                                expected_direction="increase", expected_amount=5,
                                expected_by=date(2026, 12, 1), now=NOW)
        from tracker.metrics.models import Reading

        db.session.add_all([Reading(metric_id=metric.id, observed_on=date(2026, 2, 1), value=20),
                            Reading(metric_id=metric.id, observed_on=date(2026, 3, 5), value=30)])
        checkin = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
        checkins.submit_checkin(checkin, actor=owner, now=NOW, today=NOW.date(), entries=[
            factories.action("Terminated the Acme call-centre contract", on=date(2026, 3, 3)),
            factories.talk()])
        hr = factories.make_user("hr")
        behaviour = factories.make_behaviour("Answers every call", actor=hr)
        department = factories.make_department()
        decisions.create_decision(actor=hr, today=NOW.date(), data=decisions.DecisionInput(
            person_name="Secret Person", employee_ref="E-9", kind="hire",
            effective_date=date(2026, 3, 1), department_id=department.id, decided_by="Olive",
            rationale="Loves customers", role_to="Agent", initiative_id=initiative.id,
            evidence=[decisions.EvidenceInput(behaviour_id=behaviour.id, what="Took 40 calls",
                                           observed_on=date(2026, 2, 20), where="HR-1")]), now=NOW)
        db.session.commit()
        return initiative.id, owner.id


def test_page_shows_say_do_record_checkins_and_the_action_on_timeline_and_chart(app, login_as, client):
    initiative_id, _ = build(app)
    login_as("member")
    page = client.get(f"/initiatives/{initiative_id}").get_data(as_text=True)
    assert "Say/do record" in page and "Evidenced actions" in page
    assert "1 action · 1 talk" in page
    assert "action: Terminated the Acme call-centre contract" in page  # marker, in words
    assert page.count("Terminated the Acme call-centre contract") >= 2  # timeline and chart
    assert "contract #4471" in page


def test_members_see_only_a_count_of_linked_people_decisions(app, login_as, client):
    initiative_id, _ = build(app)
    login_as("member")
    page = client.get(f"/initiatives/{initiative_id}").get_data(as_text=True)
    assert "1 people decision is linked to this initiative" in page
    assert "Secret Person" not in page


def test_hr_sees_the_linked_people_decisions(app, login_as, client):
    initiative_id, _ = build(app)
    login_as("hr")
    page = client.get(f"/initiatives/{initiative_id}").get_data(as_text=True)
    assert "Hire: Secret Person" in page and "Aligned" in page


def test_owner_sets_a_monthly_schedule_and_bad_values_are_refused(app, login_as, client):
    initiative_id, owner_id = build(app)
    with app.app_context():
        from tracker.accounts.models import User

        owner = db.session.get(User, owner_id)
    login_as(owner)
    form = {"title": "Bring calls in-house", "kind": "supplier_change", "owner_id": owner_id,
            "burning_platform": "Customers wait", "start_date": "2026-01-05", "sponsor_id": 0,
            "department_id": 0, "checkin_cadence": "monthly", "checkin_weekday": 0}
    assert client.post(f"/initiatives/{initiative_id}/edit", data=form).status_code == 302
    with app.app_context():
        from tracker.initiatives.models import Initiative

        stored = db.session.get(Initiative, initiative_id)
        assert (stored.checkin_cadence, stored.checkin_weekday) == ("monthly", 0)
    bad = client.post(f"/initiatives/{initiative_id}/edit", data={**form, "checkin_cadence": "hourly"})
    assert b"weekly, fortnightly or monthly" in bad.data
