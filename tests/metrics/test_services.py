"""Metric and reading rules, without HTTP."""

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import NOW
from tracker.auth.policy import may
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.metrics import services
from tracker.metrics.models import Metric, Reading, change_wording

TODAY = date(2026, 11, 20)


def metric_input(owner, **changes) -> services.MetricInput:
    data = services.MetricInput(
        name="Refunds decided on the spot", unit="%", direction="higher", baseline=10,
        target=60, target_date=date(2027, 6, 30), cadence="monthly", source="customer",
        standard="80% of refund requests decided within 10 minutes, measured weekly",
        owner_id=owner.id,
    )
    return replace(data, **changes)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(subject_id: int, action: str | None = None) -> list[HistoryEvent]:
    query = select(HistoryEvent).where(HistoryEvent.subject_type == "metric",
                                       HistoryEvent.subject_id == subject_id)
    if action:
        query = query.where(HistoryEvent.action == action)
    return list(db.session.scalars(query.order_by(HistoryEvent.id)))


# --- metrics -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target": 10}, "target equals the baseline"),
        ({"direction": "higher", "baseline": 50, "target": 40}, "target must be above the baseline"),
        ({"direction": "lower", "baseline": 5, "target": 8}, "target must be below the baseline"),
        ({"baseline": "twelve"}, "baseline must be a number"),
        ({"target": float("inf")}, "finite number"),
        ({"baseline": float("nan")}, "finite number"),
        ({"name": "   "}, "needs a name"),
        ({"name": "x" * 201}, "at most 200 characters"),
        ({"standard": "x" * 1001}, "at most 1000 characters"),
        ({"direction": "sideways"}, "higher or lower"),
        ({"source": "gut feeling"}, "where the numbers come from"),
        ({"cadence": "whenever"}, "how often"),
        ({"target_date": None}, "needs a target date"),
        ({"department_id": 4242}, "Unknown department"),
        ({"behaviour_ids": (4242,)}, "chosen behaviours does not exist"),
    ],
)
def test_bad_metric_is_refused_and_nothing_is_stored(ctx, changes, message):
    owner = factories.make_user("member")
    with pytest.raises(services.MetricError, match=message):
        services.create_metric(actor=owner, data=metric_input(owner, **changes), now=NOW)
    assert count(Metric) == 0
    assert count(HistoryEvent) == 0


def test_target_on_the_right_side_for_lower_is_better_is_accepted(ctx):
    owner = factories.make_user("member")
    metric = services.create_metric(
        actor=owner, data=metric_input(owner, direction="lower", baseline=12, target=5), now=NOW)
    assert (metric.baseline, metric.target, metric.direction) == (12, 5, "lower")


def test_duplicate_metric_name_is_refused_whatever_the_case(ctx):
    owner = factories.make_user("member")
    services.create_metric(actor=owner, data=metric_input(owner, name="Calls Answered"), now=NOW)
    with pytest.raises(services.MetricError, match="already exists"):
        services.create_metric(actor=owner, data=metric_input(owner, name=" calls answered "), now=NOW)
    assert count(Metric) == 1


@pytest.mark.parametrize("name", ["İstanbul calls", "Ärger per order", "ǅ score"])
def test_duplicate_name_with_non_ascii_capitals_is_a_rule_error_not_a_crash(ctx, name):
    # SQL lower() and Python's lower() disagree on these; the same name twice
    # must still be caught by the rule, not by the unique constraint.
    owner = factories.make_user("member")
    services.create_metric(actor=owner, data=metric_input(owner, name=name), now=NOW)
    with pytest.raises(services.MetricError, match="already exists"):
        services.create_metric(actor=owner, data=metric_input(owner, name=name), now=NOW)


def test_member_creates_only_metrics_they_own(ctx):
    member = factories.make_user("member")
    colleague = factories.make_user("member")
    with pytest.raises(services.MetricError, match="only create metrics that you own"):
        services.create_metric(actor=member, data=metric_input(colleague), now=NOW)
    executive = factories.make_user("executive")
    metric = services.create_metric(actor=executive, data=metric_input(colleague), now=NOW)
    assert metric.owner_id == colleague.id


@pytest.mark.parametrize("owner_id", [None, 0, 4242])
def test_unknown_owner_is_refused(ctx, owner_id):
    executive = factories.make_user("executive")
    data = replace(metric_input(executive), owner_id=owner_id)
    with pytest.raises(services.MetricError, match="active owner"):
        services.create_metric(actor=executive, data=data, now=NOW)


def test_deactivated_owner_is_refused(ctx):
    executive = factories.make_user("executive")
    gone = factories.make_user("member", active=False)
    with pytest.raises(services.MetricError, match="active owner"):
        services.create_metric(actor=executive, data=metric_input(gone), now=NOW)


def test_edit_rights_belong_to_owner_executives_and_admins(ctx):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    assert may(owner, "edit_metric", metric)
    assert may(owner, "record_reading", metric)
    for role in ("executive", "admin"):
        leader = factories.make_user(role)
        assert may(leader, "edit_metric", metric)
        assert may(leader, "record_reading", metric)
    for role in ("member", "hr"):
        other = factories.make_user(role)
        assert not may(other, "edit_metric", metric)
        assert not may(other, "record_reading", metric)


