"""The JSON API: what a program holding a token may read and write, and how it is told no."""

from datetime import date, timedelta

import pytest

from tests import factories
from tests.api.conftest import bearer
from tests.conftest import sign_in_session
from tracker.accounts.models import User
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.metrics.models import Reading

pytestmark = pytest.mark.fixed_now(factories.NOW)


@pytest.fixture
def world(app):
    with app.app_context():
        member = factories.make_user("member")
        other = factories.make_user("member")
        hr = factories.make_user("hr")
        metric = factories.make_metric(owner=member, name="NPS")
        theirs = factories.make_metric(owner=other, name="CSAT")
        initiative = factories.make_initiative(owner=member, status="in_progress")
        db.session.commit()
        return {"member": member.id, "other": other.id, "hr": hr.id, "metric": metric.id, "theirs": theirs.id,
                "initiative": initiative.id}


def _readings(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Reading))


def test_a_token_reads_and_no_token_or_a_bad_one_gets_a_problem(app, client, world, token_for):
    secret = token_for(world["member"], "read")
    listed = client.get("/api/v1/initiatives", headers=bearer(secret))
    assert listed.status_code == 200
    assert [i["id"] for i in listed.get_json()["items"]] == [world["initiative"]]
    assert listed.get_json()["items"][0]["saydo"]["flags"] is not None
    for headers in ({}, bearer("bpt_not-a-token"), {"Authorization": secret}):
        refused = client.get("/api/v1/initiatives", headers=headers)
        assert refused.status_code == 401
        assert refused.content_type == "application/problem+json"
        assert refused.get_json()["status"] == 401


def test_revoked_expired_and_deactivated_tokens_stop_at_once(app, client, world, token_for):
    from tracker.tokens import services as tokens

    revoked, deactivated = token_for(world["member"], "read"), token_for(world["other"], "read")
    expired = token_for(world["member"], "read", days=1)  # created at NOW; the app's clock is NOW
    with app.app_context():
        token = tokens.authenticate(revoked, now=factories.NOW)
        tokens.revoke(token, actor=token.user, now=factories.NOW)
        db.session.get(User, world["other"]).active = False
        db.session.commit()
    assert client.get("/api/v1/metrics", headers=bearer(revoked)).status_code == 401
    assert client.get("/api/v1/metrics", headers=bearer(deactivated)).status_code == 401
    assert client.get("/api/v1/metrics", headers=bearer(expired)).status_code == 200
    with app.app_context():
        assert tokens.authenticate(expired, now=factories.NOW.replace(day=6)) is None


def test_the_session_cookie_never_authenticates_the_api(app, client, world):
    sign_in_session(client, world["member"])
    answer = client.post(f"/api/v1/metrics/{world['metric']}/readings",
                         json={"observed_on": "2026-03-01", "value": 40})
    assert answer.status_code == 401
    assert _readings(app) == 0


def test_a_token_without_the_scope_is_refused(app, client, world, token_for):
    secret = token_for(world["member"], "read")
    answer = client.post(f"/api/v1/metrics/{world['metric']}/readings", headers=bearer(secret),
                         json={"observed_on": "2026-03-01", "value": 40})
    assert answer.status_code == 403
    assert "readings:write" in answer.get_json()["detail"]


def test_a_member_can_never_have_or_use_a_people_token(app, client, world, token_for):
    from tracker.tokens import services as tokens

    with app.app_context(), pytest.raises(tokens.TokenError, match="cannot give a token that scope"):
        tokens.create_token(db.session.get(User, world["member"]), name="HR feed", scopes=["people:read"],
                            days=30, now=factories.NOW)
    member = token_for(world["member"], "read")
    assert client.get("/api/v1/people/decisions", headers=bearer(member)).status_code == 403
    hr = token_for(world["hr"], "read", "people:read")
    assert client.get("/api/v1/people/decisions", headers=bearer(hr)).status_code == 200


