"""People-decision rules, without HTTP: recording, alignment over a
person's record, history, the report, exports and the digest summary."""

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import count_queries
from tracker.auth.policy import may
from tracker.calendar import Quarter
from tracker.demo import content
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.people import decisions, export, queries
from tracker.people import services as people
from tracker.people.demo import load_demo_people
from tracker.people.models import DecisionEvidence, PeopleDecision
from tracker.people.report import build_report, quarter_alignment

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def org(ctx):
    """HR, a department, a target behaviour and two no-nos, committed."""
    sales = factories.make_department("Sales")
    service = factories.make_department("Customer Service")
    hr = factories.make_user("hr")
    bend = factories.make_behaviour("Frontline bends the rules for the customer")
    heroes = factories.make_behaviour("Service heroes recognised")
    punish = factories.make_behaviour("Punishing rule-bending", kind="no_no")
    strangers = factories.make_behaviour("Deals for strangers that loyal customers can't get",
                                         kind="no_no")
    db.session.commit()
    return {"hr": hr, "sales": sales, "service": service, "bend": bend, "heroes": heroes,
            "punish": punish, "strangers": strangers}


def evidence(behaviour, *, on=date(2026, 9, 1), what="Refunded $180 on the spot",
             where="Case CS-48812"):
    return decisions.EvidenceInput(behaviour_id=behaviour.id, what=what, observed_on=on, where=where)


def decision_input(org, **overrides) -> decisions.DecisionInput:
    values = {"person_name": "Aisha Rahman", "employee_ref": "E-2031", "kind": "promotion",
              "effective_date": date(2026, 10, 1), "department_id": org["service"].id,
              "decided_by": "Sam Whitfield (Customer Service lead)",
              "rationale": "The agent others ask when a rule gets in the customer's way.",
              "role_from": "Service Agent", "role_to": "Service Team Lead",
              "evidence": (evidence(org["bend"]),)}
    return decisions.DecisionInput(**{**values, **overrides})


def record(org, **overrides) -> PeopleDecision:
    decision = decisions.create_decision(actor=org["hr"], data=decision_input(org, **overrides),
                                      today=TODAY, now=NOW)
    db.session.commit()
    return decision


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(decision_id: int) -> list[HistoryEvent]:
    return list(db.session.scalars(select(HistoryEvent).where(
        HistoryEvent.subject_type == "people_decision", HistoryEvent.subject_id == decision_id)
        .order_by(HistoryEvent.id)))


# Recording

def test_a_promotion_with_target_evidence_is_stored_aligned_with_its_evidence(org):
    decision = record(org)
    assert decision.aligned and decision.alignment_reasons == []
    [stored] = decision.evidence
    assert (stored.behaviour_id, stored.what, stored.observed_on, stored.where_recorded) == (
        org["bend"].id, "Refunded $180 on the spot", date(2026, 9, 1), "Case CS-48812")
    assert decision.created_by_id == org["hr"].id and decision.created_at == NOW


def test_an_exit_that_removes_a_no_no_is_aligned(org):
    decision = record(org, person_name="Brian Holt", employee_ref="E-1190", kind="exit",
                      role_from="Supervisor", role_to="",
                      evidence=(evidence(org["punish"], what="Wrote up two agents"),))
    assert decision.aligned


def test_a_decision_without_evidence_is_kept_and_says_why_it_is_not_aligned(org):
    decision = record(org, evidence=())
    assert not decision.aligned
    assert decision.alignment_reasons == ["promotion with no behaviour evidence"]


def test_blank_evidence_rows_are_ignored(org):
    decision = record(org, evidence=(decisions.EvidenceInput(), evidence(org["bend"]),
                                     decisions.EvidenceInput(what="  ")))
    assert len(decision.evidence) == 1


def test_text_is_kept_exactly_as_hr_typed_it_apart_from_outer_spaces(org):
    decision = record(org, person_name='  =HYPERLINK("http://evil")  ',
                      rationale="Line one.\nLine two.")
    assert decision.person_name == '=HYPERLINK("http://evil")'
    assert decision.rationale == "Line one.\nLine two."


