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
