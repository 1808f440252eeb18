"""Webhook rules without HTTP: who may receive what, which events are
queued from where, and signatures a Standard Webhooks library accepts."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests import factories
from tracker.checkins import jobs as checkin_jobs
from tracker.checkins import services as checkins
from tracker.extensions import db
from tracker.metrics import services as metrics
from tracker.outbox.models import OutboxMessage
from tracker.people import decisions
from tracker.webhooks import delivery, services
from tracker.webhooks.models import WebhookEndpoint

NOW = factories.NOW
ALL = ["checkin.submitted", "checkin.missed", "initiative.flagged", "reading.recorded"]


def endpoint(owner, events=ALL, url="https://hooks.example.com/in", **kwargs) -> WebhookEndpoint:
    admin = kwargs.pop("admin", None) or factories.make_user("admin")
    return services.create_endpoint(actor=admin, allow_private=False, now=NOW, data=services.EndpointInput(
        url=url, description="", events=events, owner_id=owner.id))


def queued(kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == "webhook").order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.subject == kind)
    return list(db.session.scalars(query))


def payload(message: OutboxMessage) -> dict:
    return json.loads(message.body_text)


@pytest.mark.parametrize(("url", "problem"), [
    ("ftp://hooks.example.com/in", "start with https://"),
    ("javascript:alert(1)", "start with https://"),
    ("https://user:pw@hooks.example.com/in", "user name and password"),
    ("https:///in", "needs a host"),
    ("https://hooks.example.com:99999/in", "not a URL"),
    ("https://hooks.example.com/in\nHost: evil", "single line"),
    ("https://hooks.example.com/in#x", "fragment"),
    ("http://127.0.0.1:8080/in", "private network"),
    ("http://169.254.169.254/latest/meta-data", "private network"),
    ("http://[::1]/in", "private network"),
    ("http://localhost/in", "private network"),
    ("https://hooks.example.com/" + "a" * 300, "at most 254"),
])
def test_an_endpoint_url_must_be_public_http_or_https(url, problem):
    assert problem in services.url_problem(url, allow_private=False)


def test_private_addresses_are_accepted_only_when_the_setting_allows_them():
    assert services.url_problem("http://127.0.0.1:8080/in", allow_private=True) is None
    assert services.url_problem("https://hooks.example.com/in?token=a", allow_private=False) is None


def test_people_decision_events_are_offered_only_to_owners_who_may_read_people(ctx):
    member, hr = factories.make_user("member"), factories.make_user("hr")
    assert "decision.recorded" not in services.events_offered(member)
    assert "decision.recorded" in services.events_offered(hr)
    with pytest.raises(services.WebhookError) as refused:
        endpoint(member, events=["decision.recorded", "checkin.submitted"])
    assert refused.value.field == "events"
    assert endpoint(hr, events=["decision.recorded"]).events == ["decision.recorded"]


def test_only_admins_register_endpoints(ctx):
    executive = factories.make_user("executive")
    with pytest.raises(services.WebhookError, match="Only admins"):
        endpoint(executive, admin=executive)


def test_every_path_that_records_a_reading_queues_the_same_event(ctx):
    """The form, the CSV import, a check-in's readings and the API's bulk write."""
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner, name="CSAT after contact")
    hook = endpoint(factories.make_user("member"), events=["reading.recorded"])
    # The form's service.
    metrics.record_reading(metric, actor=owner, observed_on=date(2026, 2, 1), value=41, now=NOW,
                           today=NOW.date())
    # The CSV import: one event per row.
    csv = f"metric,observed_on,value\n{metric.id},2026-02-08,42\nCSAT after contact,2026-02-15,43\n"
    assert metrics.import_readings(csv.encode(), actor=owner, now=NOW, today=NOW.date()).ok
    # A check-in with a reading of its linked metric.
    initiative = factories.make_initiative(owner=owner, status="in_progress")
    from tracker.initiatives import services as initiatives
    initiatives.link_metric(initiative, actor=owner, metric_id=metric.id, expected_direction="increase",
                            expected_amount=5, expected_by=date(2026, 6, 1), now=NOW)
    checkin = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
    checkins.submit_checkin(checkin, actor=owner, entries=[factories.action()], now=NOW, today=NOW.date(),
                            readings=[checkins.ReadingInput(metric_id=metric.id, value=44,
                                                            observed_on=date(2026, 3, 3))])
    # The API's bulk write (POST /api/v1/readings/bulk calls this service).
    assert not metrics.store_reading_rows([metrics.ReadingRow(metric=str(metric.id), observed_on="2026-03-04",
                                                              value="45")],
                                          actor=owner, now=NOW, today=NOW.date()).errors
    messages = queued("reading.recorded")
    assert [payload(m)["data"]["reading"]["value"] for m in messages] == [41, 42, 43, 44, 45]
    first = payload(messages[0])
    assert first["type"] == "reading.recorded"
    assert first["data"]["reading"]["metric"] == {
        "id": metric.id, "name": "CSAT after contact", "unit": metric.unit, "direction": "higher",
        "target": 50.0, "url": f"https://tracker.example.com/metrics/{metric.id}"}
    assert {m.endpoint_id for m in messages} == {hook.id}
    assert len({m.message_id for m in messages}) == 5, "one webhook-id per event"


def test_a_refused_submission_queues_nothing(ctx):
    owner = factories.make_user("member")
    endpoint(owner, events=["checkin.submitted"])
    checkin = factories.make_checkin(factories.make_initiative(owner=owner, status="in_progress"))
    db.session.commit()
    with pytest.raises(checkins.CheckInError):
        checkins.submit_checkin(checkin, actor=owner, entries=[], now=NOW, today=NOW.date())
    db.session.rollback()
    assert queued() == []
    checkins.submit_checkin(checkin, actor=owner, entries=[factories.action(), factories.talk()], now=NOW,
                            today=NOW.date())
    [message] = queued("checkin.submitted")
    data = payload(message)["data"]["checkin"]
    assert data["entries"] == {"evidenced_actions": 1, "unevidenced_actions": 0, "talk": 1}
    assert data["submitted_by"]["id"] == owner.id and "text" not in json.dumps(data["entries"])


def test_missed_checkins_are_announced_once_whichever_job_finds_them(ctx):
    owner = factories.make_user("member")
    endpoint(owner, events=["checkin.missed"])
    initiative = factories.make_initiative(owner=owner, status="in_progress")
    old = factories.make_checkin(initiative, period_start=date(2026, 2, 2))
    db.session.commit()
    later = datetime(2026, 3, 30, 9, tzinfo=UTC)
    assert checkin_jobs.mark_missed(later)["missed"] >= 1
    assert checkin_jobs.mark_missed(later) == {"missed": 0}
    announced = {payload(m)["data"]["checkin"]["id"]: payload(m)["data"]["checkin"]["state"]
                 for m in queued("checkin.missed")}
    assert announced[old.id] == "missed" and len(announced) == len(queued("checkin.missed"))


def test_an_initiative_is_announced_when_it_becomes_flagged_not_while_it_stays_so(ctx):
    owner = factories.make_user("member")
    endpoint(owner, events=["initiative.flagged"])
    initiative = factories.make_initiative(owner=owner, status="in_progress")
    db.session.commit()
    first = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert checkin_jobs.note_flags(first)["first_seen"] == 1  # the starting point: nothing sent
    for start in (date(2026, 2, 9), date(2026, 2, 16)):
        factories.make_checkin(initiative, period_start=start, state="missed")
    db.session.commit()
    assert checkin_jobs.note_flags(first + timedelta(minutes=5))["flagged"] == 1
    assert checkin_jobs.note_flags(first + timedelta(minutes=10))["flagged"] == 0
    [message] = queued("initiative.flagged")
    data = payload(message)["data"]
    assert (data["flags"], data["new_flags"]) == (["gone_quiet"], ["gone_quiet"])
    assert data["flag_labels"] == {"gone_quiet": "Gone quiet"}
    assert data["initiative"]["url"] == f"https://tracker.example.com/initiatives/{initiative.id}"


def _decision(hr, department):
    return decisions.create_decision(actor=hr, today=NOW.date(), now=NOW, data=decisions.DecisionInput(
        person_name="Aisha Rahman", employee_ref="E-2031", kind="recognition",
        effective_date=date(2026, 3, 1), department_id=department.id, decided_by="Sam Whitfield",
        rationale="Refunds on the spot.", evidence=()))


def test_decisions_go_only_to_endpoints_whose_owner_may_still_read_them(ctx):
    department = factories.make_department()
    hr, executive = factories.make_user("hr"), factories.make_user("executive")
    kept = endpoint(hr, events=["decision.recorded"])
    demoted = endpoint(executive, events=["decision.recorded"])
    from tracker.accounts import services as accounts
    accounts.update_user(executive, display_name=executive.display_name, role="member", department_id=None,
                         actor=None, now=NOW)
    decision = _decision(hr, department)
    [message] = queued("decision.recorded")
    assert message.endpoint_id == kept.id != demoted.id
    data = payload(message)["data"]["decision"]
    assert (data["id"], data["kind"], data["person_name"]) == (decision.id, "recognition", "Aisha Rahman")
    assert "rationale" not in data and "evidence" not in data


def test_disabled_endpoints_get_nothing_queued(ctx):
    owner, admin = factories.make_user("member"), factories.make_user("admin")
    hook = endpoint(owner, events=["reading.recorded"], admin=admin)
    services.set_enabled(hook, actor=admin, enabled=False, now=NOW)
    metric = factories.make_metric(owner=owner)
    metrics.record_reading(metric, actor=owner, observed_on=date(2026, 2, 1), value=41, now=NOW,
                           today=NOW.date())
    assert queued() == []


def test_signatures_verify_with_the_standard_webhooks_library(ctx):
    hook = endpoint(factories.make_user("member"))
    now = datetime.now(UTC)  # the library checks the timestamp against its own clock
    body = '{"type":"checkin.submitted"}'
    headers = delivery.signed_headers(hook, "msg_abc", body, now)
    assert Webhook(hook.secret).verify(body, headers) == {"type": "checkin.submitted"}
    with pytest.raises(WebhookVerificationError):
        Webhook(hook.secret).verify(body.replace("submitted", "missed"), headers)
    assert hook.secret.startswith("whsec_")


def test_during_a_rotation_both_secrets_sign_until_the_grace_period_ends(ctx):
    admin = factories.make_user("admin")
    hook = endpoint(factories.make_user("member"), admin=admin)
    old = hook.secret
    now = datetime.now(UTC)
    services.rotate_secret(hook, actor=admin, grace=timedelta(hours=24), now=now)
    body = "{}"
    during = delivery.signed_headers(hook, "msg_1", body, now)
    assert len(during["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(body, during) == {} and Webhook(hook.secret).verify(body, during) == {}
    after = delivery.signed_headers(hook, "msg_1", body, now + timedelta(hours=25))
    assert len(after["webhook-signature"].split(" ")) == 1
    assert after["webhook-signature"] == delivery.signature(hook.secret, "msg_1", int(
        (now + timedelta(hours=25)).timestamp()), body)


def test_a_csv_import_queues_its_events_in_the_same_queries_whatever_its_length(app):
    from tests.conftest import count_queries

    def import_rows(rows: int) -> int:
        with app.app_context():
            owner = factories.make_user("member")
            metric = factories.make_metric(owner=owner)
            db.session.commit()
            csv = "metric,observed_on,value\n" + "".join(
                f"{metric.id},{date(2025, 1, 1) + timedelta(days=day)},{day % 90}\n" for day in range(rows))
            with count_queries(app) as queries:
                assert metrics.import_readings(csv.encode(), actor=owner, now=NOW, today=NOW.date()).ok
            db.session.commit()
            return queries()

    with app.app_context():
        endpoint(factories.make_user("member"), events=["reading.recorded"])
        db.session.commit()
    assert import_rows(5) == import_rows(200)
    with app.app_context():
        assert len(queued("reading.recorded")) == 205