def test_creation_is_in_the_history_with_the_full_record(org):
    decision = record(org)
    [event] = events(decision.id)
    assert (event.action, event.actor_id, event.at) == ("created", org["hr"].id, NOW)
    assert event.summary == "Recorded the promotion"
    assert event.changes["evidence"] == [
        "Frontline bends the rules for the customer: Refunded $180 on the spot "
        "(2026-09-01; Case CS-48812)"]
    assert event.changes["aligned"] is True


# Bad input: a clear message, nothing stored

BAD_INPUTS = {
    "effective date far in the future": (
        {"effective_date": date(2031, 1, 1)}, "more than a year ahead", "effective_date"),
    "effective date ten years back": ({"effective_date": date(2010, 1, 1)}, "ten years", "effective_date"),
    "no-no evidence as a reason to promote": (
        {"evidence": ("punish",)}, "is a no-no, not a target behaviour; it cannot be a reason "
                                   "for a promotion", "evidence-0-behaviour_id"),
    "target evidence for an exit": (
        {"kind": "exit", "role_to": "", "evidence": ("bend",)}, "Give the no-no it removes",
        "evidence-0-behaviour_id"),
    "unknown behaviour": ({"evidence": (decisions.EvidenceInput(
        behaviour_id=987654, what="x", observed_on=date(2026, 1, 1), where="y"),)},
        "that behaviour does not exist", "evidence-0-behaviour_id"),
    "behaviour id beyond any key": ({"evidence": (decisions.EvidenceInput(
        behaviour_id=2**40, what="x", observed_on=date(2026, 1, 1), where="y"),)},
        "that behaviour does not exist", "evidence-0-behaviour_id"),
    "evidence without a behaviour": ({"evidence": (decisions.EvidenceInput(
        what="x", observed_on=date(2026, 1, 1), where="y"),)}, "choose the behaviour",
        "evidence-0-behaviour_id"),
    "unknown user account": ({"user_id": 987654}, "No user account matches", "user_id"),
    "user account id beyond any key": ({"user_id": 2**40}, "No user account matches", "user_id"),
    "unknown department": ({"department_id": 987654}, "Choose the department", "department_id"),
    "no department": ({"department_id": None}, "Choose the department", "department_id"),
    "unknown initiative": ({"initiative_id": 987654}, "initiative does not exist", "initiative_id"),
    "unknown kind": ({"kind": "sabbatical"}, "what kind of decision", "kind"),
    "no name": ({"person_name": "   "}, "Give the person's name", "person_name"),
    "no employee reference": ({"employee_ref": ""}, "employee reference", "employee_ref"),
    "name too long": ({"person_name": "x" * 121}, "at most 120 characters", "person_name"),
    "NUL in the rationale": ({"rationale": "a\x00b"}, "control characters", "rationale"),
    "no rationale": ({"rationale": ""}, "rationale", "rationale"),
    "nobody decided": ({"decided_by": ""}, "who made the decision", "decided_by"),
    "promotion without the new role": ({"role_to": ""}, "names the role they take", "role_to"),
    "evidence in the future": ({"effective_date": TODAY + timedelta(days=30), "evidence": (
        None,)}, "is in the future", "evidence-0-observed_on"),
    "evidence after the decision took effect": ({"evidence": ("bend-late",)},
                                                "is after the decision takes effect",
                                                "evidence-0-observed_on"),
    "evidence without where it is recorded": ({"evidence": ("bend-nowhere",)},
                                              "say where it is recorded", "evidence-0-where"),
    "evidence without a date": ({"evidence": ("bend-undated",)}, "say when it happened",
                                "evidence-0-observed_on"),
    "too much evidence": ({"evidence": ("bend",) * 11}, "At most 10", None),
}


def _resolve(org, overrides: dict) -> dict:
    rows = overrides.get("evidence")
    if rows is None:
        return overrides
    resolved = []
    for row in rows:
        if isinstance(row, decisions.EvidenceInput):
            resolved.append(row)
        elif row is None:
            resolved.append(evidence(org["bend"], on=TODAY + timedelta(days=1)))
        elif row == "bend-late":
            resolved.append(evidence(org["bend"], on=date(2026, 10, 2)))
        elif row == "bend-nowhere":
            resolved.append(evidence(org["bend"], where=" "))
        elif row == "bend-undated":
            resolved.append(decisions.EvidenceInput(behaviour_id=org["bend"].id, what="x", where="y"))
        else:
            resolved.append(evidence(org[row]))
    return {**overrides, "evidence": tuple(resolved)}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(org, case):
    overrides, message, field = BAD_INPUTS[case]
    with pytest.raises(decisions.PeopleError, match=message) as raised:
        decisions.create_decision(actor=org["hr"], data=decision_input(org, **_resolve(org, overrides)),
                               today=TODAY, now=NOW)
    assert [e.field for e in raised.value.errors] == [field]
    db.session.rollback()
    assert count(PeopleDecision) == 0
    assert count(DecisionEvidence) == 0


