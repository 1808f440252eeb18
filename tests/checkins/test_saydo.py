"""The say/do rule over plain values."""

from datetime import date, timedelta

import pytest

from tests.factories import NOW
from tracker.checkins.saydo import PeriodCounts, moved_away, record_from, value_at_start

MONDAY = date(2026, 1, 5)


def weeks(*states_and_counts):
    return [PeriodCounts(MONDAY + timedelta(weeks=i), *row) for i, row in enumerate(states_and_counts)]


def test_ratio_counts_only_what_was_done_and_unevidenced_counts_half():
    record = record_from(weeks(("submitted", 1, 1, 2)), measured=True, off_track=False)
    assert (record.evidenced, record.unevidenced, record.talk) == (1, 1, 2)
    assert record.ratio == (1 + 0.5) / 4


def test_three_submitted_check_ins_without_action_flag_talk_only():
    record = record_from(weeks(("submitted", 1, 0, 0), ("submitted", 0, 0, 2), ("submitted", 0, 0, 1),
                               ("submitted", 0, 0, 3)), measured=True, off_track=False)
    assert record.flags == ["talk_only"]
    assert record.ratio == 1 / 7


def test_an_action_breaks_the_talk_only_streak():
    record = record_from(weeks(("submitted", 0, 0, 2), ("submitted", 0, 0, 1), ("submitted", 0, 1, 1)),
                         measured=True, off_track=False)
    assert "talk_only" not in record.flags


def test_two_missed_in_a_row_flag_gone_quiet_and_open_one_is_ignored():
    record = record_from(weeks(("submitted", 1, 0, 0), ("missed",), ("missed",), ("open",)),
                         measured=True, off_track=False)
    assert record.flags == ["gone_quiet"]
    assert record.missed == 2


def test_window_looks_only_at_recent_periods():
    old_actions = [("submitted", 5, 0, 0)] * 5
    recent_talk = [("submitted", 0, 0, 1)] * 8
    record = record_from(weeks(*old_actions, *recent_talk), measured=True, off_track=False)
    assert record.actions == 0 and record.talk == 8
    assert "talk_only" in record.flags


def test_unmeasured_and_off_track_flags():
    record = record_from([], measured=False, off_track=True)
    assert record.flags == ["unmeasured", "off_track"]
    assert record.ratio is None


def test_moved_away_respects_metric_direction():
    assert moved_away(60, 55, "higher") and not moved_away(60, 65, "higher")
    assert moved_away(10, 12, "lower") and not moved_away(10, 8, "lower")
    assert not moved_away(None, 5, "higher")


def test_value_at_start_is_the_last_reading_by_the_start_else_the_first():
    series = [(MONDAY - timedelta(days=7), 50.0), (MONDAY, 52.0), (MONDAY + timedelta(days=30), 60.0)]
    assert value_at_start(series, MONDAY) == 52.0
    assert value_at_start(series, MONDAY - timedelta(days=1)) == 50.0
    assert value_at_start(series, MONDAY - timedelta(days=30)) == 50.0  # first read later
    assert value_at_start([], MONDAY) is None


def test_records_for_reads_only_the_latest_window_of_check_ins_from_the_database(app, ctx):
    """The database cuts the window: older check-ins full of action do not
    hide eight recent weeks of talk, on either engine."""
    from sqlalchemy import update

    from tests import factories
    from tracker.checkins.models import CheckIn
    from tracker.checkins.saydo import records_for, records_where
    from tracker.extensions import db
    from tracker.initiatives.models import Initiative

    today = MONDAY + timedelta(weeks=12)
    initiative = factories.make_initiative(status="in_progress")
    other = factories.make_initiative(status="in_progress")
    for i in range(12):
        checkin = factories.make_checkin(initiative, period_start=MONDAY + timedelta(weeks=i))
        acted = i < 4
        db.session.execute(update(CheckIn).where(CheckIn.id == checkin.id).values(
            state="submitted", evidenced_count=5 if acted else 0, talk_count=0 if acted else 1))
    factories.make_checkin(other, period_start=MONDAY)
    db.session.commit()
    records = records_for([initiative, other], today=today)
    assert (records[initiative.id].actions, records[initiative.id].talk) == (0, 8)
    assert records[initiative.id].submitted == 8 and "talk_only" in records[initiative.id].flags
    assert records[other.id].entries == 0 and records[other.id].submitted == 0
    assert records_where(Initiative.status == "in_progress", today=today) == records


