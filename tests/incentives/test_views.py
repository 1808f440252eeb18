"""Incentive pages through the test client: who sees what, recording, judging, the map."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import count_queries
from tests.form_errors import field_error
from tests.pickers import WAYS, add_many, picker, statements_and_sizes, ways_to_name
from tracker.accounts.models import Department
from tracker.extensions import db
from tracker.incentives import services as incentives
from tracker.incentives.models import Incentive, Judgement

pytestmark = pytest.mark.fixed_now(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
ROLES = ["admin", "executive", "hr", "member"]
PRIVILEGED = {"admin", "executive", "hr"}
GROUP, WEIGHT = "Presidents Club 2026", "37.5%"


@pytest.fixture
def world(app):
    with app.app_context():
        hr = factories.make_user("hr")
        ops, service = factories.make_department("Operations"), factories.make_department("Customer Service")
        behaviour = factories.make_behaviour("Call centre in-sourced")
        pulling = factories.make_incentive(ops, "Cost per contact", actor=hr, named_group=GROUP,
                                           weight_percent=37.5)
        supporting = factories.make_incentive(service, "Net Promoter Score", actor=hr)
        incentives.judge(pulling, actor=hr, behaviour_id=behaviour.id, verdict="pulls_against",
                         reason="The vendor is cheaper per call", now=NOW)
        incentives.judge(supporting, actor=hr, behaviour_id=behaviour.id, verdict="supports",
                         reason="Our own staff resolve more", now=NOW)
        initiative = factories.make_initiative("Drop cost per contact", kind="incentive_change",
                                               owner=hr)
        db.session.commit()
        return {"pulling": pulling.id, "supporting": supporting.id, "behaviour": behaviour.id,
                "ops": ops.id, "hr": hr.id, "initiative": initiative.id}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_map_and_only_leaders_and_hr_see_weights_and_named_groups(
        app, client, login_as, world, role):
    login_as(role)
    pages = [client.get("/incentives/"), client.get(f"/incentives/{world['pulling']}")]
    assert all(p.status_code == 200 for p in pages)
    text = "".join(p.get_data(as_text=True) for p in pages)
    assert "Cost per contact" in text and "Operations against Customer Service" in text
    assert (GROUP in text) is (role in PRIVILEGED)
    assert (WEIGHT in text) is (role in PRIVILEGED)


def test_the_map_says_in_words_which_cells_pull_against(client, login_as, world):
    login_as("member")
    page = client.get("/incentives/").get_data(as_text=True)
    assert 'class="map-cell map-pulls_against"' in page and 'class="map-cell map-supports"' in page
    assert "▼</span> Pulls against" in page and "▲</span> Supports" in page
    assert "1</strong> incentive in effect pulls against the change" in page


@pytest.mark.parametrize("url", ["/incentives/new", "/incentives/{pulling}/judge/{behaviour}",
                                 "/incentives/changes/{initiative}", "/incentives/{pulling}/edit"])
def test_a_member_may_not_record_judge_or_name_a_change(client, login_as, world, url):
    login_as("member")
    assert client.get(url.format(**world)).status_code == 403
    assert client.post(url.format(**world), data={}).status_code == 403


def test_hr_records_an_incentive_with_every_field(app, client, login_as, world):
    user = login_as("hr")
    response = client.post("/incentives/new", data={
        "department_id": world["ops"], "rewards": "Orders shipped within 3 hours", "role_name": "Pickers",
        "named_group": "", "metric_id": 0, "rewarded_direction": "", "weight_percent": "10",
        "source": "scorecard", "status": "in_effect", "effective_from": "2026-02-01",
        "owner_id": user.id})
    assert response.status_code == 302
    with app.app_context():
        incentive = db.session.scalar(select(Incentive).where(
            Incentive.rewards == "Orders shipped within 3 hours"))
        assert (incentive.role_name, incentive.weight_percent, incentive.source) == (
            "Pickers", 10, "scorecard")


def test_bad_input_is_refused_beside_each_field(app, client, login_as, world):
    login_as("hr")
    page = client.post("/incentives/new", data={
        "department_id": 0, "rewards": "", "weight_percent": "250", "source": "",
        "status": "in_effect", "effective_from": "", "owner_id": 0})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for message in ("Say what it rewards", "Choose the department", "more than 0 and at most 100",
                    "Say where it comes from", "Say when it took effect", "Choose its owner"):
        assert message in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Incentive)) == 2


def _edit_data(app, incentive_id, **changes):
    with app.app_context():
        incentive = db.session.get(Incentive, incentive_id)
        data = {"department_id": incentive.department_id, "rewards": incentive.rewards,
                "role_name": incentive.role_name, "named_group": incentive.named_group,
                "metric_id": 0, "rewarded_direction": "",
                "weight_percent": "" if incentive.weight_percent is None else str(incentive.weight_percent),
                "source": incentive.source, "status": incentive.status,
                "effective_from": incentive.effective_from.isoformat() if incentive.effective_from else "",
                "owner_id": incentive.owner_id}
    return {**data, **changes}


def test_hr_corrects_a_mistyped_incentive_and_its_history_keeps_the_before(app, client, login_as, world):
    login_as("hr")
    form = client.get(f"/incentives/{world['pulling']}/edit").get_data(as_text=True)
    assert "Edit the incentive" in form and 'value="Cost per contact"' in form
    response = client.post(f"/incentives/{world['pulling']}/edit", data=_edit_data(
        app, world["pulling"], rewards="Cost per resolved contact", weight_percent="25"))
    assert response.status_code == 302
    page = client.get(f"/incentives/{world['pulling']}").get_data(as_text=True)
    assert "Cost per resolved contact" in page and "25% of bonus or commission" in page
    assert "Cost per contact" in page  # the history's before
    login_as("member")
    page = client.get(f"/incentives/{world['pulling']}").get_data(as_text=True)
    assert "Cost per resolved contact" in page and "37.5" not in page and "25%" not in page


def test_a_bad_edit_is_refused_beside_the_field_and_changes_nothing(app, client, login_as, world):
    login_as("hr")
    page = client.post(f"/incentives/{world['pulling']}/edit", data=_edit_data(
        app, world["pulling"], rewards="", weight_percent="0", owner_id=0))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Say what it rewards" in text and "more than 0 and at most 100" in text
    assert "Choose its owner" in text
    with app.app_context():
        incentive = db.session.get(Incentive, world["pulling"])
        assert (incentive.rewards, incentive.weight_percent) == ("Cost per contact", 37.5)


def test_an_ended_incentive_keeps_its_status_and_dates_when_edited(app, client, login_as, world):
    from datetime import date
    with app.app_context():
        incentive = db.session.get(Incentive, world["pulling"])
        incentive.status, incentive.ended_on = "ended", date(2026, 3, 1)
        db.session.commit()
    login_as("hr")
    form = client.get(f"/incentives/{world['pulling']}/edit").get_data(as_text=True)
    assert "Ended on 2026-03-01" in form and 'name="status"' not in form
    response = client.post(f"/incentives/{world['pulling']}/edit", data=_edit_data(
        app, world["pulling"], status="in_effect", effective_from="2020-01-01",
        rewards="Cost per contact (old plan)"))
    assert response.status_code == 302
    with app.app_context():
        incentive = db.session.get(Incentive, world["pulling"])
        assert (incentive.status, incentive.ended_on, incentive.effective_from) == (
            "ended", date(2026, 3, 1), date(2026, 1, 1))
        assert incentive.rewards == "Cost per contact (old plan)"


def test_a_judgement_is_confirmed_from_the_suggestion(app, client, login_as, world):
    login_as("executive")
    form = client.get(f"/incentives/{world['supporting']}/judge/{world['behaviour']}")
    assert "The app suggests" in form.get_data(as_text=True)
    response = client.post(f"/incentives/{world['supporting']}/judge/{world['behaviour']}",
                           data={"verdict": "neutral", "reason": "NPS moves for many reasons"})
    assert response.status_code == 302
    with app.app_context():
        judgement = db.session.scalar(select(Judgement).where(
            Judgement.incentive_id == world["supporting"]))
        assert (judgement.verdict, judgement.reason) == ("neutral", "NPS moves for many reasons")
    page = client.get(f"/incentives/{world['supporting']}").get_data(as_text=True)
    assert "Judged against “Call centre in-sourced”: neutral" in page


def test_a_judgement_without_a_reason_is_refused(client, login_as, world):
    login_as("hr")
    page = client.post(f"/incentives/{world['pulling']}/judge/{world['behaviour']}",
                       data={"verdict": "supports", "reason": ""})
    assert page.status_code == 200 and "Give the reason in one line." in page.get_data(as_text=True)


def test_the_initiative_page_names_the_incentive_it_changes(app, client, login_as, world):
    login_as("hr")
    response = client.post(f"/incentives/changes/{world['initiative']}",
                           data={"incentive_id": world["pulling"], "replacement_id": 0})
    assert response.status_code == 302
    page = client.get(f"/initiatives/{world['initiative']}").get_data(as_text=True)
    assert "The incentive it changes" in page and "Operations: Cost per contact" in page
    assert "Not changed yet. Announcing it is talk" in page


def test_the_dashboard_card_counts_incentives_pulling_against_the_change(client, login_as, world):
    login_as("member")
    page = client.get("/").get_data(as_text=True)
    assert '<span class="dash-number">1</span><span>incentive pulls against the change</span>' in page
    assert 'href="/incentives/"' in page


def add(app, n):
    with app.app_context():
        hr = factories.make_user("hr")
        for _ in range(n):
            department = factories.make_department()
            behaviour = factories.make_behaviour()
            incentive = factories.make_incentive(department, actor=hr)
            incentives.judge(incentive, actor=hr, behaviour_id=behaviour.id, verdict="pulls_against",
                             reason="Pays for the old way", now=NOW)
        db.session.commit()


def test_the_map_runs_the_same_queries_for_3_and_30_incentives(app, client, login_as, world):
    login_as("member")
    add(app, 1)
    with count_queries(app) as small:
        assert client.get("/incentives/").status_code == 200
    add(app, 27)
    with count_queries(app) as large:
        assert client.get("/incentives/").status_code == 200
    assert small() == large()


def test_the_incentive_page_runs_the_same_queries_whatever_the_number_of_behaviours(
        app, client, login_as, world):
    login_as("hr")
    with count_queries(app) as few:
        assert client.get(f"/incentives/{world['pulling']}").status_code == 200
    add(app, 20)
    with count_queries(app) as many:
        assert client.get(f"/incentives/{world['pulling']}").status_code == 200
    assert few() == many()


def _paid_on(app, count: int, *, department: str = "Sales", pulling: int = 0):
    """`count` incentives in effect in one department, the first `pulling`
    of them judged to pull against the world's behaviour; their ids."""
    with app.app_context():
        hr = factories.make_user("hr")
        sales = (db.session.scalar(select(Department).where(Department.name == department))
                 or factories.make_department(department))
        behaviour_id = db.session.scalar(select(Judgement.behaviour_id).limit(1))
        ids = []
        for n in range(count):
            incentive = factories.make_incentive(sales, f"Deals closed {n:03d}", actor=hr)
            if n < pulling:
                incentives.judge(incentive, actor=hr, behaviour_id=behaviour_id, verdict="pulls_against",
                                 reason="Pays for volume", now=NOW)
            ids.append(incentive.id)
        db.session.commit()
        return ids