def test_one_reading_obeys_the_forms_rules_and_names_the_field(app, client, world, token_for):
    secret = token_for(world["member"], "readings:write")
    url = f"/api/v1/metrics/{world['metric']}/readings"
    stored = client.post(url, headers=bearer(secret), json={"observed_on": "2026-03-01", "value": 40})
    assert stored.status_code == 201
    assert stored.get_json()["value"] == 40
    again = client.post(url, headers=bearer(secret), json={"observed_on": "2026-03-01", "value": 41})
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["field"] == "/observed_on"
    future = client.post(url, headers=bearer(secret), json={"observed_on": "2026-03-05", "value": 41})
    assert future.get_json()["errors"][0]["field"] == "/observed_on"
    shape = client.post(url, headers=bearer(secret), json={"observed_on": "soon", "value": "x"})
    assert shape.status_code == 422
    assert {e["field"] for e in shape.get_json()["errors"]} == {"/observed_on", "/value"}
    theirs = client.post(f"/api/v1/metrics/{world['theirs']}/readings", headers=bearer(secret),
                         json={"observed_on": "2026-03-01", "value": 40})
    assert theirs.status_code == 403
    assert _readings(app) == 1


def test_bulk_readings_are_all_or_nothing_with_an_error_per_row(app, client, world, token_for):
    secret = token_for(world["member"], "readings:write")
    rows = [{"metric": world["metric"], "observed_on": (date(2023, 1, 1) + timedelta(days=n)).isoformat(),
             "value": n % 100} for n in range(1000)]
    bad = [*rows[:3], {"metric": "CSAT", "observed_on": "2026-01-01", "value": 5},
           {"metric": world["metric"], "observed_on": "2026-01-02", "value": 101}]
    refused = client.post("/api/v1/readings/bulk", headers=bearer(secret), json={"readings": bad})
    assert refused.status_code == 422
    assert [(e["row"], e["field"]) for e in refused.get_json()["errors"]] == [
        (3, "/readings/3/metric"), (4, "/readings/4/value")]
    assert _readings(app) == 0
    too_many = client.post("/api/v1/readings/bulk", headers=bearer(secret),
                           json={"readings": [*rows, rows[0]]})
    assert too_many.status_code == 422
    assert too_many.get_json()["errors"][0]["field"] == "/readings"
    stored = client.post("/api/v1/readings/bulk", headers=bearer(secret), json={"readings": rows})
    assert stored.status_code == 201, stored.get_json()
    assert stored.get_json() == {"created": 1000}
    assert _readings(app) == 1000


def test_a_retry_with_the_same_key_gets_the_first_answer_and_writes_once(app, client, world, token_for):
    secret = token_for(world["member"], "readings:write")
    url = f"/api/v1/metrics/{world['metric']}/readings"
    body = {"observed_on": "2026-03-01", "value": 40}
    first = client.post(url, headers=bearer(secret, **{"Idempotency-Key": "k-1"}), json=body)
    retry = client.post(url, headers=bearer(secret, **{"Idempotency-Key": "k-1"}), json=body)
    assert first.status_code == retry.status_code == 201
    assert first.get_json() == retry.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert _readings(app) == 1
    other = client.post(url, headers=bearer(secret, **{"Idempotency-Key": "k-1"}),
                        json={**body, "value": 41})
    assert other.status_code == 422
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_gets_send_an_etag_and_answer_304_while_nothing_changed(app, client, world, token_for):
    secret = token_for(world["member"], "read", "readings:write")
    url = f"/api/v1/metrics/{world['metric']}"
    first = client.get(url, headers=bearer(secret))
    etag = first.headers["ETag"]
    assert client.get(url, headers=bearer(secret, **{"If-None-Match": etag})).status_code == 304
    client.post(f"{url}/readings", headers=bearer(secret), json={"observed_on": "2026-03-01", "value": 40})
    changed = client.get(url, headers=bearer(secret, **{"If-None-Match": etag}))
    assert changed.status_code == 200
    assert changed.get_json()["latest_readings"][0]["value"] == 40


def test_lists_page_by_cursor(app, client, world, token_for):
    secret = token_for(world["member"], "readings:write", "read")
    rows = [{"metric": "NPS", "observed_on": f"2026-01-{d:02d}", "value": d} for d in range(1, 8)]
    client.post("/api/v1/readings/bulk", headers=bearer(secret), json={"readings": rows})
    seen, url = [], f"/api/v1/metrics/{world['metric']}/readings?limit=3"
    while url:
        page = client.get(url, headers=bearer(secret)).get_json()
        seen += [r["value"] for r in page["items"]]
        url = page["next_cursor"] and (f"/api/v1/metrics/{world['metric']}/readings"
                                       f"?limit=3&cursor={page['next_cursor']}")
    assert seen == [1, 2, 3, 4, 5, 6, 7]
    bad = client.get("/api/v1/metrics?cursor=nonsense", headers=bearer(secret))
    assert bad.status_code == 400
    assert bad.get_json()["errors"][0]["field"] == "cursor"


