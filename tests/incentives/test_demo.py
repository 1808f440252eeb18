"""The demo organisation's incentives: the five of the seed article, one
changed by an initiative with its history, the others still open."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.history.services import readable_changes
from tracker.incentives import services as incentives
from tracker.incentives.models import Incentive

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.fixed_now(NOW)


def test_the_demo_has_the_seed_articles_incentives_one_changed_through_an_initiative(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        rows = db.session.scalars(select(Incentive).order_by(Incentive.id)).all()
        paid = {(i.department.name, i.rewards, i.status) for i in rows}
        assert {("Sales", "New customer acquisitions", "in_effect"),
                ("Marketing", "Social media followers", "in_effect"),
                ("Finance", "Working capital", "in_effect"),
                ("Operations", "Cost containment: cost per customer contact", "ended"),
                ("Customer Service", "Net Promoter Score", "in_effect"),
                ("Operations", "Fewer complaints per 1,000 orders", "in_effect")} == paid
        old = next(i for i in rows if i.status == "ended")
        assert old.replaced_by.rewards == "Fewer complaints per 1,000 orders"
        event = db.session.scalars(select(HistoryEvent).where(
            HistoryEvent.subject_type == "incentive", HistoryEvent.subject_id == old.id)
            .order_by(HistoryEvent.id.desc())).first()
        assert event.summary.startswith("Changed by the initiative “Operations bonus pays on complaints")
        changes = {c.label: (c.old, c.new) for c in readable_changes([event])[event.id]}
        assert changes["Rewards"] == ("Cost containment: cost per customer contact",
                                      "Fewer complaints per 1,000 orders")
        conflicts = incentives.all_conflicts()
        resolved = [c for c in conflicts if not c.is_open]
        assert [c.name for c in resolved] == [
            "Operations against Customer Service on “Call centre in-sourced”"]
        assert resolved[0].resolved_on == old.ended_on
        assert {c.name for c in conflicts if c.is_open} >= {
            "Sales against Customer Service on “Loyal customers thanked”"}
        assert incentives.pulling_count() == 2  # Sales and Finance; Operations changed its own
