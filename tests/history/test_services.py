"""History is append-only: neither the app nor another database client can rewrite it."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from tests import factories
from tests.factories import NOW
from tracker.extensions import db
from tracker.history import services as history
from tracker.history.models import HistoryEvent, HistoryIsAppendOnly


def test_orm_refuses_to_change_or_delete_history(ctx):
    user = factories.make_user("admin")
    event = history.record("initiative", 1, "created", "Logged", actor=user, now=NOW)
    db.session.commit()
    event.summary = "Rewritten"
    with pytest.raises(HistoryIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(HistoryIsAppendOnly):
        db.session.delete(db.session.get(HistoryEvent, event.id))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(HistoryEvent, event.id).summary == "Logged"


def test_database_refuses_raw_update_and_delete_of_history(ctx):
    user = factories.make_user("admin")
    history.record("initiative", 1, "created", "Logged", actor=user, now=NOW)
    db.session.commit()
    for statement in ("UPDATE history_event SET summary = 'x'", "DELETE FROM history_event"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.execute(text("SELECT summary FROM history_event")).scalar() == "Logged"


def test_diff_lists_only_changed_fields():
    before = {"title": "A", "due_date": None, "owner_id": 1}
    after = {"title": "B", "due_date": "2026-01-01", "owner_id": 1}
    assert history.diff(before, after) == {"title": ["A", "B"], "due_date": [None, "2026-01-01"]}


def test_demo_force_reload_is_the_one_way_to_erase_history(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        factories.make_initiative()
        db.session.commit()
    result = runner.invoke(args=["demo", "load", "--force"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        # The append-only guard is back in place afterwards.
        history.record("initiative", 1, "created", "Logged", actor=None, now=NOW)
        db.session.commit()
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text("DELETE FROM history_event"))
        db.session.rollback()


def test_edits_read_as_words_and_names_not_codes_and_ids(app, ctx):
    from tests.conftest import count_queries

    before, after = factories.make_user(name="Olga Old"), factories.make_user(name="Nina New")
    sales = factories.make_department("Sales")
    quality = factories.make_behaviour("Quality judged by customers")
    edits = [
        history.record("initiative", 1, "updated", "Edited", actor=after, changes={
            "owner_id": [before.id, after.id], "department_id": [None, sales.id],
            "kind": ["office_move", "policy_change"], "checkin_weekday": [0, 4]}, now=NOW),
        history.record("metric", 1, "updated", "Edited metric", actor=after, changes={
            "behaviour_ids": [[], [quality.id, 987654]], "direction": ["higher", "lower"],
            "baseline": [40, 45.5]}, now=NOW),
        history.record("initiative", 1, "status", "Status Proposed → Announced", actor=after, now=NOW),
    ]
    db.session.flush()
    with count_queries(app) as queries:
        readable = history.readable_changes(edits)
    assert queries() == 3  # users, departments, behaviours
    assert [(c.label, c.old, c.new) for c in readable[edits[0].id]] == [
        ("Owner", "Olga Old", "Nina New"), ("Department", "—", "Sales"),
        ("Kind", "Office move", "Policy or rule change"), ("Check-in day", "Monday", "Friday")]
    assert [(c.label, c.old, c.new) for c in readable[edits[1].id]] == [
        ("Behaviours", "—", "Quality judged by customers, #987654 (gone)"),
        ("Direction", "Higher is better", "Lower is better"), ("Baseline", "40", "45.5")]
    assert edits[2].id not in readable


def test_each_domain_describes_its_own_fields_and_names_are_read_in_one_query_per_kind(app, ctx):
    from tests.conftest import count_queries

    hr, sales = factories.make_user(name="Hana Hr"), factories.make_department("Sales")
    initiative = factories.make_initiative("Service hero awards")
    edits = [
        history.record("people_decision", 1, "updated", "Edited", actor=hr, changes={
            "kind": ["hire", "promotion"], "user_id": [None, hr.id], "department_id": [sales.id, 99999],
            "initiative_id": [initiative.id, None], "effective_date": ["2026-01-05", "2026-02-01"],
            "aligned": [False, True]}, now=NOW),
        history.record("behaviour", 1, "updated", "Edited", actor=hr, changes={
            "kind": ["target", "no_no"], "from_behaviour": ["", "Scripts"]}, now=NOW),
    ]
    db.session.flush()
    with count_queries(app) as queries:
        readable = history.readable_changes(edits)
    assert queries() == 3  # users, departments, initiatives
    assert [(c.label, c.old, c.new) for c in readable[edits[0].id]] == [
        ("Kind", "Hire", "Promotion"), ("User account", "—", "Hana Hr"),
        ("Department", "Sales", "#99999 (gone)"), ("Initiative", "Service hero awards", "—"),
        ("Effective", "2026-01-05", "2026-02-01"), ("Aligned", "no", "yes")]
    assert [(c.label, c.old, c.new) for c in readable[edits[1].id]] == [
        ("Kind", "Target behaviour", "No-no"), ("From", "—", "Scripts")]


def test_a_subject_nobody_described_reads_its_field_names_and_plain_values(ctx):
    event = history.record("unknown_thing", 1, "updated", "Edited", actor=None, changes={
        "due_date": [None, "2026-01-01"], "is_open": [False, True], "owner_id": [1, 2]}, now=NOW)
    db.session.flush()
    assert [(c.label, c.old, c.new) for c in history.readable_changes([event])[event.id]] == [
        ("Due date", "—", "2026-01-01"), ("Is open", "no", "yes"), ("Owner id", "1", "2")]