def test_other_member_cannot_update_a_metric(ctx):
    metric = factories.make_metric(name="Owned elsewhere")
    intruder = factories.make_user("member")
    with pytest.raises(services.MetricError, match="only edit metrics you own"):
        services.update_metric(metric, actor=intruder,
                               data=metric_input(metric.owner, name="Hijacked"), now=NOW)
    assert metric.name == "Owned elsewhere"


def test_creating_and_editing_a_metric_writes_history(ctx):
    owner = factories.make_user("member")
    behaviour = factories.make_behaviour()
    metric = services.create_metric(actor=owner, data=metric_input(owner), now=NOW)
    services.update_metric(metric, actor=owner, data=metric_input(
        owner, target=75, behaviour_ids=(behaviour.id,)), now=NOW)
    created, updated = events(metric.id)
    assert created.action == "created" and created.changes["name"] == "Refunds decided on the spot"
    assert updated.action == "updated"
    assert updated.changes == {"target": [60.0, 75.0], "behaviour_ids": [[], [behaviour.id]]}
    assert updated.actor_id == owner.id


def test_saving_an_unchanged_metric_writes_no_history(ctx):
    owner = factories.make_user("member")
    metric = services.create_metric(actor=owner, data=metric_input(owner), now=NOW)
    services.update_metric(metric, actor=owner, data=metric_input(owner), now=NOW)
    assert [e.action for e in events(metric.id)] == ["created"]


def test_vague_standard_is_flagged_with_a_hint(ctx):
    metric = factories.make_metric(standard="We answer customers promptly and efficiently")
    findings = services.standard_findings(metric)
    assert findings and all(f.reason and f.hint for f in findings)
    assert any("promptly" in f.reason for f in findings)
    assert services.standard_findings(factories.make_metric()) == []


# --- readings ------------------------------------------------------------------

def test_reading_is_stored_with_its_author_and_a_history_row(ctx):
    metric = factories.make_metric()
    reading = services.record_reading(metric, actor=metric.owner, observed_on=date(2026, 11, 1),
                                      value="42.5", note="  after the new policy ", today=TODAY, now=NOW)
    assert (reading.value, reading.note, reading.recorded_by_id) == (42.5, "after the new policy",
                                                                     metric.owner_id)
    (event,) = events(metric.id, "reading")
    assert event.summary == "Recorded 42.5 for 2026-11-01"


@pytest.mark.parametrize(
    ("observed_on", "value", "note", "message"),
    [
        (date(2026, 11, 21), 5, "", "cannot be observed in the future"),
        (date(2026, 11, 1), "lots", "", "value must be a number"),
        (date(2026, 11, 1), "nan", "", "finite number"),
        (date(2026, 11, 1), 5, "x" * 2001, "at most 2000 characters"),
        (None, 5, "", "needs the date"),
    ],
)
def test_bad_reading_is_refused(ctx, observed_on, value, note, message):
    metric = factories.make_metric()
    with pytest.raises(services.MetricError, match=message):
        services.record_reading(metric, actor=metric.owner, observed_on=observed_on, value=value,
                                note=note, today=TODAY, now=NOW)
    assert count(Reading) == 0
    assert events(metric.id, "reading") == []


def test_reading_dated_today_is_accepted(ctx):
    metric = factories.make_metric()
    services.record_reading(metric, actor=metric.owner, observed_on=TODAY, value=1, today=TODAY, now=NOW)
    assert count(Reading) == 1


def test_second_reading_on_the_same_date_is_refused(ctx):
    metric = factories.make_metric()
    services.record_reading(metric, actor=metric.owner, observed_on=date(2026, 11, 1), value=1,
                            today=TODAY, now=NOW)
    with pytest.raises(services.MetricError, match="already a reading for 2026-11-01"):
        services.record_reading(metric, actor=metric.owner, observed_on=date(2026, 11, 1),
                                value=2, today=TODAY, now=NOW)
    assert count(Reading) == 1


def test_member_cannot_record_a_reading_on_someone_elses_metric(ctx):
    metric = factories.make_metric()
    with pytest.raises(services.MetricError, match="Only the metric's owner"):
        services.record_reading(metric, actor=factories.make_user("member"),
                                observed_on=date(2026, 11, 1), value=1, today=TODAY, now=NOW)
    services.record_reading(metric, actor=factories.make_user("executive"),
                            observed_on=date(2026, 11, 1), value=1, today=TODAY, now=NOW)
    assert count(Reading) == 1


# --- CSV import ------------------------------------------------------------------

