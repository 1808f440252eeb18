"""Rewards that follow customers: a recognition cites a customer-perceived
metric or a customer's words, and the report counts them per quarter."""

from datetime import UTC, date, datetime

import pytest

from tests import factories
from tracker.calendar import Quarter
from tracker.extensions import db
from tracker.people import decisions
from tracker.people.report import build_report, followed_customer_opinion

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
QUARTER = Quarter.containing(TODAY)


@pytest.fixture
def org(ctx):
    hr = factories.make_user("hr")
    service = factories.make_department("Customer Service")
    heroes = factories.make_behaviour("Service heroes recognised")
    csat = factories.make_metric("Customer satisfaction after contact", source="customer")
    internal = factories.make_metric("Calls handled per hour", source="internal")
    db.session.commit()
    return {"hr": hr, "service": service, "heroes": heroes, "csat": csat, "internal": internal}


def recognise(org, ref: str, *, kind: str = "recognition", **cited):
    return decisions.create_decision(actor=org["hr"], today=TODAY, now=NOW, data=decisions.DecisionInput(
        person_name=f"Person {ref}", employee_ref=ref, kind=kind, effective_date=date(2026, 11, 2),
        department_id=org["service"].id, decided_by="Sam Whitfield", rationale="Went the extra mile",
        role_from="Agent", role_to="Agent",
        evidence=(decisions.EvidenceInput(behaviour_id=org["heroes"].id, what="Drove a parcel over",
                                          observed_on=date(2026, 10, 20), where="Case CS-5521",
                                          **cited),)))


def test_a_recognition_citing_customers_is_counted_as_following_customer_opinion(org):
    recognise(org, "E-1", customer_metric_id=org["csat"].id)
    recognise(org, "E-2", customer_words="She drove my parcel over herself on a Sunday.")
    recognise(org, "E-3")
    db.session.commit()
    assert followed_customer_opinion(QUARTER) == (3, 2)
    report = build_report(QUARTER)
    assert (report.recognitions, report.followed_customers) == (3, 2)


def test_only_a_customer_perceived_metric_may_be_cited(org):
    with pytest.raises(decisions.PeopleError) as caught:
        recognise(org, "E-4", customer_metric_id=org["internal"].id)
    assert caught.value.errors[0].field == "evidence-0-customer_metric_id"
    assert "not customer-perceived" in caught.value.errors[0].message


def test_only_a_recognition_cites_customer_opinion(org):
    with pytest.raises(decisions.PeopleError, match="only a recognition cites customer opinion"):
        recognise(org, "E-5", kind="promotion", customer_words="Lovely person")


def test_the_customers_words_are_kept_in_the_decisions_history(org):
    decision = recognise(org, "E-6", customer_words="Best service I have had.")
    db.session.commit()
    assert any("customers: Best service I have had." in line
               for line in decisions.evidence_lines(decision))