def test_a_map_cell_names_three_incentives_worst_first_and_counts_the_rest(app, client, login_as, world):
    login_as("member")
    ids = _paid_on(app, 8, pulling=1)
    page = client.get("/incentives/").get_data(as_text=True)
    table = page.split('id="map-heading"')[1].split('id="conflicts-heading"')[0]
    assert f'href="/incentives/{ids[0]}"' in table  # the one pulling against comes first
    assert "and 5 more" in table
    assert f'href="/incentives/{ids[-1]}"' not in table


def test_conflicts_and_incentives_are_listed_50_a_page_each(app, client, login_as, world):
    login_as("member")
    with app.app_context():
        hr = factories.make_user("hr")
        behaviour_id = world["behaviour"]
        for n in range(55):  # 55 more departments pulling against what Customer Service supports
            region = factories.make_department(f"Region {n:02d}")
            incentive = factories.make_incentive(region, "Cost per call", actor=hr)
            incentives.judge(incentive, actor=hr, behaviour_id=behaviour_id, verdict="pulls_against",
                             reason="Pays for short calls", now=NOW)
        db.session.commit()
    first = client.get("/incentives/").get_data(as_text=True)
    assert "56 open conflicts" in first
    assert first.count("against Customer Service") == 50
    assert 'href="/incentives/?conflicts_page=2"' in first and 'href="/incentives/?page=2"' in first
    second = client.get("/incentives/?conflicts_page=2&page=2").get_data(as_text=True)
    assert second.count("against Customer Service") == 6
    assert "Page 2 of 2" in second
    # Each pager keeps the other's page.
    assert 'href="/incentives/?page=1&amp;conflicts_page=2"' in second
    assert 'href="/incentives/?conflicts_page=1&amp;page=2"' in second


