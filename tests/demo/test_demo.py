"""The demo organisation tells a believable story."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.initiatives.models import Initiative, InitiativeMetric
from tracker.metrics.models import Metric, Reading

# `demo load` builds the organisation as of the clock; the tests fix it.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.fixed_now(NOW)


def test_demo_has_initiatives_of_many_kinds_and_states_some_unmeasured(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        initiatives = db.session.scalars(select(Initiative)).all()
        assert 10 <= len(initiatives) <= 15
        assert len({i.kind for i in initiatives}) >= 8
        assert {i.status for i in initiatives} == {"proposed", "announced", "in_progress", "done",
                                                   "abandoned"}
        measured = set(db.session.scalars(select(InitiativeMetric.initiative_id)))
        assert 2 <= len([i for i in initiatives if i.id not in measured]) <= 6
        abandoned = next(i for i in initiatives if i.status == "abandoned")
        assert abandoned.abandon_reason


def test_demo_metrics_have_a_year_of_readings_moving_both_ways(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        metrics = db.session.scalars(select(Metric)).all()
        assert {m.source for m in metrics} == {"customer", "internal", "self"}
        counts = dict(tuple(row) for row in db.session.execute(
            select(Reading.metric_id, func.count()).group_by(Reading.metric_id)).all())
        assert all(counts[m.id] >= 12 for m in metrics)
        moves = []
        for metric in metrics:
            values = db.session.scalars(
                select(Reading.value).where(Reading.metric_id == metric.id)
                .order_by(Reading.observed_on)).all()
            moves.append(metric.progress(values[-1]) - metric.progress(values[0]))
        assert any(m > 0.3 for m in moves), "some metrics improve"
        assert any(m < -0.1 for m in moves), "some get worse"
        assert any(abs(m) < 0.1 for m in moves), "some stay flat"


def test_demo_checkin_history_shows_who_acts_and_who_only_talks(app, runner):
    from tracker.checkins import saydo
    from tracker.checkins.models import CheckIn
    from tracker.organisation.services import today

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        initiatives = db.session.scalars(select(Initiative)).all()
        states = set(db.session.scalars(select(CheckIn.state)))
        assert states == {"open", "submitted", "missed"}
        records = saydo.records_for(initiatives, today=today(NOW))
        by_owner: dict[str, saydo.SayDo] = {}
        for initiative in initiatives:
            by_owner.setdefault(initiative.owner.email, saydo.SayDo()).add(records[initiative.id])
        actor, talker = by_owner["service@example.com"], by_owner["finance@example.com"]
        assert actor.evidenced >= 5 and actor.ratio > 0.4
        assert talker.actions == 0 and talker.talk >= 5
        flags = {f for r in records.values() for f in r.flags}
        assert {"talk_only", "gone_quiet", "unmeasured", "off_track"} <= flags


def test_scheduler_tick_right_after_demo_load_invents_no_missed_history(app, runner):
    from tracker.checkins.jobs import open_due_checkins

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        result = open_due_checkins(NOW)
        db.session.rollback()
    assert result["created_missed"] == 0


def test_demo_reports_each_act_once_with_evidence_of_its_own(app, runner):
    from tracker.checkins.models import Entry
    from tracker.demo import content

    all_acts = {text for lines in content.ACTION_LINES.values() for text, _ in lines}
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        actions = db.session.execute(
            select(Entry.text, Entry.evidence).where(Entry.kind == "action")).all()
        texts = [text for text, _ in actions if text in all_acts]
        evidence = [e for _, e in actions if e]
        assert len(evidence) >= 10
        assert len(texts) == len(set(texts)), "an act reported in two periods"
        assert len(evidence) == len(set(evidence)), "one piece of evidence behind two acts"


def test_the_classifier_agrees_with_the_demo_owners_acts(app, runner):
    from tracker.checkins.classifier import classify
    from tracker.demo import content

    for lines in content.ACTION_LINES.values():
        for text, _evidence in lines:
            assert classify(text).kind == "action", text


def test_demo_dates_run_in_order(app, runner):
    """Behaviours, then metrics before their first reading, then each initiative
    logged on its start day before any of its check-ins; nothing after now."""
    from tracker.behaviours.models import Behaviour
    from tracker.checkins.models import CheckIn, Entry
    from tracker.history.models import HistoryEvent
    from tracker.organisation.services import today

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        assert max(db.session.scalars(select(HistoryEvent.at))) <= NOW
        first_metric = min(db.session.scalars(select(Metric.created_at)))
        assert max(db.session.scalars(select(Behaviour.created_at))) < first_metric
        for metric in db.session.scalars(select(Metric)):
            first = min(db.session.scalars(select(Reading.observed_on).where(Reading.metric_id == metric.id)))
            assert today(metric.created_at) <= first
        for initiative in db.session.scalars(select(Initiative)):
            logged = today(initiative.created_at)
            assert logged <= initiative.start_date and initiative.created_at > first_metric
            events = db.session.scalars(select(HistoryEvent.at).where(
                HistoryEvent.subject_type == "initiative", HistoryEvent.subject_id == initiative.id)).all()
            assert min(events) == initiative.created_at
            due_days = db.session.scalars(select(CheckIn.due_on).where(
                CheckIn.initiative_id == initiative.id)).all()
            acted = db.session.scalars(select(Entry.happened_on).join(CheckIn).where(
                CheckIn.initiative_id == initiative.id, Entry.happened_on.is_not(None))).all()
            assert all(logged <= day for day in [*due_days, *acted]), initiative.title


def test_demo_leaves_recent_preparation_reported_as_action_waiting_for_review(app, runner):
    from tracker.checkins.models import Entry

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        pending = db.session.execute(select(Entry.text, Entry.suggested_kind).where(
            Entry.review_state == "pending")).all()
        assert pending and all(kind == "talk" for _, kind in pending)
