"""Behaviour rules, without HTTP."""

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import NOW
from tracker.auth.policy import may
from tracker.behaviours import services
from tracker.behaviours.models import Behaviour
from tracker.extensions import db
from tracker.history.models import HistoryEvent


def create(actor, **changes) -> Behaviour:
    values = {"name": "Frontline refunds up to $200", "kind": "target",
              "from_behaviour": "Agents ask a supervisor", "to_behaviour": "Agents decide", **changes}
    return services.create_behaviour(actor=actor, **values, now=NOW)


def behaviour_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Behaviour))


def history(behaviour_id: int) -> list[HistoryEvent]:
    return list(db.session.scalars(
        select(HistoryEvent).where(HistoryEvent.subject_type == "behaviour",
                                   HistoryEvent.subject_id == behaviour_id)
        .order_by(HistoryEvent.id)))


@pytest.mark.parametrize("role", ["admin", "executive", "hr"])
def test_executives_hr_and_admins_define_behaviours(ctx, role):
    actor = factories.make_user(role)
    behaviour = create(actor, name="  Loyal customers thanked  ", kind="no_no")
    assert (behaviour.name, behaviour.kind, behaviour.created_by_id) == (
        "Loyal customers thanked", "no_no", actor.id)
    assert may(actor, "manage_behaviours")


def test_members_cannot_define_or_edit_behaviours(ctx):
    member = factories.make_user("member")
    assert not may(member, "manage_behaviours")
    with pytest.raises(services.BehaviourError, match="Only executives, HR and admins"):
        create(member)
    behaviour = factories.make_behaviour("Kept as is")
    with pytest.raises(services.BehaviourError, match="Only executives, HR and admins"):
        services.update_behaviour(behaviour, actor=member, name="Changed", kind="target", now=NOW)
    assert behaviour.name == "Kept as is"
    assert behaviour_count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "needs a name"),
        ({"name": "   "}, "needs a name"),
        ({"name": "n" * 201}, "at most 200 characters"),
        ({"kind": "maybe"}, "target behaviour or a no-no"),
        ({"from_behaviour": "x" * 5001}, "at most 5000 characters"),
        ({"to_behaviour": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_bad_behaviour_is_refused_and_nothing_stored(ctx, changes, message):
    actor = factories.make_user("hr")
    with pytest.raises(services.BehaviourError, match=message):
        create(actor, **changes)
    assert behaviour_count() == 0
    assert db.session.scalar(select(func.count()).select_from(HistoryEvent)) == 0


def test_duplicate_behaviour_name_is_refused_whatever_the_case(ctx):
    actor = factories.make_user("executive")
    create(actor, name="Call centre in-sourced")
    with pytest.raises(services.BehaviourError, match="already exists"):
        create(actor, name="CALL CENTRE IN-SOURCED")
    other = create(actor, name="Service heroes recognised")
    with pytest.raises(services.BehaviourError, match="already exists"):
        services.update_behaviour(other, actor=actor, name="call centre in-sourced", kind="target", now=NOW)


def test_duplicate_name_with_non_ascii_capitals_is_a_rule_error_not_a_crash(ctx):
    actor = factories.make_user("executive")
    create(actor, name="İade on the spot")
    with pytest.raises(services.BehaviourError, match="already exists"):
        create(actor, name="İade on the spot")


def test_renaming_a_behaviour_to_its_own_name_in_another_case_is_allowed(ctx):
    actor = factories.make_user("executive")
    behaviour = create(actor, name="loyal customers thanked")
    services.update_behaviour(behaviour, actor=actor, name="Loyal customers thanked", kind="target", now=NOW)
    assert behaviour.name == "Loyal customers thanked"


def test_creating_and_editing_write_history_with_what_changed(ctx):
    actor = factories.make_user("hr")
    behaviour = create(actor)
    services.update_behaviour(behaviour, actor=actor, name=behaviour.name, kind="no_no",
                              from_behaviour="Agents ask a supervisor", to_behaviour="Nobody asks", now=NOW)
    created, updated = history(behaviour.id)
    assert created.action == "created" and created.summary == "Created target behaviour"
    assert created.changes["name"] == "Frontline refunds up to $200"
    assert updated.changes == {"kind": ["target", "no_no"], "to_behaviour": ["Agents decide", "Nobody asks"]}
    assert updated.actor_id == actor.id


def test_saving_an_unchanged_behaviour_writes_no_history(ctx):
    actor = factories.make_user("hr")
    behaviour = create(actor)
    services.update_behaviour(behaviour, actor=actor, name=behaviour.name, kind=behaviour.kind,
                              from_behaviour=behaviour.from_behaviour,
                              to_behaviour=behaviour.to_behaviour, now=NOW)
    assert [e.action for e in history(behaviour.id)] == ["created"]


def test_behaviours_by_ids_refuses_an_unknown_id(ctx):
    known = factories.make_behaviour()
    assert services.behaviours_by_ids([known.id, str(known.id)]) == [known]
    with pytest.raises(services.BehaviourError, match="does not exist"):
        services.behaviours_by_ids([known.id, 4242])


def test_list_puts_targets_before_no_nos_then_by_name(ctx):
    actor = factories.make_user("executive")
    for name, kind in (("B no-no", "no_no"), ("Z target", "target"), ("A target", "target"),
                       ("A no-no", "no_no")):
        create(actor, name=name, kind=kind)
    assert [b.name for b in services.list_behaviours()] == ["A target", "Z target", "A no-no",
                                                            "B no-no"]
