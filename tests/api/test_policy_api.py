"""The API asks the same policy as the pages: for every role, each write on
its own and on someone else's object is refused with 403 exactly when
`policy.may` says no, and people decisions are read exactly by those who
`may(user, "read_people")`, whatever scopes the token holds."""

import pytest

from tests import factories
from tests.api.conftest import bearer
from tracker.accounts.models import Role, User
from tracker.auth.policy import may
from tracker.checkins.models import CheckIn
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.metrics.models import Metric, Reading

pytestmark = pytest.mark.fixed_now(factories.NOW)
ROLES = [role.value for role in Role]


@pytest.fixture
def objects(app):
    """For each role, a user and the objects of someone else, and of their own."""
    with app.app_context():
        someone = factories.make_user("member")
        found = {}
        for role in ROLES:
            user = factories.make_user(role)
            found[role] = {"user": user.id}
            for whose, owner in (("own", user), ("others", someone)):
                metric = factories.make_metric(owner=owner)
                reading = Reading(metric=metric, observed_on=factories.NOW.date().replace(day=1), value=40,
                                  recorded_by_id=owner.id, recorded_at=factories.NOW)
                initiative = factories.make_initiative(owner=owner, status="in_progress")
                checkin = factories.make_checkin(initiative)
                db.session.add(reading)
                db.session.flush()
                found[role][whose] = {"metric": metric.id, "reading": reading.id,
                                      "initiative": initiative.id, "checkin": checkin.id}
        db.session.commit()
        return found


WRITES = {
    # action: (method, path, body, the object may() is asked about)
    "record_reading": ("POST", "/api/v1/metrics/{metric}/readings",
                       {"observed_on": "2026-03-02", "value": 41}, (Metric, "metric")),
    "correct_reading": ("POST", "/api/v1/readings/{reading}/corrections",
                        {"value": 42, "reason": "Double-counted"}, (Reading, "reading")),
    "edit_initiative": ("PATCH", "/api/v1/initiatives/{initiative}",
                        {"title": "Renamed by the API"}, (Initiative, "initiative")),
    "report_checkin": ("POST", "/api/v1/checkins/{checkin}/submission",
                       {"entries": [{"kind": "talk", "text": "We will listen to customers"}]},
                       (CheckIn, "checkin")),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_write_is_refused_exactly_where_the_policy_refuses(app, client, objects, token_for, role):
    secret = token_for(objects[role]["user"], "write")
    for action, (method, path, body, (model, name)) in WRITES.items():
        for whose in ("own", "others"):
            ids = objects[role][whose]
            with app.app_context():
                allowed = may(db.session.get(User, objects[role]["user"]), action,
                              db.session.get(model, ids[name]))
            answer = client.open(path.format(**ids), method=method, json=body, headers=bearer(secret))
            assert (answer.status_code != 403) is allowed, (role, action, whose, answer.get_json())
            assert answer.status_code < 500


@pytest.mark.parametrize("role", ROLES)
def test_people_decisions_are_read_exactly_by_whom_the_policy_lets(app, client, objects, token_for, role):
    from tracker.tokens import services as tokens

    with app.app_context():
        user = db.session.get(User, objects[role]["user"])
        allowed = may(user, "read_people")
        assert ("people:read" in tokens.scopes_offered(user)) is allowed
    if allowed:
        secret = token_for(objects[role]["user"], "people:read")
        assert client.get("/api/v1/people/decisions", headers=bearer(secret)).status_code == 200
        # Demoted since: the token holds the scope, the policy now says no.
        with app.app_context():
            db.session.get(User, objects[role]["user"]).role = Role.MEMBER.value
            db.session.commit()
        assert client.get("/api/v1/people/decisions", headers=bearer(secret)).status_code == 403
    else:
        secret = token_for(objects[role]["user"], "read", "write")
        assert client.get("/api/v1/people/decisions", headers=bearer(secret)).status_code == 403