def test_the_map_runs_the_same_queries_for_a_few_or_120_incentives_in_a_department(
        app, client, login_as, world):
    login_as("hr")
    _paid_on(app, 3, pulling=1)
    with count_queries(app) as few:
        assert client.get("/incentives/").status_code == 200
    _paid_on(app, 117, department="Sales", pulling=40)
    with count_queries(app) as many:
        page = client.get("/incentives/")
    assert page.status_code == 200 and "Page 1 of 3" in page.get_data(as_text=True)
    assert few() == many()


# The owner is typed, with suggestions (tracker.forms.PickerField)

def incentive_data(world, owner, **changes) -> dict:
    return {"department_id": world["ops"], "rewards": "Orders shipped within 3 hours",
            "role_name": "", "named_group": "", "metric_id": 0, "rewarded_direction": "",
            "weight_percent": "", "source": "scorecard", "status": "in_effect",
            "effective_from": "2026-02-01", "owner_id": owner, **changes}


@pytest.mark.parametrize("way", WAYS)
def test_hr_names_the_incentive_owner_in_any_way_the_picker_takes(app, client, login_as, world, way):
    with app.app_context():
        ways = ways_to_name(factories.make_user("member", name="Sam Lee", email="sam.lee@example.com"))
        db.session.commit()
    login_as("hr")
    response = client.post("/incentives/new", data=incentive_data(world, ways[way], rewards=f"By {way}"))
    assert response.status_code == 302, field_error(response, "owner_id")
    with app.app_context():
        stored = db.session.scalar(select(Incentive).where(Incentive.rewards == f"By {way}"))
        assert str(stored.owner_id) == ways["number"]
    edit = client.get(f"/incentives/{stored.id}/edit")
    assert picker(edit, "owner_id")["value"] == "Sam Lee <sam.lee@example.com>"


def test_an_inactive_or_unknown_owner_is_refused_and_what_was_typed_stays(app, client, login_as, world):
    with app.app_context():
        factories.make_user("member", email="gone@example.com", active=False)
        db.session.commit()
    login_as("hr")
    response = client.post("/incentives/new", data=incentive_data(world, "gone@example.com"))
    assert field_error(response, "owner_id") == "Choose its owner: an active person."
    response = client.post("/incentives/new", data=incentive_data(world, "Nobody Here"))
    assert field_error(response, "owner_id") == "No account called 'Nobody Here': type their email."
    assert picker(response, "owner_id")["value"] == "Nobody Here"


def test_the_incentive_forms_do_not_grow_with_the_people(app, client, login_as, world):
    login_as("hr")
    pages = ("/incentives/new", f"/incentives/{world['pulling']}/edit")

    few = statements_and_sizes(app, client, pages)
    add_many(app, initiatives=False)
    many = statements_and_sizes(app, client, pages)
    assert [q for q, _ in many] == [q for q, _ in few]
    assert all(abs(m - f) < 50 for (_, m), (_, f) in zip(many, few, strict=True))
