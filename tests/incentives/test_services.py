"""Incentive rules, without HTTP: recording, judging, and changing one through an initiative."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests import factories
from tracker.checkins import services as checkins
from tracker.checkins.services import EntryInput
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.history.services import readable_changes
from tracker.incentives import services as incentives
from tracker.incentives.models import Incentive

NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def world(ctx):
    hr = factories.make_user("hr")
    ops, service = factories.make_department("Operations"), factories.make_department("Customer Service")
    behaviour = factories.make_behaviour("Call centre in-sourced")
    pulling = factories.make_incentive(ops, "Cost per contact", actor=hr, named_group="Ops managers",
                                       weight_percent=30)
    supporting = factories.make_incentive(service, "Net Promoter Score", actor=hr)
    replacement = factories.make_incentive(ops, "First-contact resolution", actor=hr, status="proposed")
    incentives.judge(pulling, actor=hr, behaviour_id=behaviour.id, verdict="pulls_against",
                     reason="The vendor is cheaper per call than our own staff", now=NOW)
    incentives.judge(supporting, actor=hr, behaviour_id=behaviour.id, verdict="supports",
                     reason="Our own staff resolve more, customers recommend us", now=NOW)
    owner = factories.make_user("member")
    initiative = factories.make_initiative("Drop cost per contact from the Ops bonus", owner=owner,
                                           kind="incentive_change", status="in_progress")
    incentives.name_change(initiative, actor=hr, incentive_id=pulling.id,
                           replacement_id=replacement.id, now=NOW)
    checkin = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
    db.session.commit()
    return {"hr": hr, "behaviour": behaviour, "pulling": pulling, "supporting": supporting,
            "replacement": replacement, "initiative": initiative, "owner": owner,
            "checkin": checkin, "ops": ops}


def test_a_member_cannot_record_an_incentive(ctx):
    member, department = factories.make_user("member"), factories.make_department()
    with pytest.raises(incentives.IncentiveError, match="Only executives, HR and admins"):
        factories.make_incentive(department, actor=member)


def test_every_problem_of_an_incentive_is_reported_beside_its_field(ctx):
    hr = factories.make_user("hr")
    with pytest.raises(incentives.IncentiveError) as caught:
        incentives.create_incentive(actor=hr, data=incentives.IncentiveInput(
            department_id=None, rewards="  ", source="gossip", owner_id=None, status="in_effect",
            metric_id=424242, weight_percent=float("nan")), now=NOW)
    fields = {e.field for e in caught.value.errors}
    assert fields == {"rewards", "department_id", "owner_id", "source", "effective_from",
                      "metric_id", "rewarded_direction", "weight_percent"}


def test_a_linked_metric_needs_the_way_it_pays(ctx):
    hr, department = factories.make_user("hr"), factories.make_department()
    metric = factories.make_metric()
    with pytest.raises(incentives.IncentiveError, match="go up or down") as caught:
        factories.make_incentive(department, actor=hr, metric=metric)
    assert caught.value.field == "rewarded_direction"


def test_recording_an_incentive_is_kept_in_its_history(world):
    events = db.session.scalars(select(HistoryEvent).where(
        HistoryEvent.subject_type == "incentive", HistoryEvent.subject_id == world["pulling"].id)
        .order_by(HistoryEvent.id)).all()
    assert [e.action for e in events] == ["created", "updated", "change-planned"]
    assert events[0].changes["rewards"] == "Cost per contact"
    assert "pulls against" in events[1].summary


def test_a_judgement_keeps_the_apps_suggestion_beside_the_persons(world):
    judgement = incentives.judgements_of(world["pulling"].id)[world["behaviour"].id]
    assert (judgement.verdict, judgement.suggested_verdict) == ("pulls_against", "neutral")
    assert judgement.judged_by_id == world["hr"].id


def test_a_judgement_needs_a_one_line_reason_and_a_known_verdict(world):
    with pytest.raises(incentives.IncentiveError) as caught:
        incentives.judge(world["pulling"], actor=world["hr"], behaviour_id=world["behaviour"].id,
                         verdict="maybe", reason="one\nline", now=NOW)
    assert {e.field for e in caught.value.errors} == {"verdict", "reason"}


def test_a_member_cannot_judge(world):
    with pytest.raises(incentives.IncentiveError, match="judge"):
        incentives.judge(world["pulling"], actor=world["owner"], behaviour_id=world["behaviour"].id,
                         verdict="supports", reason="Looks fine", now=NOW)


def test_the_suggestion_follows_the_linked_metric_and_the_behaviours_metrics(ctx):
    hr, department = factories.make_user("hr"), factories.make_department()
    behaviour = factories.make_behaviour("Calls answered by our own staff")
    own_staff = factories.make_metric("Own staff calls", behaviours=[behaviour])
    paid_down = factories.make_incentive(department, actor=hr, metric=own_staff,
                                         rewarded_direction="decrease")
    paid_up = factories.make_incentive(department, "More own calls", actor=hr, metric=own_staff,
                                       rewarded_direction="increase")
    assert incentives.suggestions_for(paid_down, [behaviour])[behaviour.id].verdict == "pulls_against"
    assert incentives.suggestions_for(paid_up, [behaviour])[behaviour.id].verdict == "supports"


def test_two_departments_paid_opposite_ways_are_an_open_conflict_and_counted(world):
    (conflict,) = incentives.open_conflicts()
    assert conflict.name == "Operations against Customer Service on “Call centre in-sourced”"
    assert incentives.pulling_count() == 1


def test_only_an_incentive_change_initiative_names_an_incentive(world):
    other = factories.make_initiative(kind="policy_change")
    with pytest.raises(incentives.IncentiveError, match="Incentive change"):
        incentives.name_change(other, actor=world["hr"], incentive_id=world["pulling"].id,
                               replacement_id=None, now=NOW)


def test_the_replacement_must_be_a_proposed_incentive(world):
    initiative = factories.make_initiative(kind="incentive_change")
    with pytest.raises(incentives.IncentiveError) as caught:
        incentives.name_change(initiative, actor=world["hr"], incentive_id=world["pulling"].id,
                               replacement_id=world["supporting"].id, now=NOW)
    assert caught.value.field == "replacement_id"


def submit(world, entries):
    checkins.submit_checkin(world["checkin"], actor=world["owner"], entries=entries, now=NOW,
                            today=TODAY)
    db.session.commit()


def test_announcing_the_change_is_talk_and_changes_nothing(world):
    submit(world, [EntryInput(kind="talk", text="Announced the new pay plan at the town hall")])
    assert world["pulling"].status == "in_effect"
    assert len(incentives.open_conflicts()) == 1


def test_an_action_without_evidence_changes_nothing(world):
    submit(world, [factories.action("Signed the new Operations pay plan", evidence="")])
    assert world["pulling"].status == "in_effect"


def test_changing_the_pay_plan_with_evidence_ends_the_incentive_and_resolves_the_conflict(world):
    submit(world, [factories.action("Signed the new Operations pay plan: cost per contact removed",
                                    on=date(2026, 3, 4), evidence="HR-2026-0501")])
    old, new = world["pulling"], world["replacement"]
    db.session.refresh(old)
    assert (old.status, old.ended_on, old.replaced_by_id) == ("ended", date(2026, 3, 4), new.id)
    assert (new.status, new.effective_from) == ("in_effect", date(2026, 3, 4))
    assert incentives.open_conflicts() == []
    (resolved,) = incentives.conflicts_resolved_between(date(2026, 3, 2), date(2026, 3, 8))
    assert resolved.resolved_on == date(2026, 3, 4)
    assert incentives.pulling_count() == 0
    event = db.session.scalars(select(HistoryEvent).where(
        HistoryEvent.subject_type == "incentive", HistoryEvent.subject_id == old.id)
        .order_by(HistoryEvent.id.desc())).first()
    changes = {c.label: (c.old, c.new) for c in readable_changes([event])[event.id]}
    assert changes["Rewards"] == ("Cost per contact", "First-contact resolution")
    assert changes["Status"] == ("In effect", "Ended")
    assert "HR-2026-0501" in event.summary


def test_an_action_the_classifier_calls_talk_waits_for_a_reviewer(world):
    submit(world, [factories.action("Planning to change the pay plan next quarter",
                                    evidence="HR-2026-0501")])
    assert world["pulling"].status == "in_effect"
    (entry,) = world["checkin"].entries
    checkins.review_entry(entry, actor=factories.make_user("executive"), verdict="confirm", now=NOW)
    db.session.commit()
    assert world["pulling"].status == "ended"


def test_the_change_happens_once(world):
    submit(world, [factories.action("Signed the new Operations pay plan", evidence="HR-2026-0501")])
    assert incentives.apply_change(world["initiative"], on=TODAY, evidence="x", actor=None,
                                   now=NOW) is False
    assert db.session.scalar(select(Incentive.ended_on).where(
        Incentive.id == world["pulling"].id)) == date(2026, 3, 3)


def test_the_suggestion_reads_month_ends_and_follows_readings_recorded_after_it_was_kept(ctx):
    from tracker.metrics import services as metrics

    admin, hr = factories.make_user("admin"), factories.make_user("hr")
    department = factories.make_department()
    behaviour = factories.make_behaviour("Calls answered by our own staff")
    share = factories.make_metric("Own staff share", behaviours=[behaviour])
    length = factories.make_metric("Call length", direction="lower", baseline=9, target=4)
    paid_shorter = factories.make_incentive(department, "Short calls", actor=hr, metric=length,
                                            rewarded_direction="decrease")
    db.session.commit()
    assert incentives.suggestions_for(paid_shorter, [behaviour])[behaviour.id].verdict == "neutral"
    # Month after month our own staff answer more while calls get longer: paid
    # for short calls, the incentive pulls against the behaviour. A reading
    # early in a month is not the month's.
    for month, (own, minutes) in enumerate(((40, 5), (50, 6), (60, 7), (70, 8)), start=1):
        for metric, value in ((share, own), (length, minutes)):
            metrics.record_reading(metric, actor=admin, observed_on=date(2025, month, 2), value=99,
                                   now=NOW, today=TODAY)
            metrics.record_reading(metric, actor=admin, observed_on=date(2025, month, 25), value=value,
                                   now=NOW, today=TODAY)
    db.session.commit()
    assert metrics.month_end_points([length.id]) == {length.id: tuple(
        (date(2025, month, 25), float(minutes)) for month, minutes in ((1, 5), (2, 6), (3, 7), (4, 8)))}
    assert incentives.suggestions_for(paid_shorter, [behaviour])[behaviour.id].verdict == "pulls_against"