def test_import_stores_every_reading_by_id_or_exact_name_and_writes_history(ctx):
    owner = factories.make_user("member")
    first = factories.make_metric("Calls answered", owner=owner)
    second = factories.make_metric("Refunds on the spot", owner=owner)
    csv = (f"metric,observed_on,value,note\n{first.id},2026-10-01,12,\n"
           f"{first.id},2026-11-01,14.5,better\nRefunds on the spot,2026-11-01,3,\n").encode()
    result = services.import_readings(csv, actor=owner, today=TODAY, now=NOW)
    assert result.ok and len(result.readings) == 3
    stored = db.session.execute(
        select(Reading.metric_id, Reading.observed_on, Reading.value, Reading.recorded_by_id)
        .order_by(Reading.id)).all()
    assert stored == [(first.id, date(2026, 10, 1), 12.0, owner.id),
                      (first.id, date(2026, 11, 1), 14.5, owner.id),
                      (second.id, date(2026, 11, 1), 3.0, owner.id)]
    (imported,) = events(first.id, "reading")
    assert imported.summary == "Imported 2 readings from CSV"
    assert imported.changes == {"readings": [{"observed_on": "2026-10-01", "value": 12.0},
                                             {"observed_on": "2026-11-01", "value": 14.5}]}
    assert [e.summary for e in events(second.id, "reading")] == ["Imported 1 reading from CSV"]


def test_import_with_good_and_bad_rows_stores_nothing_and_lists_every_bad_line(ctx):
    metric = factories.make_metric()
    services.record_reading(metric, actor=metric.owner, observed_on=date(2026, 9, 1), value=1,
                            today=TODAY, now=NOW)
    csv = (
        "metric,observed_on,value,note\n"
        f"{metric.id},2026-10-01,12,good\n"        # line 2: good
        "No such metric,2026-10-01,12,\n"          # line 3
        f"{metric.id},2026-13-01,12,\n"            # line 4
        f"{metric.id},2026-10-02,twelve,\n"        # line 5
        f"{metric.id},2026-12-25,12,\n"            # line 6: future
        f"{metric.id},2026-09-01,12,\n"            # line 7: already stored
        f"{metric.id},2026-10-01,13,\n"            # line 8: same as line 2
    ).encode()
    result = services.import_readings(csv, actor=metric.owner, today=TODAY, now=NOW)
    assert not result.ok and result.readings == []
    assert sorted({e.line for e in result.errors}) == [3, 4, 5, 6, 7, 8]
    assert count(Reading) == 1
    assert events(metric.id, "reading")[-1].summary == "Recorded 1 for 2026-09-01"


def test_import_rows_for_metrics_the_actor_may_not_record_stop_the_whole_file(ctx):
    member = factories.make_user("member")
    own = factories.make_metric(owner=member)
    someone_elses = factories.make_metric("Not yours")
    csv = (f"metric,observed_on,value\n{own.id},2026-10-01,1\n"
           f"{someone_elses.id},2026-10-01,2\n").encode()
    result = services.import_readings(csv, actor=member, today=TODAY, now=NOW)
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "you may not record readings for 'Not yours'")]
    assert result.readings == []
    assert count(Reading) == 0


def test_refused_rows_are_listed_with_every_other_bad_row(ctx):
    member = factories.make_user("member")
    own = factories.make_metric(owner=member)
    someone_elses = factories.make_metric("Not yours")
    csv = (f"metric,observed_on,value\n{own.id},2026-10-01,lots\n"
           f"{someone_elses.id},2026-10-01,2\nNot yours,2026-10-02,3\n").encode()
    result = services.import_readings(csv, actor=member, today=TODAY, now=NOW)
    assert [(e.line, e.message) for e in result.errors] == [
        (2, "value 'lots' is not a number (use digits, '.' for decimals, no thousands separators)"),
        (3, "you may not record readings for 'Not yours'"),
        (4, "you may not record readings for 'Not yours'"),
    ]
    assert count(Reading) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        ("metric,observed_on,value\nCafé,2026-10-01,1\n".encode("latin-1"), "not UTF-8"),
        (b"x" * 1_000_001, "the limit is 1,000,000 bytes"),
        (b"metric,observed_on,value\n", "header but no readings"),
    ],
)
def test_unreadable_import_is_one_clear_file_error(ctx, data, message):
    member = factories.make_user("member")
    result = services.import_readings(data, actor=member, today=TODAY, now=NOW)
    assert len(result.errors) == 1 and result.errors[0].line == 0
    assert message in result.errors[0].message
    assert count(Reading) == 0


def test_readings_for_returns_each_metrics_readings_oldest_first(ctx):
    first, second = factories.make_metric(), factories.make_metric()
    for day in (3, 1, 2):
        services.record_reading(first, actor=first.owner, observed_on=date(2026, 11, day),
                                value=day, today=TODAY, now=NOW)
    readings = services.readings_for([first.id, second.id], limit_per_metric=2)
    assert [r.value for r in readings[first.id]] == [2, 3]
    assert readings[second.id] == []


@pytest.mark.parametrize(("amount", "unit", "signed", "wording"), [
    (40, "%", False, "40 points"), (1, "%", True, "+1 point"), (-6, "%", True, "-6 points"),
    (7.5, "%", False, "7.5 points"), (3, "days", True, "+3 days"), (12, "", False, "12"),
])
def test_a_change_is_worded_in_the_metrics_own_unit(amount, unit, signed, wording):
    """Issue 15, item 6: 55% to 95% is 40 points, not 40%."""
    assert change_wording(amount, unit, signed=signed) == wording
