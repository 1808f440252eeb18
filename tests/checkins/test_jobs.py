"""Scheduled check-ins and reminders run exactly once, whatever happens."""

from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.checkins import jobs
from tracker.checkins.models import CheckIn
from tracker.email import outbox_path
from tracker.extensions import db
from tracker.organisation.models import OrgSettings
from tracker.outbox.models import OutboxMessage
from tracker.scheduler import tick


def at(local: str, tz: str = "Europe/Berlin") -> datetime:
    """A local wall-clock time in `tz` as an aware UTC datetime."""
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


@pytest.fixture
def org(ctx):
    db.session.add(OrgSettings(id=1, timezone="Europe/Berlin", default_cadence="weekly",
                               default_weekday=4, grace_days=2, reminder_hour=9, digest_weekday=0,
                               digest_hour=8))
    owner = factories.make_user("member", email="owner@example.com")
    active = factories.make_initiative(owner=owner, status="in_progress", start_date=date(2026, 1, 5))
    active.active_since = date(2026, 1, 5)
    paused = {s: factories.make_initiative(owner=owner, status=s, start_date=date(2026, 1, 5))
              for s in ("proposed", "done", "abandoned")}
    db.session.commit()
    return owner, active, paused


def checkins_of(initiative) -> list[CheckIn]:
    return db.session.scalars(select(CheckIn).where(CheckIn.initiative_id == initiative.id)
                              .order_by(CheckIn.period_start)).all()


def outbox(app) -> list:
    """The reminders written to the outbox, oldest first (digests are left out)."""
    path = outbox_path()
    mails = [message_from_bytes(p.read_bytes()) for p in sorted(path.glob("*.eml"))] if path.exists() else []
    return [m for m in mails if m["Message-ID"].startswith("<reminder-")]


def test_opening_is_idempotent_and_paused_initiatives_get_nothing(org):
    _, active, paused = org
    now = at("2026-01-07T10:00")
    assert jobs.open_due_checkins(now) == {"opened": 1, "created_missed": 0}
    db.session.commit()
    assert jobs.open_due_checkins(now) == {"opened": 0, "created_missed": 0}
    db.session.commit()
    [checkin] = checkins_of(active)
    assert (checkin.period_start, checkin.due_on, checkin.state) == (
        date(2026, 1, 5), date(2026, 1, 9), "open")
    for initiative in paused.values():
        assert checkins_of(initiative) == []


def test_due_day_reminder_once_after_reminder_hour_then_overdue_once_then_missed(app, org):
    owner, active, _ = org
    tick(at("2026-01-09T08:00"))  # Friday, before the reminder hour
    assert outbox(app) == []
    tick(at("2026-01-09T09:05"))
    tick(at("2026-01-09T15:00"))
    mails = outbox(app)
    assert [m["Subject"] for m in mails] == [f"Check-in due today: {active.title}"]
    assert mails[0]["To"] == "owner@example.com"
    tick(at("2026-01-10T09:30"))
    tick(at("2026-01-11T09:30"))
    assert [m["Subject"].split(":")[0] for m in outbox(app)] == ["Check-in due today", "Overdue check-in"]
    tick(at("2026-01-12T09:30"))  # past the two days' grace
    states = {c.period_start: c.state for c in checkins_of(active)}
    assert states[date(2026, 1, 5)] == "missed"
    assert states[date(2026, 1, 12)] == "open"
    assert len(outbox(app)) == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "reminder")) == 2


def test_submitted_checkin_gets_no_reminder(app, org):
    owner, active, _ = org
    tick(at("2026-01-07T10:00"))
    [checkin] = checkins_of(active)
    from tracker.checkins import services

    services.submit_checkin(checkin, actor=owner, entries=[factories.action(on=date(2026, 1, 6))],
                            now=at("2026-01-08T10:00"), today=date(2026, 1, 8))
    db.session.commit()
    for day in ("2026-01-09T10:00", "2026-01-10T10:00", "2026-01-12T10:00"):
        tick(at(day))
    assert outbox(app) == []
    assert db.session.get(CheckIn, checkin.id).state == "submitted"