def test_one_bad_evidence_row_among_good_ones_stores_nothing_and_names_the_row(org):
    rows = (evidence(org["bend"]), evidence(org["heroes"]), evidence(org["strangers"]))
    with pytest.raises(decisions.PeopleError, match="Evidence 3") as raised:
        decisions.create_decision(actor=org["hr"], data=decision_input(org, evidence=rows),
                               today=TODAY, now=NOW)
    assert [e.field for e in raised.value.errors] == ["evidence-2-behaviour_id"]
    db.session.rollback()
    assert count(PeopleDecision) == count(DecisionEvidence) == 0


@pytest.mark.parametrize("role", ["member", "executive"])
def test_only_hr_and_admins_record_or_edit_decisions(org, role):
    outsider = factories.make_user(role)
    with pytest.raises(decisions.PeopleError, match="Only HR and admins"):
        decisions.create_decision(actor=outsider, data=decision_input(org), today=TODAY, now=NOW)
    decision = record(org)
    with pytest.raises(decisions.PeopleError, match="Only HR and admins"):
        decisions.update_decision(decision, actor=outsider, data=decision_input(org, kind="hire"),
                               today=TODAY, now=NOW)


def test_admins_record_decisions_too(org):
    admin = factories.make_user("admin")
    assert decisions.create_decision(actor=admin, data=decision_input(org), today=TODAY, now=NOW).id


@pytest.mark.parametrize("role, reads, edits", [
    ("hr", True, True), ("admin", True, True), ("executive", True, False),
    ("member", False, False)])
def test_permission_helpers_follow_the_roles(ctx, role, reads, edits):
    user = factories.make_user(role)
    assert (may(user, "read_people"), may(user, "edit_people")) == (reads, edits)
    assert not may(None, "read_people")


def test_a_person_can_be_linked_to_their_user_account(org):
    account = factories.make_user("member", name="Aisha Rahman")
    decision = record(org, user_id=account.id)
    assert decision.user_id == account.id


# Alignment over the person's record

def test_promotion_after_a_demotion_for_a_no_no_is_not_aligned(org):
    record(org, person_name="Victor Lane", employee_ref="E-1420", kind="demotion",
           effective_date=date(2026, 6, 9), role_from="Team Lead", role_to="Senior Agent",
           evidence=(evidence(org["punish"], on=date(2026, 5, 20),
                              what="Wrote up an agent for a $45 refund"),))
    promotion = record(org, person_name="Victor Lane", employee_ref="e-1420",
                       evidence=(evidence(org["heroes"]),))
    assert not promotion.aligned
    assert promotion.alignment_reasons == [
        "promoted despite recorded no-no: punishing rule-bending"]


def test_a_no_no_recorded_later_flips_an_earlier_promotion_and_says_so_in_its_history(org):
    promotion = record(org)
    assert promotion.aligned
    exit_ = record(org, kind="exit", effective_date=date(2026, 11, 1), role_to="",
                   evidence=(evidence(org["punish"], on=date(2026, 8, 1),
                                      what="Punished an agent for a refund"),))
    db.session.refresh(promotion)
    assert not promotion.aligned
    assert promotion.alignment_reasons == ["promoted despite recorded no-no: punishing rule-bending"]
    flip = events(promotion.id)[-1]
    assert flip.action == "alignment" and flip.actor_id == org["hr"].id
    assert flip.summary == "Now not aligned: promoted despite recorded no-no: punishing rule-bending"
    assert exit_.aligned


def test_a_no_no_that_happened_after_the_promotion_does_not_count_against_it(org):
    promotion = record(org)
    record(org, kind="exit", effective_date=date(2026, 11, 1), role_to="",
           evidence=(evidence(org["punish"], on=date(2026, 10, 15)),))
    db.session.refresh(promotion)
    assert promotion.aligned