def test_a_token_beyond_its_rate_waits(app, client, world, token_for):
    app.config["API_REQUESTS_PER_MINUTE"] = 3
    secret = token_for(world["member"], "read")
    answers = [client.get("/api/v1/behaviours", headers=bearer(secret)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60


def test_a_check_in_is_submitted_and_classified_as_on_the_page(app, client, world, token_for):
    with app.app_context():
        initiative = db.session.get(Initiative, world["initiative"])
        checkin = factories.make_checkin(initiative)
        db.session.commit()
        checkin_id = checkin.id
    secret = token_for(world["member"], "write")
    body = {"entries": [{"kind": "action", "text": "Terminated the Acme call-centre contract",
                         "happened_on": "2026-03-03", "done_by": "Sam", "evidence": "contract #4471"},
                        {"kind": "talk", "text": "We will put the customer first in everything we do"}]}
    answer = client.post(f"/api/v1/checkins/{checkin_id}/submission", headers=bearer(secret), json=body)
    assert answer.status_code == 201, answer.get_json()
    entries = answer.get_json()["entries"]
    assert [e["suggested_kind"] for e in entries] == ["action", "talk"]
    assert all(e["reasons"] for e in entries)
    again = client.post(f"/api/v1/checkins/{checkin_id}/submission", headers=bearer(secret), json=body)
    assert again.status_code == 409
    other = token_for(world["other"], "write")
    assert client.post(f"/api/v1/checkins/{checkin_id}/submission", headers=bearer(other),
                       json=body).status_code == 403


def test_initiatives_are_created_and_updated_by_the_forms_rules(app, client, world, token_for):
    secret = token_for(world["member"], "write", "read")
    body = {"title": "Close the call centre", "kind": "contract_termination",
            "burning_platform": "Customers leave.", "owner_id": world["member"], "start_date": "2026-03-02"}
    created = client.post("/api/v1/initiatives", headers=bearer(secret), json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["status"] == "proposed"
    not_mine = client.post("/api/v1/initiatives", headers=bearer(secret),
                           json={**body, "owner_id": world["other"]})
    assert not_mine.status_code == 422
    assert not_mine.get_json()["errors"][0]["field"] == "/owner_id"
    ident, version = created.get_json()["id"], created.get_json()["version"]
    changed = client.patch(f"/api/v1/initiatives/{ident}", headers=bearer(secret),
                           json={"title": "Close the Acme call centre", "version": version})
    assert changed.status_code == 200
    assert changed.get_json()["title"] == "Close the Acme call centre"
    stale = client.patch(f"/api/v1/initiatives/{ident}", headers=bearer(secret),
                         json={"title": "Another", "version": version})
    assert stale.status_code == 409
    others = token_for(world["other"], "write")
    assert client.patch(f"/api/v1/initiatives/{ident}", headers=bearer(others),
                        json={"title": "Mine now"}).status_code == 403


def test_a_correction_supersedes_the_reading(app, client, world, token_for):
    secret = token_for(world["member"], "write")
    reading = client.post(f"/api/v1/metrics/{world['metric']}/readings", headers=bearer(secret),
                          json={"observed_on": "2026-03-01", "value": 40}).get_json()
    corrected = client.post(f"/api/v1/readings/{reading['id']}/corrections", headers=bearer(secret),
                            json={"value": 45, "reason": "Survey tool double-counted"})
    assert corrected.status_code == 201
    assert corrected.get_json()["supersedes_id"] == reading["id"]
    no_reason = client.post(f"/api/v1/readings/{corrected.get_json()['id']}/corrections",
                            headers=bearer(secret), json={"value": 46, "reason": ""})
    assert no_reason.get_json()["errors"][0]["field"] == "/reason"
    assert date.fromisoformat(corrected.get_json()["observed_on"]) == date(2026, 3, 1)