def test_three_weeks_down_one_tick_catches_up_without_a_flood(app, org):
    _, active, _ = org
    tick(at("2026-01-07T10:00"))
    tick(at("2026-02-04T10:00"))  # the scheduler was down for four weeks
    states = [(c.period_start, c.state) for c in checkins_of(active)]
    assert states == [(date(2026, 1, 5), "missed"), (date(2026, 1, 12), "missed"),
                      (date(2026, 1, 19), "missed"), (date(2026, 1, 26), "missed"),
                      (date(2026, 2, 2), "open")]
    assert outbox(app) == [], "no reminders about weeks long gone"
    from tracker.checkins import saydo

    record = saydo.records_for([active], today=date(2026, 2, 4))[active.id]
    assert record.missed == 4 and "gone_quiet" in record.flags


def test_a_year_of_weekly_periods_follows_on_without_gaps_each_due_on_its_friday(ctx):
    settings = OrgSettings(timezone="Europe/Berlin", default_cadence="weekly", default_weekday=4)
    initiative = factories.make_initiative(status="in_progress", start_date=date(2026, 1, 5))
    initiative.active_since = date(2026, 1, 5)
    periods = jobs.expected_periods(initiative, settings, today=date(2027, 1, 5))
    assert [p.start for p in periods] == [date(2026, 1, 5) + timedelta(weeks=n) for n in range(53)]
    assert all((p.end - p.start, p.due_on - p.start) == (timedelta(days=6), timedelta(days=4))
               for p in periods)


# The daylight-saving changes of 2026 in zones with different rules: Europe on the
# last Sundays of March and October, New York on the second Sunday of March and the
# first of November, Sydney the other way round, Lord Howe by half an hour.
DAYLIGHT_SAVING_CHANGES = [
    ("Europe/Berlin", date(2026, 3, 29)), ("Europe/Berlin", date(2026, 10, 25)),
    ("America/New_York", date(2026, 3, 8)), ("America/New_York", date(2026, 11, 1)),
    ("Australia/Sydney", date(2026, 4, 5)), ("Australia/Sydney", date(2026, 10, 4)),
    ("Australia/Lord_Howe", date(2026, 4, 5)), ("Australia/Lord_Howe", date(2026, 10, 4)),
]


@pytest.mark.parametrize(("tz", "change"), DAYLIGHT_SAVING_CHANGES)
def test_weekly_checkins_open_remind_and_close_on_local_days_across_daylight_saving(
        app, ctx, tz, change, monkeypatch):
    """The week whose grace period ends on the day the clocks change, and the week after.
    Ticks come twice a day at fixed UTC times, so local time shifts with the clocks, and
    every hour around the first midnight after the change, when one check-in is missed and
    the next opens. Each check-in opens on its Monday, is due on its Friday, gets one
    due-day and one overdue reminder on the right local days, and is missed once the
    grace days are over, all in local time."""
    from tracker import scheduler

    zone = ZoneInfo(tz)

    def local(moment: datetime) -> datetime:
        return moment.astimezone(zone)

    def local_midnight(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)

    before, after = (local(local_midnight(day)).utcoffset() for day in (change, change + timedelta(days=1)))
    assert before != after, "the clocks change on that Sunday"
    # Digests and SQLite's statistics upkeep have their own tests; leaving them out keeps this quick.
    # A copy without them: deleting and restoring keys would move them to the end of
    # JOBS, and the order of the jobs matters to the tests that run after this one.
    monkeypatch.setattr(scheduler, "JOBS", {name: job for name, job in scheduler.JOBS.items()
                                            if name not in ("queue_digests", "refresh_statistics")})
    db.session.add(OrgSettings(id=1, timezone=tz, default_cadence="weekly", default_weekday=4,
                               grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8))
    start = change - timedelta(days=6)  # the Monday of the week the clocks change in
    initiative = factories.make_initiative(status="in_progress", start_date=start)
    initiative.active_since = start
    db.session.commit()

    first_tick = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7.5)
    twice_a_day = {first_tick + timedelta(hours=12 * n) for n in range(30)}
    after_change = local_midnight(change + timedelta(days=1))
    hourly = {after_change + timedelta(hours=n) for n in range(-4, 4)}
    missed_at = {}
    for moment in sorted(twice_a_day | hourly):
        tick(moment)
        for checkin_id in db.session.scalars(select(CheckIn.id).where(CheckIn.state == "missed")):
            missed_at.setdefault(checkin_id, moment)

    checkins = checkins_of(initiative)
    assert [(c.period_start, c.due_on, c.state) for c in checkins] == [
        (start + timedelta(weeks=week), start + timedelta(weeks=week, days=4), state)
        for week, state in enumerate(["missed", "missed", "open"])]
    for checkin in checkins:
        assert local(checkin.created_at).date() == checkin.period_start
    # Missed on the Monday after the two days' grace: at its first tick, which is within
    # the first hour of the Monday after the clocks changed.
    for checkin in checkins[:2]:
        assert local(missed_at[checkin.id]).date() == checkin.due_on + timedelta(days=3)
    assert timedelta(0) <= missed_at[checkins[0].id] - after_change < timedelta(hours=1)
    assert timedelta(0) <= checkins[1].created_at - after_change < timedelta(hours=1)

    reminders = db.session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.created_at)
                                   .where(OutboxMessage.kind == "reminder")).all()
    sent_on = {(int(key.split(":")[1]), key.split(":")[2]): local(created_at)
               for key, created_at in reminders}
    assert len(sent_on) == len(reminders) == 4
    for checkin in checkins[:2]:
        due, overdue = sent_on[checkin.id, "due"], sent_on[checkin.id, "overdue"]
        assert due.date() == checkin.due_on and due.hour >= 9
        assert overdue.date() == checkin.due_on + timedelta(days=1) and overdue.hour >= 9
    assert len(outbox(app)) == len(reminders)


