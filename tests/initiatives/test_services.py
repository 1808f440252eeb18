"""Initiative rules without HTTP: transitions, metric links, permissions, history."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import NOW
from tracker.auth.policy import may
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.initiatives import services
from tracker.initiatives.models import STATUSES, Initiative, InitiativeMetric
from tracker.metrics.models import Reading


def events(initiative) -> list[HistoryEvent]:
    return list(db.session.scalars(
        select(HistoryEvent).where(HistoryEvent.subject_type == "initiative",
                                   HistoryEvent.subject_id == initiative.id)
        .order_by(HistoryEvent.id)
    ))


def initiative_input(owner, **overrides) -> services.InitiativeInput:
    values = {"title": "Tear up the outsourced call-centre contract", "kind": "contract_termination",
              "burning_platform": "Customers wait 40 minutes; rivals answer in 2.",
              "owner_id": owner.id, "start_date": date(2026, 2, 1)}
    return services.InitiativeInput(**{**values, **overrides})


def link(initiative, actor, metric, **overrides):
    values = {"metric_id": metric.id, "expected_direction": "increase", "expected_amount": "5",
              "expected_by": date(2026, 9, 30)}
    return services.link_metric(initiative, actor=actor, **{**values, **overrides}, now=NOW)


# Transitions

ALL_PAIRS = [(a, b) for a in STATUSES for b in STATUSES if a != b]


@pytest.mark.parametrize(("start", "target"), ALL_PAIRS)
def test_status_moves_only_along_the_allowed_transitions(ctx, start, target):
    owner = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner, status=start)
    if target in services.TRANSITIONS[start]:
        services.change_status(initiative, actor=owner, status=target, reason="Board said no",
                               now=NOW, today=NOW.date())
        assert initiative.status == target
    else:
        with pytest.raises(services.InitiativeError, match="cannot become"):
            services.change_status(initiative, actor=owner, status=target, reason="Board said no",
                                   now=NOW, today=NOW.date())
        assert initiative.status == start


def test_done_and_abandoned_are_final(ctx):
    assert services.TRANSITIONS["done"] == ()
    assert services.TRANSITIONS["abandoned"] == ()


def test_abandoning_needs_a_reason_and_keeps_it(ctx):
    owner = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner, status="announced")
    with pytest.raises(services.InitiativeError, match="Say why"):
        services.change_status(initiative, actor=owner, status="abandoned", reason="   ",
                               now=NOW, today=NOW.date())
    assert initiative.status == "announced"
    services.change_status(initiative, actor=owner, status="abandoned", reason="Supplier folded",
                           now=NOW, today=NOW.date())
    assert (initiative.status, initiative.abandon_reason) == ("abandoned", "Supplier folded")


def test_unknown_status_is_refused(ctx):
    owner = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner)
    with pytest.raises(services.InitiativeError, match="Unknown status"):
        services.change_status(initiative, actor=owner, status="finished",
                               now=NOW, today=NOW.date())


def test_status_change_is_recorded_with_old_and_new_status(ctx):
    owner = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner)
    services.change_status(initiative, actor=owner, status="abandoned", reason="Merged into another",
                           now=NOW, today=NOW.date())
    last = events(initiative)[-1]
    assert last.action == "status"
    assert last.changes == {"status": ["proposed", "abandoned"], "reason": "Merged into another"}
    assert last.actor_id == owner.id


# Creating and editing

def test_create_logs_a_proposed_initiative_with_a_creation_event(ctx):
    owner = factories.make_user("member")
    behaviour = factories.make_behaviour()
    initiative = services.create_initiative(
        actor=owner, data=initiative_input(owner, behaviour_ids=(behaviour.id,)), now=NOW,
        today=NOW.date())
    assert initiative.status == "proposed"
    assert initiative.behaviours == [behaviour]
    [created] = events(initiative)
    assert created.action == "created"
    assert created.changes["title"] == "Tear up the outsourced call-centre contract"
    assert created.changes["behaviour_ids"] == [behaviour.id]


@pytest.mark.parametrize("role", ["hr", "member"])
def test_hr_and_members_can_only_log_initiatives_they_own(ctx, role):
    actor = factories.make_user(role)
    someone_else = factories.make_user("member")
    before = db.session.scalar(select(func.count()).select_from(Initiative))
    with pytest.raises(services.InitiativeError, match="only log initiatives that you own"):
        services.create_initiative(actor=actor, data=initiative_input(someone_else), now=NOW,
                                   today=NOW.date())
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == before
    mine = services.create_initiative(actor=actor, data=initiative_input(actor), now=NOW, today=NOW.date())
    assert mine.owner_id == actor.id


@pytest.mark.parametrize("role", ["executive", "admin"])
def test_leaders_log_initiatives_for_anyone(ctx, role):
    leader = factories.make_user(role)
    owner = factories.make_user("member")
    initiative = services.create_initiative(actor=leader, data=initiative_input(owner), now=NOW,
                                            today=NOW.date())
    assert initiative.owner_id == owner.id and initiative.created_by_id == leader.id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"due_date": date(2026, 1, 31)}, "due date is before the start date"),
        ({"owner_id": 999_999}, "Choose an active owner"),
        ({"sponsor_id": 999_999}, "Choose an active sponsor"),
        ({"department_id": 999_999}, "Unknown department"),
        ({"title": "   "}, "needs a title"),
        ({"kind": "vision_statement"}, "what kind of move"),
        ({"burning_platform": ""}, "burning platform"),
        ({"description": "x" * (services.MAX_TEXT + 1)}, "description is at most"),
        ({"behaviour_ids": (999_999,)}, "does not exist"),
    ],
)
def test_bad_initiative_input_is_refused_and_nothing_is_stored(ctx, overrides, message):
    owner = factories.make_user("executive")
    before = db.session.scalar(select(func.count()).select_from(Initiative))
    with pytest.raises(services.InitiativeError, match=message):
        services.create_initiative(actor=owner, data=initiative_input(owner, **overrides), now=NOW,
                                   today=NOW.date())
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == before


def test_inactive_owner_is_refused(ctx):
    executive = factories.make_user("executive")
    gone = factories.make_user("member", active=False)
    with pytest.raises(services.InitiativeError, match="active owner"):
        services.create_initiative(actor=executive, data=initiative_input(gone), now=NOW,
                                   today=NOW.date())


def test_edit_records_only_the_fields_that_changed(ctx):
    owner = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner, title="Old title")
    services.update_initiative(initiative, actor=owner, data=initiative_input(
        owner, title="New title", kind=initiative.kind, burning_platform=initiative.burning_platform,
        start_date=initiative.start_date), now=NOW)
    last = events(initiative)[-1]
    assert last.action == "updated"
    assert last.changes == {"title": ["Old title", "New title"]}


def test_saving_without_changes_records_nothing(ctx):
    owner = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner)
    count = len(events(initiative))
    services.update_initiative(initiative, actor=owner, data=initiative_input(
        owner, title=initiative.title, kind=initiative.kind,
        burning_platform=initiative.burning_platform, start_date=initiative.start_date), now=NOW)
    assert len(events(initiative)) == count


def test_member_cannot_hand_their_initiative_to_someone_else(ctx):
    owner = factories.make_user("member")
    other = factories.make_user("member")
    initiative = factories.make_initiative(owner=owner)
    with pytest.raises(services.InitiativeError, match="you own"):
        services.update_initiative(initiative, actor=owner, data=initiative_input(other), now=NOW)
    assert initiative.owner_id == owner.id


# Permissions

def test_member_cannot_change_someone_elses_initiative(ctx):
    owner = factories.make_user("member")
    intruder = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    initiative = factories.make_initiative(owner=owner)
    existing = link(initiative, owner, metric)
    count = len(events(initiative))
    assert not may(intruder, "edit_initiative", initiative)
    with pytest.raises(services.InitiativeError):
        services.update_initiative(initiative, actor=intruder,
                                   data=initiative_input(intruder, title="Hijacked"), now=NOW)
    with pytest.raises(services.InitiativeError):
        services.change_status(initiative, actor=intruder, status="announced",
                               now=NOW, today=NOW.date())
    with pytest.raises(services.InitiativeError):
        link(initiative, intruder, factories.make_metric(owner=owner))
    with pytest.raises(services.InitiativeError):
        services.unlink_metric(initiative, actor=intruder, link_id=existing.id, now=NOW)
    assert initiative.title != "Hijacked" and initiative.status == "proposed"
    assert [lk.id for lk in initiative.metric_links] == [existing.id]
    assert len(events(initiative)) == count


@pytest.mark.parametrize(("role", "allowed"),
                         [("admin", True), ("executive", True), ("hr", False), ("member", False)])
def test_who_may_edit_someone_elses_initiative(ctx, role, allowed):
    initiative = factories.make_initiative()
    assert may(factories.make_user(role), "edit_initiative", initiative) is allowed
    assert may(initiative.owner, "edit_initiative", initiative)


# Linking metrics

def test_linking_a_metric_records_the_expected_change_and_history(ctx):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    initiative = factories.make_initiative(owner=owner)
    created = link(initiative, owner, metric, expected_amount="7.5")
    assert (created.metric_id, created.expected_direction, created.expected_amount,
            created.expected_by) == (metric.id, "increase", 7.5, date(2026, 9, 30))
    assert not initiative.is_unmeasured
    last = events(initiative)[-1]
    assert last.action == "metric linked" and last.changes["metric_id"] == metric.id


def test_a_metric_cannot_be_linked_twice(ctx):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    initiative = factories.make_initiative(owner=owner)
    link(initiative, owner, metric)
    with pytest.raises(services.InitiativeError, match="already linked"):
        link(initiative, owner, metric)
    assert db.session.scalar(select(func.count()).select_from(InitiativeMetric)) == 1


@pytest.mark.parametrize(("metric_direction", "expected", "ok"), [
    ("higher", "increase", True), ("higher", "decrease", False),
    ("lower", "decrease", True), ("lower", "increase", False),
])
def test_expected_change_must_move_the_metric_toward_its_target(ctx, metric_direction, expected, ok):
    owner = factories.make_user("member")
    baseline, target = (10.0, 50.0) if metric_direction == "higher" else (50.0, 10.0)
    metric = factories.make_metric(owner=owner, direction=metric_direction, baseline=baseline,
                                   target=target)
    initiative = factories.make_initiative(owner=owner)
    if ok:
        assert link(initiative, owner, metric, expected_direction=expected).metric_id == metric.id
    else:
        with pytest.raises(services.InitiativeError, match="away from its target"):
            link(initiative, owner, metric, expected_direction=expected)
        assert initiative.is_unmeasured


@pytest.mark.parametrize("amount", ["abc", "", None, "0", "-3", "nan", "inf", "1e400"])
def test_expected_change_must_be_a_positive_number(ctx, amount):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    initiative = factories.make_initiative(owner=owner)
    with pytest.raises(services.InitiativeError, match="must be a (positive )?number"):
        link(initiative, owner, metric, expected_amount=amount)
    assert initiative.is_unmeasured


@pytest.mark.parametrize("overrides", [{"metric_id": 999_999}, {"metric_id": None},
                                       {"expected_direction": "sideways"}, {"expected_by": None}])
def test_link_needs_a_real_metric_direction_and_date(ctx, overrides):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    initiative = factories.make_initiative(owner=owner)
    with pytest.raises(services.InitiativeError):
        link(initiative, owner, metric, **overrides)
    assert initiative.is_unmeasured


def test_unlinking_removes_the_link_keeps_readings_and_records_it(ctx):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    db.session.add(Reading(metric=metric, observed_on=date(2026, 3, 1), value=12))
    initiative = factories.make_initiative(owner=owner)
    created = link(initiative, owner, metric)
    services.unlink_metric(initiative, actor=owner, link_id=created.id, now=NOW)
    assert initiative.is_unmeasured
    assert db.session.scalar(select(func.count()).select_from(Reading)) == 1
    last = events(initiative)[-1]
    assert (last.action, last.changes) == ("metric unlinked", {"metric_id": metric.id})


def test_unlinking_a_link_of_another_initiative_is_refused(ctx):
    owner = factories.make_user("member")
    metric = factories.make_metric(owner=owner)
    mine, theirs = factories.make_initiative(owner=owner), factories.make_initiative(owner=owner)
    their_link = link(theirs, owner, metric)
    with pytest.raises(services.InitiativeError, match="not linked"):
        services.unlink_metric(mine, actor=owner, link_id=their_link.id, now=NOW)
    assert [lk.id for lk in theirs.metric_links] == [their_link.id]


# The list page

def test_list_page_filters_and_marks_unmeasured(ctx):
    sales = factories.make_department("Sales")
    owner = factories.make_user("member", name="Morgan Cohen")
    other = factories.make_user("member", name="Kemi Novak")
    measured = factories.make_initiative("Measured", owner=owner, department=sales,
                                         status="in_progress")
    link(measured, owner, factories.make_metric(owner=owner))
    factories.make_initiative("Talk", owner=other, kind="recognition")

    def titles(**kwargs):
        page = services.list_page(services.InitiativeFilters(**kwargs), 1, 50)
        return [row.title for row in page.items]

    assert titles(unmeasured=True) == ["Talk"]
    assert titles(status="in_progress") == ["Measured"]
    assert titles(kind="recognition") == ["Talk"]
    assert titles(department_id=sales.id) == ["Measured"]
    assert titles(owner_id=other.id) == ["Talk"]
    assert titles(owner="COHEN") == ["Measured"]
    assert sorted(titles(owner="o")) == ["Measured", "Talk"]  # both names have an o
    assert titles(owner="100%") == titles(owner="_") == []  # wildcards are plain characters
    assert titles(sort="title") == ["Measured", "Talk"]
    assert sorted(titles(status="bogus", kind="bogus", sort="bogus")) == ["Measured", "Talk"]


def test_list_rows_carry_what_the_list_shows(ctx):
    sales = factories.make_department("Sales")
    owner = factories.make_user("member", name="Morgan Cohen")
    measured = factories.make_initiative("Measured", owner=owner, department=sales,
                                         kind="recognition", status="in_progress")
    link(measured, owner, factories.make_metric(owner=owner))
    factories.make_initiative("Talk", owner=owner)
    rows = {row.title: row for row in
            services.list_page(services.InitiativeFilters(), 1, 50).items}
    assert (rows["Measured"].owner_name, rows["Measured"].department_name) == ("Morgan Cohen",
                                                                                "Sales")
    assert (rows["Measured"].kind_label, rows["Measured"].status_label) == ("Recognition",
                                                                            "In progress")
    assert rows["Measured"].start_date == date(2026, 1, 5) and rows["Measured"].due_date is None
    assert rows["Talk"].department_name is None
    assert not rows["Measured"].unmeasured and rows["Talk"].unmeasured


@pytest.mark.parametrize("sort", sorted(services.SORTS))
def test_list_pages_cover_every_initiative_once_in_every_sort(ctx, sort):
    owner = factories.make_user("member")
    # Equal titles and dates: ties must still fall on exactly one page.
    made = [factories.make_initiative("Same title", owner=owner) for _ in range(7)]
    filters = services.InitiativeFilters(sort=sort)
    pages = [services.list_page(filters, n, 3) for n in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [7] * 4
    assert [len(p.items) for p in pages] == [3, 3, 1, 0]
    seen = [row.id for p in pages for row in p.items]
    assert sorted(seen) == sorted(i.id for i in made)
    assert (pages[0].pages, pages[0].has_prev, pages[0].next_num) == (3, False, 2)
    assert (pages[2].has_next, pages[2].prev_num) == (False, 2)


def test_handing_an_initiative_to_another_owner_and_department_is_recorded(ctx):
    """Owner and department alone changed: the edit is still in the history
    (and so moves the cached figures' data version)."""
    executive = factories.make_user("executive")
    initiative = factories.make_initiative(actor=executive, status="in_progress")
    newcomer = factories.make_user("member")
    ops = factories.make_department("Ops")
    data = services.InitiativeInput(
        title=initiative.title, kind=initiative.kind, burning_platform=initiative.burning_platform,
        owner_id=newcomer.id, start_date=initiative.start_date, department_id=ops.id,
        description=initiative.description)
    services.update_initiative(initiative, actor=executive, data=data, now=NOW)
    event = db.session.scalars(select(HistoryEvent).where(HistoryEvent.action == "updated")).one()
    assert set(event.changes) == {"owner_id", "department_id"}
