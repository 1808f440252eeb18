"""The classifier learning from its reviewers: agreement figures and the
organisation's own cue phrases (no HTTP)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import count_queries
from tracker.checkins import cues
from tracker.checkins import services as checkins
from tracker.extensions import db
from tracker.history.models import HistoryEvent

NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
ON = date(2026, 2, 2)
TALK_AS_ACTION = "Updated the leadership team on progress."  # suggested talk
ACTION_TEXT = "Terminated the Acme call-centre contract"  # suggested action


@pytest.fixture
def people(ctx):
    owner = factories.make_user("member")
    executive = factories.make_user("executive")
    admin = factories.make_user("admin")
    initiative = factories.make_initiative(owner=owner, status="in_progress",
                                           start_date=date(2026, 1, 5))
    return owner, executive, admin, initiative


def _submit(initiative, owner, entries, now, week):
    checkin = factories.make_checkin(initiative, period_start=date(2026, 1, 5) + timedelta(weeks=week))
    return checkins.submit_checkin(checkin, actor=owner, entries=entries, now=now, today=now.date())


def test_agreement_counts_owners_choices_and_reviewers_verdicts_in_four_queries(people, app):
    owner, executive, _, initiative = people
    # Owner and suggestion agree twice; once the owner calls talk action.
    _submit(initiative, owner, [factories.action(ACTION_TEXT, on=ON), factories.talk()],
            NOW - timedelta(days=5), 8)
    checkin = _submit(initiative, owner, [factories.action(TALK_AS_ACTION, on=ON)],
                      NOW - timedelta(days=2), 9)
    flagged = checkin.entries[0]
    assert flagged.suggested_kind == "talk" and flagged.review_state == "pending"
    checkins.review_entry(flagged, actor=executive, verdict="talk", now=NOW - timedelta(days=1))
    # Outside the 90 days: not counted.
    _submit(initiative, owner, [factories.talk()], NOW - timedelta(days=120), 0)
    db.session.flush()

    with count_queries(app) as queries:
        report = cues.agreement_report(NOW)
    assert queries() == 4

    assert report.owners.counts[("action", "action")] == 1
    assert report.owners.counts[("talk", "talk")] == 1
    assert report.owners.counts[("action", "talk")] == 1
    assert report.owners.total == 3
    assert report.owners.precision("action") == 1.0
    assert report.owners.recall("action") == 0.5
    assert report.reviewers.counts[("talk", "talk")] == 1 and report.reviewers.total == 1
    # The reviewer agreed with the suggestion, so nothing was overruled.
    assert report.overruled == []
    assert [stretch.total for stretch in report.trend] == [0, 0, 3]
    assert report.trend[-1].agreed == 3


def test_a_suggestion_the_reviewer_overrules_names_its_cue(people):
    owner, executive, _, initiative = people
    moved = factories.talk("Moved the returns desk to the front of the store")
    checkin = _submit(initiative, owner, [moved], NOW - timedelta(days=3), 8)
    entry = checkin.entries[0]
    assert entry.suggested_kind == "action"
    checkins.review_entry(entry, actor=executive, verdict="talk", now=NOW - timedelta(days=2))

    report = cues.agreement_report(NOW)

    assert report.reviewers.counts[("talk", "action")] == 1
    assert report.reviewers.talk_called_action == 1.0
    (reason, count), = report.overruled
    assert "moved" in reason and count == 1


def test_an_added_cue_phrase_takes_effect_at_once_and_is_kept_in_history(people):
    owner, _, admin, initiative = people
    text = "Did a dry run of the new returns process with two stores"
    before = _submit(initiative, owner, [factories.action(text, on=ON)],
                     NOW - timedelta(days=9), 7).entries[0]
    assert before.suggested_kind == "action"

    cue = cues.add_cue(actor=admin, phrase="  Dry-Run ", kind="talk", role="marker", weight=5, now=NOW)
    after = _submit(initiative, owner, [factories.action(text, on=ON)], NOW, 8).entries[0]

    assert cue.phrase == "dry run"
    assert after.suggested_kind == "talk"
    assert any("organisation's talk cue: 'dry run'" in reason for reason in after.reasons)
    assert cues.suggest(text).kind == "talk"

    cues.change_cue(cue, actor=admin, role="marker", weight=5, active=False, now=NOW + timedelta(hours=1))
    assert cues.suggest(text).kind == "action"

    events = db.session.scalars(
        select(HistoryEvent).where(HistoryEvent.subject_type == "cue_phrase").order_by(HistoryEvent.id)
    ).all()
    assert [event.action for event in events] == ["created", "updated"]
    assert events[1].changes == {"active": [True, False]}


def test_only_admins_add_cue_phrases(people):
    owner, executive, _, _ = people
    for user in (owner, executive):
        with pytest.raises(cues.CueError):
            cues.add_cue(actor=user, phrase="dry run", kind="talk", role="marker", weight=3, now=NOW)


def test_a_cue_phrase_is_refused_beside_each_field_that_is_wrong(people):
    _, _, admin, _ = people
    cues.add_cue(actor=admin, phrase="dry run", kind="talk", role="marker", weight=3, now=NOW)

    with pytest.raises(cues.CueError) as refused:
        cues.add_cue(actor=admin, phrase="DRY RUN", kind="talk", role="evidence", weight=9, now=NOW)

    fields = {error.field for error in refused.value.errors}
    assert fields == {"phrase", "role", "weight"}