def test_another_persons_no_no_is_never_held_against_someone(org):
    record(org, person_name="Brian Holt", employee_ref="E-1190", kind="exit", role_to="",
           evidence=(evidence(org["punish"], on=date(2026, 1, 1)),))
    assert record(org).aligned


def test_when_a_behaviour_turns_into_a_no_no_the_people_rewarded_for_it_are_recomputed(org):
    from tracker.behaviours import services as behaviours

    decision = record(org)
    # Editing the behaviour's kind recomputes everyone rewarded for it.
    behaviours.update_behaviour(org["bend"], actor=org["hr"], name=org["bend"].name, kind="no_no", now=NOW)
    db.session.commit()
    assert decisions.refresh_alignment_for_behaviour(org["bend"].id, actor=org["hr"], now=NOW) == []
    assert decision.alignment_reasons == [
        "promotion with no behaviour evidence",
        "promoted despite recorded no-no: frontline bends the rules for the customer"]
    assert events(decision.id)[-1].action == "alignment"


# Editing and history

def test_every_change_is_kept_with_who_when_and_what(org):
    decision = record(org)
    admin = factories.make_user("admin")
    later = NOW + timedelta(hours=3)
    decisions.update_decision(decision, actor=admin, today=TODAY, now=later, data=decision_input(
        org, role_to="Senior Team Lead", evidence=(evidence(org["heroes"], what="Thanked 12 agents"),)))
    db.session.commit()
    edit = events(decision.id)[-1]
    assert (edit.action, edit.actor_id, edit.at) == ("updated", admin.id, later)
    assert edit.changes["role_to"] == ["Service Team Lead", "Senior Team Lead"]
    assert edit.changes["evidence"][1] == [
        "Service heroes recognised: Thanked 12 agents (2026-09-01; Case CS-48812)"]
    assert [e.behaviour_id for e in decision.evidence] == [org["heroes"].id]
    assert decision.updated_at == later


def test_an_edit_that_removes_the_evidence_records_the_loss_of_alignment(org):
    decision = record(org)
    decisions.update_decision(decision, actor=org["hr"], data=decision_input(org, evidence=()),
                           today=TODAY, now=NOW)
    db.session.commit()
    changes = events(decision.id)[-1].changes
    assert changes["aligned"] == [True, False]
    assert changes["alignment_reasons"] == [[], ["promotion with no behaviour evidence"]]
    assert count(DecisionEvidence) == 0


def test_saving_without_a_change_adds_no_history(org):
    decision = record(org)
    decisions.update_decision(decision, actor=org["hr"], data=decision_input(org), today=TODAY, now=NOW)
    db.session.commit()
    assert [e.action for e in events(decision.id)] == ["created"]


def test_a_refused_edit_changes_nothing(org):
    decision = record(org)
    with pytest.raises(decisions.PeopleError):
        decisions.update_decision(decision, actor=org["hr"], today=TODAY, data=decision_input(
            org, person_name="Someone else", evidence=(evidence(org["punish"]),)), now=NOW)
    db.session.rollback()
    stored = db.session.get(PeopleDecision, decision.id)
    assert stored.person_name == "Aisha Rahman" and len(stored.evidence) == 1
    assert len(events(decision.id)) == 1


def test_moving_a_decision_to_another_person_clears_the_old_persons_record(org):
    record(org, kind="demotion", effective_date=date(2026, 6, 1), role_to="Agent",
           evidence=(evidence(org["punish"], on=date(2026, 5, 1)),))
    promotion = record(org, employee_ref="E-9999")
    assert promotion.aligned
    decisions.update_decision(promotion, actor=org["hr"], today=TODAY,
                           data=decision_input(org, employee_ref="E-2031"), now=NOW)
    db.session.commit()
    assert not promotion.aligned


# The report

def _year_of_decisions(org):
    """Q4 2026: an aligned promotion, a not-aligned recognition, an aligned exit
    in Sales; Q2 2026: one not-aligned hire."""
    record(org)
    record(org, person_name="Ana Costa", employee_ref="E-2950", kind="recognition",
           effective_date=date(2026, 10, 20), role_from="Agent", role_to="", evidence=())
    record(org, person_name="Hugh Barrett", employee_ref="E-2704", kind="exit", role_to="",
           effective_date=date(2026, 11, 2), department_id=org["sales"].id,
           evidence=(evidence(org["strangers"], what="Sign-up-only discount"),))
    record(org, person_name="Greg Dunn", employee_ref="E-3110", kind="hire", role_from="",
           effective_date=date(2026, 4, 28), evidence=())


