"""schemathesis against the live app, on both engines: every operation of the
OpenAPI document gets generated requests (valid ones and ones the schema
forbids) over real HTTP with a token that may do everything, and no answer
may be a 5xx or break the document (undocumented status, wrong content type,
a body that does not match its schema, missing headers).

Bounded in examples, not timed: EXAMPLES per operation and mode, about
20-40 s per engine on a busy 2-core machine."""

import threading
from datetime import UTC, date, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks
from werkzeug.serving import make_server

from tests import factories
from tracker.extensions import db

EXAMPLES = 10
CHECKS = [schemathesis.checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance]


@pytest.fixture
def live(app):
    """The app served over HTTP on 127.0.0.1, with one of everything and an admin's token."""
    from tracker.checkins import services as checkins
    from tracker.people import decisions
    from tracker.tokens import services as tokens

    app.config["API_REQUESTS_PER_MINUTE"] = 10**5
    with app.app_context():
        department = factories.make_department()
        admin = factories.make_user("admin", department=department)
        member = factories.make_user("member", department=department)
        hr = factories.make_user("hr", department=department)
        behaviour = factories.make_behaviour(actor=admin)
        factories.make_metric(owner=member, behaviours=[behaviour])
        initiative = factories.make_initiative(owner=admin, status="in_progress", behaviours=[behaviour])
        submitted = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
        checkins.submit_checkin(submitted, actor=admin, entries=[factories.action()],
                                now=datetime(2026, 3, 30, 9, tzinfo=UTC), today=date(2026, 3, 30))
        factories.make_checkin(initiative, period_start=date(2026, 4, 6))
        decisions.create_decision(actor=hr, today=date(2026, 3, 30), now=datetime(2026, 3, 30, 9, tzinfo=UTC),
                                  data=decisions.DecisionInput(
            person_name="Aisha Rahman", employee_ref="E-2031", kind="recognition",
            effective_date=date(2026, 3, 1), department_id=department.id, decided_by="Sam Whitfield",
            rationale="Bends rules for customers.",
            evidence=(decisions.EvidenceInput(behaviour_id=behaviour.id, what="Refunded $180 on the spot",
                                              observed_on=date(2026, 2, 1), where="Case CS-48812"),)))
        secret = tokens.create_token(admin, name="schemathesis", scopes=list(tokens.SCOPES), days=30,
                                     now=datetime.now(UTC)).secret
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", secret
    server.shutdown()
    thread.join(timeout=5)


def test_every_operation_keeps_to_the_openapi_document(live):
    base, secret = live
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    assert schema.raw_schema["openapi"] == "3.1.0"
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    exercised: set[str] = set()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _exercise(operation, mode, base, secret, exercised)
    assert exercised == {operation.label for operation in operations}


def _exercise(operation, mode, base: str, secret: str, exercised: set[str]) -> None:
    """EXAMPLES generated requests to one operation; each must keep to the document."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if mode is GenerationMode.POSITIVE and case.path_parameters:
            # Ids the data has (1 to 3) rather than random ones that name nothing,
            # so valid requests reach the services and not only the 404.
            case.path_parameters = {name: value % 3 + 1 if isinstance(value, int) else value
                                    for name, value in case.path_parameters.items()}
        case.call_and_validate(base_url=base, headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
        exercised.add(operation.label)

    run()