def test_initiative_cadence_and_weekday_override_the_organisation(org):
    _, active, _ = org
    active.checkin_cadence, active.checkin_weekday = "monthly", 0
    db.session.commit()
    jobs.open_due_checkins(at("2026-03-10T10:00"))
    db.session.commit()
    [checkin, *_] = checkins_of(active)
    assert checkin.period_start == date(2026, 1, 1)
    assert checkin.due_on == date(2026, 1, 26)  # last Monday of January


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(app, org, monkeypatch):
    from tracker import scheduler
    from tracker.organisation.models import JobRecord

    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setitem(scheduler.JOBS, "mark_missed", (broken, "breaks"))
    results = tick(at("2026-01-07T10:00"))
    assert results["mark_missed"].ok is False
    assert results["open_checkins"].ok is True and results["send_outbox"].ok is True
    record = db.session.get(JobRecord, "mark_missed")
    assert record.outcome == "error" and "RuntimeError: boom" in record.last_error
    monkeypatch.setitem(scheduler.JOBS, "mark_missed", (jobs.mark_missed, "ok again"))
    assert tick(at("2026-01-07T10:05"))["mark_missed"].ok is True
    assert db.session.get(JobRecord, "mark_missed").outcome == "ok"
    assert db.session.get(JobRecord, "mark_missed").failures == 1


def test_tick_survives_a_database_that_is_gone(tmp_path):
    from tests.conftest import BASE_TEST_CONFIG
    from tracker import create_app

    app = create_app({**BASE_TEST_CONFIG,
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/gone",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}}})
    with app.app_context():
        results = tick(datetime(2026, 1, 7, 10, tzinfo=UTC))
    # Refreshing planner statistics is SQLite's chore: on PostgreSQL it reads nothing.
    assert results.pop("refresh_statistics").ok is True
    assert results and not any(run.ok for run in results.values())


def test_tick_cli_runs_every_job_at_the_given_moment(app, runner, org):
    result = runner.invoke(args=["scheduler", "tick", "--at", "2026-01-09T08:30:00Z"])
    assert result.exit_code == 0, result.output
    assert "open_checkins: ok opened 1" in result.output
    bad = runner.invoke(args=["scheduler", "tick", "--at", "next tuesday"])
    assert bad.exit_code != 0 and "is not a moment" in bad.output
    naive = runner.invoke(args=["scheduler", "tick", "--at", "2026-01-09T08:30:00"])
    assert naive.exit_code != 0 and "time zone" in naive.output