def test_the_report_counts_kinds_shares_reasons_trend_and_behaviours(org):
    _year_of_decisions(org)
    report = build_report(Quarter(2026, 4))
    kinds = {t.key: (t.total, t.aligned) for t in report.by_kind}
    assert kinds == {"hire": (0, 0), "promotion": (1, 1), "lateral_move": (0, 0),
                     "demotion": (0, 0), "exit": (1, 1), "recognition": (1, 0)}
    assert (report.total, report.aligned) == (3, 2)
    assert report.share == pytest.approx(2 / 3)
    [missing] = report.not_aligned
    assert (missing.person_name, missing.alignment_reasons) == (
        "Ana Costa", ["recognition with no behaviour evidence"])
    assert [(t.label, t.total, t.aligned) for t in report.trend] == [
        ("Q1 2026", 0, 0), ("Q2 2026", 1, 0), ("Q3 2026", 0, 0), ("Q4 2026", 3, 2)]
    per_behaviour = {c.behaviour.name: c.decisions for c in report.behaviours}
    assert per_behaviour["Frontline bends the rules for the customer"] == 1
    assert per_behaviour["Deals for strangers that loyal customers can't get"] == 1
    assert per_behaviour["Service heroes recognised"] == 0
    assert {t.label: (t.total, t.aligned) for t in report.departments} == {
        "Customer Service": (2, 1), "Sales": (1, 1)}


def test_the_report_for_one_department_leaves_the_others_out(org):
    _year_of_decisions(org)
    report = build_report(Quarter(2026, 4), org["sales"].id)
    assert report.department.name == "Sales"
    assert (report.total, report.aligned, report.not_aligned) == (1, 1, [])
    assert [t.total for t in report.trend] == [0, 0, 0, 1]


def test_the_dashboard_headline_agrees_with_the_report_and_lists_the_oldest_few(org):
    _year_of_decisions(org)
    for n in range(6):
        record(org, person_name=f"Unbacked {n}", employee_ref=f"U-{n}", kind="recognition",
               effective_date=date(2026, 10, 10 + n), evidence=())
    quarter = Quarter(2026, 4)
    report = build_report(quarter)
    headline = quarter_alignment(quarter)
    assert (headline.total, headline.aligned, headline.share) == (report.total, report.aligned, report.share)
    assert headline.not_aligned == report.not_aligned[:5]
    assert [n.person_name for n in headline.not_aligned][:2] == ["Unbacked 0", "Unbacked 1"]
    sales = quarter_alignment(quarter, org["sales"].id)
    assert (sales.total, sales.aligned, sales.not_aligned) == (1, 1, [])
    assert quarter_alignment(Quarter(2020, 1)).share is None


def test_an_empty_quarter_has_no_share_rather_than_zero(org):
    report = build_report(Quarter(2020, 1))
    assert report.total == 0 and report.share is None


def _report_queries(app) -> tuple[int, int]:
    """Statements for the report counted afresh, then for it kept (same data version)."""
    with count_queries(app) as counted:
        build_report(Quarter(2026, 4))
    with count_queries(app) as kept:
        build_report(Quarter(2026, 4))
    return counted(), kept()


def test_the_report_takes_the_same_queries_however_many_decisions(org, app):
    record(org)
    small = _report_queries(app)
    for n in range(30):
        record(org, employee_ref=f"E-{n}", evidence=() if n % 2 else (evidence(org["bend"]),))
    # The data version, three counts, then the not-aligned page, the behaviours and
    # the departments; kept (the version already read in this context), the last three.
    assert small == _report_queries(app) == (7, 3)


# Exports