@pytest.mark.parametrize("late_value", [30.0, 70.0])  # below / above the value at the start
def test_the_initiative_page_record_equals_the_loaded_one(app, ctx, late_value):
    """`record_of` works from what the initiative page loaded; it must agree
    with `records_for` on window, tallies, talk streaks, missed and off track."""
    from sqlalchemy import update

    from tests import factories
    from tracker.checkins.models import CheckIn
    from tracker.checkins.saydo import record_of, records_for
    from tracker.checkins.services import recent_checkins
    from tracker.extensions import db
    from tracker.initiatives import services as initiatives
    from tracker.metrics.models import Reading
    from tracker.metrics.services import reading_points

    today = MONDAY + timedelta(weeks=12)
    owner = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner, status="in_progress", start_date=MONDAY)
    unmeasured = factories.make_initiative(owner=owner, status="in_progress", start_date=MONDAY)
    metric = factories.make_metric("Calls answered", owner=owner, direction="higher")
    initiatives.link_metric(initiative, actor=factories.make_user("executive"), metric_id=metric.id,
                            expected_direction="increase", expected_amount=5, expected_by=today, now=NOW)
    for days, value in ((-7, 50.0), (0, 52.0), (30, 60.0), (70, late_value)):
        db.session.add(Reading(metric_id=metric.id, observed_on=MONDAY + timedelta(days=days), value=value))
    for i in range(12):
        for which in (initiative, unmeasured):
            checkin = factories.make_checkin(which, period_start=MONDAY + timedelta(weeks=i))
            state = "missed" if i in (2, 11) else "submitted"
            db.session.execute(update(CheckIn).where(CheckIn.id == checkin.id).values(
                state=state, evidenced_count=i % 3 == 0, unevidenced_count=i % 4 == 0, talk_count=2))
    db.session.commit()
    loaded = records_for([initiative, unmeasured], today=today)
    for which in (initiative, unmeasured):
        points = reading_points([link.metric_id for link in which.metric_links])
        assert record_of(which, recent_checkins(which.id), points, today=today) == loaded[which.id]
    assert ("off_track" in loaded[initiative.id].flags) == (late_value < 50)
    assert "unmeasured" in loaded[unmeasured.id].flags


def test_on_an_equal_ratio_the_one_who_missed_fewer_check_ins_ranks_higher():
    from tracker.checkins.saydo import GroupRecord, SayDo, ranked

    quiet = GroupRecord(1, "Amy", SayDo(evidenced=1, talk=3, missed=7))
    present = GroupRecord(2, "Zed", SayDo(evidenced=1, talk=3, missed=0))
    assert [g.name for g in ranked([quiet, present])] == ["Zed", "Amy"]


@pytest.mark.parametrize(("record", "expected"), [
    (dict(evidenced=2, talk=1), "acts"),
    (dict(talk=4), "talks"),
    (dict(evidenced=1, talk=3, flags=["talk_only"]), "talks"),
    (dict(evidenced=3, missed=2, flags=["gone_quiet"]), "quiet"),
    (dict(missed=1), "quiet"),
    (dict(), None),
])
def test_standing_says_who_acts_who_only_talks_and_who_has_gone_quiet(record, expected):
    from tracker.checkins.saydo import STANDING_TEXT, SayDo, standing

    assert standing(SayDo(**record)) == expected
    assert expected is None or STANDING_TEXT[expected]