def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_decisions_export_neutralises_formulas_and_keeps_the_evidence(org):
    record(org, person_name='=HYPERLINK("http://evil")', employee_ref="+44",
           rationale="@SUM(A1)")
    header, row = _rows(export.decisions_csv(queries.decisions_for_export(queries.DecisionFilters())))
    values = dict(zip(header, row, strict=True))
    assert values["Person"] == '\'=HYPERLINK("http://evil")'
    assert values["Employee ref"] == "'+44" and values["Rationale"] == "'@SUM(A1)"
    assert values["Aligned"] == "yes"
    assert values["Evidence"].startswith("Frontline bends the rules for the customer: Refunded")


def test_the_report_export_has_each_part_of_the_report(org):
    _year_of_decisions(org)
    rows = _rows(export.report_csv(build_report(Quarter(2026, 4))))
    assert rows[0] == list(export.REPORT_HEADER)
    sections = {r[0] for r in rows[1:]}
    assert sections == {"By kind", "Total", "Trend", "By behaviour", "By department", "Not aligned"}
    total = next(r for r in rows if r[0] == "Total")
    assert total[4:7] == ["3", "2", "67%"]
    not_aligned = next(r for r in rows if r[0] == "Not aligned")
    assert not_aligned[3].startswith("Ana Costa (E-2950)")
    assert not_aligned[7] == "recognition with no behaviour evidence"


# For the digest and the initiative page

def test_people_summary_covers_decisions_effective_or_recorded_in_the_week(org):
    _year_of_decisions(org)  # all recorded at NOW (2026-11-23)
    summary = people.people_summary(date(2026, 10, 19), date(2026, 10, 25))
    assert (summary["count"], summary["aligned"], summary["share"]) == (1, 0, 0)
    assert summary["not_aligned"][0]["reasons"] == ["recognition with no behaviour evidence"]
    recorded = people.people_summary(date(2026, 11, 23), date(2026, 11, 29))
    assert recorded["count"] == 4 and recorded["aligned"] == 2
    assert recorded["not_aligned_count"] == len(recorded["not_aligned"]) == 2
    first = people.people_summary(date(2026, 11, 23), date(2026, 11, 29), named=1)
    assert first["not_aligned_count"] == 2 and first["not_aligned"] == recorded["not_aligned"][:1]
    empty = people.people_summary(date(2020, 1, 6), date(2020, 1, 12))
    assert (empty["count"], empty["share"]) == (0, None)
    assert (empty["not_aligned"], empty["not_aligned_count"]) == ([], 0)


def test_decision_counts_per_initiative_in_one_query(org, app):
    owner = factories.make_user("executive")
    linked = factories.make_initiative(owner=owner, kind="hire")
    unlinked = factories.make_initiative(owner=owner)
    db.session.commit()
    record(org, initiative_id=linked.id)
    record(org, employee_ref="E-2", initiative_id=linked.id)
    ids = (linked.id, unlinked.id)
    with count_queries(app) as queries:
        counts = people.decision_counts_for_initiatives(ids)
    assert counts == {ids[0]: 2}
    assert queries() == 1
    assert people.decision_counts_for_initiatives([]) == {}


# The demo

def test_the_demo_year_is_believable(ctx):
    from tracker.demo.services import _behaviours, _people

    _, users = _people()
    behaviours = _behaviours(users["ceo@example.com"], NOW)
    initiative = factories.make_initiative("Monthly service hero awards",
                                           owner=users["hr@example.com"], kind="recognition")
    load_demo_people(users=users, behaviours=behaviours, initiatives=[initiative], today=TODAY,
                     rng=random.Random(7))
    db.session.commit()
    stored = db.session.scalars(select(PeopleDecision)).all()
    assert 25 <= len(stored) <= 40
    assert all(TODAY - timedelta(days=366) <= d.effective_date <= TODAY for d in stored)
    aligned = [d for d in stored if d.aligned]
    assert 0.5 < len(aligned) / len(stored) < 0.85
    assert len({d.department_id for d in stored}) >= 5
    assert len({d.kind for d in stored}) == 6
    reasons = {r for d in stored for r in d.alignment_reasons}
    assert "promoted despite recorded no-no: deals for strangers that loyal customers can't get" \
        in reasons
    assert "promoted despite recorded no-no: punishing rule-bending" in reasons
    removes_punish = [d for d in stored if d.kind == "exit" and d.aligned
                      and any(e.behaviour.name == content.BEHAVIOURS["punish"][0]
                              for e in d.evidence)]
    assert removes_punish
    assert any(d.initiative_id == initiative.id for d in stored)

