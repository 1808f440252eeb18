"""The initiative pages, through the test client."""

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests import factories
from tests.conftest import count_queries
from tests.factories import NOW
from tests.form_errors import banner, field_error
from tests.pickers import WAYS, add_many, picker, statements_and_sizes, ways_to_name
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.initiatives import services
from tracker.initiatives.models import Initiative, InitiativeMetric
from tracker.metrics.models import Reading

SCRIPT = '<script>alert("x")</script><b onmouseover=alert(1)>bold</b>'


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def form_data(owner_id: int | str, **overrides) -> dict:
    data = {"title": "Bring the call centre back in-house", "kind": "supplier_change",
            "burning_platform": "Customers wait 40 minutes; rivals answer in 2.",
            "description": "End the outsourcing contract in March.", "owner_id": owner_id,
            "sponsor_id": 0, "department_id": 0, "start_date": "2026-02-01", "due_date": ""}
    return {**data, **overrides}


def make(app, **kwargs) -> dict:
    """An initiative and its owner, committed; returns plain ids."""
    with app.app_context():
        owner = kwargs.pop("owner", None) or factories.make_user("member")
        initiative = factories.make_initiative(owner=owner, **kwargs)
        db.session.commit()
        return {"id": initiative.id, "owner_id": owner.id, "owner": owner}


def add_linked_metric(app, initiative_id: int, readings: int = 0, **metric_kwargs) -> int:
    """Link a new metric (with `readings` weekly readings) as an executive; returns the link id."""
    with app.app_context():
        executive = factories.make_user("executive")
        metric = factories.make_metric(owner=executive, **metric_kwargs)
        start = date(2025, 1, 6)
        db.session.add_all(Reading(metric=metric, observed_on=start + timedelta(weeks=n),
                                   value=10 + n % 7, note=f"week {n}") for n in range(readings))
        initiative = db.session.get(Initiative, initiative_id)
        created = services.link_metric(initiative, actor=executive, metric_id=metric.id,
                                       expected_direction="increase", expected_amount=5,
                                       expected_by=date(2026, 12, 31), now=NOW)
        db.session.commit()
        return created.id


def stored(app, initiative_id: int) -> Initiative:
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        db.session.expunge(initiative)
        return initiative


def history_actions(app, initiative_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(HistoryEvent.action).where(HistoryEvent.subject_type == "initiative",
                                              HistoryEvent.subject_id == initiative_id)
            .order_by(HistoryEvent.id)))


# Who may see and do what

@pytest.mark.parametrize("role", ["admin", "executive", "hr", "member"])
def test_every_role_can_read_the_list_and_an_initiative(app, client, login_as, role):
    created = make(app, title="Move support next to engineering")
    login_as(role)
    assert b"Move support next to engineering" in client.get("/initiatives/").data
    page = client.get(f"/initiatives/{created['id']}")
    assert page.status_code == 200
    assert b"Move support next to engineering" in page.data


def test_member_cannot_edit_someone_elses_initiative(app, client, login_as):
    created = make(app, title="Theirs")
    link_id = add_linked_metric(app, created["id"])
    with app.app_context():
        spare = factories.make_metric(owner=factories.make_user("executive"))
        db.session.commit()
        spare_id = spare.id
    before = history_actions(app, created["id"])
    intruder = login_as("member")
    url = f"/initiatives/{created['id']}"
    assert client.get(f"{url}/edit").status_code == 403
    assert client.post(f"{url}/edit", data=form_data(intruder.id, title="Mine now")).status_code == 403
    assert client.post(f"{url}/status", data={"status": "announced"}).status_code == 403
    assert client.post(f"{url}/metrics", data={
        "metric_id": spare_id, "expected_direction": "increase", "expected_amount": "3",
        "expected_by": "2026-12-31"}).status_code == 403
    assert client.post(f"{url}/metrics/{link_id}/delete").status_code == 403
    initiative = stored(app, created["id"])
    assert (initiative.title, initiative.status) == ("Theirs", "proposed")
    assert count(app, InitiativeMetric) == 1
    assert history_actions(app, created["id"]) == before


def test_member_reading_someone_elses_initiative_sees_no_forms(app, client, login_as):
    created = make(app)
    add_linked_metric(app, created["id"])
    login_as("member")
    page = client.get(f"/initiatives/{created['id']}").data.decode()
    assert "Change status" not in page and "Link a metric" not in page
    assert "/delete" not in page and "/edit" not in page


def test_owner_sees_the_forms_on_their_initiative(app, client, login_as):
    created = make(app)
    login_as(created["owner"])
    page = client.get(f"/initiatives/{created['id']}").data.decode()
    assert "Change status" in page and "Link a metric" in page
    assert f"/initiatives/{created['id']}/edit" in page
    # Only the transitions allowed from "proposed" are offered.
    offered = re.findall(r'<option value="(\w+)"', page.split('id="change-status"')[1])
    assert offered == list(services.TRANSITIONS["proposed"])


def test_executive_can_edit_any_initiative(app, client, login_as):
    created = make(app, title="Before")
    login_as("executive")
    response = client.post(f"/initiatives/{created['id']}/edit",
                           data=form_data(created["owner_id"], title="After"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/initiatives/{created['id']}")
    assert stored(app, created["id"]).title == "After"
    assert client.post(f"/initiatives/{created['id']}/status",
                       data={"status": "announced"}).status_code == 302
    assert stored(app, created["id"]).status == "announced"


def test_owner_edits_their_own_initiative(app, client, login_as):
    created = make(app, title="Before")
    login_as(created["owner"])
    form = client.get(f"/initiatives/{created['id']}/edit").data.decode()
    assert 'value="Before"' in form
    response = client.post(f"/initiatives/{created['id']}/edit",
                           data=form_data(created["owner_id"], title="After"))
    assert response.status_code == 302
    assert stored(app, created["id"]).title == "After"


# Creating

def test_member_logs_an_initiative_and_lands_on_its_page(app, client, login_as):
    with app.app_context():
        sales = factories.make_department("Sales")
        target = factories.make_behaviour("Refund without asking")
        no_no = factories.make_behaviour("Punish rule bending", kind="no_no")
        db.session.commit()
        sales_id, target_id, no_no_id = sales.id, target.id, no_no.id
    member = login_as("member")
    page = client.get("/initiatives/new").data.decode()
    assert "Why now? What happens if we don&#39;t?" in page
    # The owner is typed, with suggestions; it opens naming whoever logs it.
    assert picker(page, "owner_id")["value"] == f"{member.display_name} <{member.email}>"
    # A checkbox each, under a heading per group: no Ctrl-click multi-select.
    assert "<select" not in page[page.index("Behaviours it targets"):page.index("</fieldset>")]
    assert f'type="checkbox" name="behaviour_ids" id="behaviour_ids-0" value="{target_id}"' in page
    assert ">Target behaviours</p>" in page and ">No-nos (to remove)</p>" in page
    response = client.post("/initiatives/new", data=form_data(
        member.id, department_id=sales_id, due_date="2026-06-30",
        behaviour_ids=[target_id, no_no_id]))
    assert response.status_code == 302
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}")
        assert (initiative.owner_id, initiative.department_id, initiative.status) == (
            member.id, sales_id, "proposed")
        assert {b.id for b in initiative.behaviours} == {target_id, no_no_id}
        initiative_id = initiative.id
    page = client.get(f"/initiatives/{initiative_id}").data.decode()
    assert f'href="/behaviours/{target_id}"' in page and "No-no" in page


@pytest.mark.parametrize("role", ["hr", "member"])
def test_hr_and_members_cannot_log_an_initiative_for_someone_else(app, client, login_as, role):
    with app.app_context():
        other = factories.make_user("member")
        db.session.commit()
        other_id = other.id
    login_as(role)
    response = client.post("/initiatives/new", data=form_data(other_id))
    assert response.status_code == 200
    assert b"You can only log initiatives that you own." in response.data
    assert count(app, Initiative) == 0


def test_executive_logs_an_initiative_for_someone_else_with_a_sponsor(app, client, login_as):
    with app.app_context():
        owner = factories.make_user("member")
        db.session.commit()
        owner_id = owner.id
    executive = login_as("executive")
    response = client.post("/initiatives/new", data=form_data(owner_id, sponsor_id=executive.id))
    assert response.status_code == 302
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert (initiative.owner_id, initiative.sponsor_id) == (owner_id, executive.id)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_date": "2026-03-01", "due_date": "2026-02-01"}, "The due date is before the start date."),
        ({"owner_id": 999_999}, "Choose an active owner."),
        ({"owner_id": "abc"}, "No account called &#39;abc&#39;: type their email."),
        ({"owner_id": 0}, "Choose an active owner."),
        ({"sponsor_id": 999_999}, "Not a valid choice"),
        ({"department_id": "99999999999999999999"}, "Invalid Choice"),
        ({"behaviour_ids": ["99999"]}, "not a valid choice"),
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 201}, "The title is at most 200 characters."),
        ({"kind": ""}, "Choose what kind of move this is."),
        ({"kind": "vision_statement"}, "Choose what kind of move this is."),
        ({"burning_platform": "   "}, "Say why now, and what happens if we don&#39;t."),
        ({"description": "x" * 20_001}, "The description is at most 20,000 characters."),
        ({"start_date": "yesterday"}, "Not a valid date value."),
        ({"title": "null \x00 byte"}, "must be a single line of plain text"),
    ],
)
def test_bad_initiative_input_gets_a_clear_error_and_stores_nothing(app, client, login_as,
                                                                     overrides, message):
    executive = login_as("executive")
    response = client.post("/initiatives/new", data={**form_data(executive.id), **overrides})
    assert response.status_code == 200
    assert message in response.data.decode()
    assert count(app, Initiative) == 0
    assert count(app, HistoryEvent) == 0


def test_every_refusal_of_the_initiative_form_shows_beside_its_field(app, client, login_as):
    executive = login_as("executive")
    response = client.post("/initiatives/new", data=form_data(
        executive.id, kind="vision_statement", start_date="2026-05-01", due_date="2026-04-01"))
    assert response.status_code == 200
    assert field_error(response, "kind") == "Choose what kind of move this is."
    assert field_error(response, "due_date") == "The due date is before the start date."
    assert field_error(response, "title") == "" and banner(response) == ""
    assert count(app, Initiative) == 0


def test_bad_edit_changes_nothing(app, client, login_as):
    created = make(app, title="Untouched")
    login_as(created["owner"])
    response = client.post(f"/initiatives/{created['id']}/edit", data=form_data(
        created["owner_id"], title="Changed", start_date="2026-05-01", due_date="2026-04-01"))
    assert response.status_code == 200
    assert b"The due date is before the start date." in response.data
    assert stored(app, created["id"]).title == "Untouched"
    assert history_actions(app, created["id"]) == ["created"]


def test_a_one_megabyte_description_gets_a_clear_message_and_stores_nothing(app, client, login_as):
    executive = login_as("executive")
    response = client.post("/initiatives/new",
                           data=form_data(executive.id, description="x" * 1_000_000))
    assert response.status_code == 200
    assert b"The description is at most 20,000 characters." in response.data
    assert count(app, Initiative) == 0


def test_html_in_every_text_field_is_stored_as_typed_and_shown_escaped(app, client, login_as):
    with app.app_context():
        metric = factories.make_metric(name=f"NPS {SCRIPT}")
        db.session.add(Reading(metric=metric, observed_on=date(2026, 3, 1), value=20))
        db.session.commit()
        metric_id = metric.id
    executive = login_as("executive")
    response = client.post("/initiatives/new", data=form_data(
        executive.id, title=f"T {SCRIPT}", description=f"D {SCRIPT}",
        burning_platform=f"B {SCRIPT}"))
    assert response.status_code == 302
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert (initiative.title, initiative.description, initiative.burning_platform) == (
            f"T {SCRIPT}", f"D {SCRIPT}", f"B {SCRIPT}")
        initiative_id = initiative.id
    url = f"/initiatives/{initiative_id}"
    client.post(f"{url}/metrics", data={"metric_id": metric_id, "expected_direction": "increase",
                                        "expected_amount": "5", "expected_by": "2026-12-31"})
    client.post(f"{url}/status", data={"status": "abandoned", "reason": f"R {SCRIPT}"})
    assert stored(app, initiative_id).abandon_reason == f"R {SCRIPT}"
    for page in (client.get(url), client.get("/initiatives/"), client.get(f"{url}/edit")):
        text = page.data.decode()
        assert "<script>" not in text and "<b onmouseover" not in text
        assert "&lt;script&gt;" in text
    detail = client.get(url).data.decode()
    svg = detail[detail.index("<svg"):detail.index("</svg>")]
    assert "&lt;script&gt;" in svg and "<script>" not in svg
    assert "start of T &lt;script&gt;" in svg  # the initiative's start marker names it


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.fixed_dictionaries({
    name: st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
    for name in ("title", "kind", "burning_platform", "description", "owner_id", "sponsor_id",
                 "department_id", "start_date", "due_date", "behaviour_ids")
}))
def test_random_text_in_the_initiative_form_never_crashes(app, client, login_as, fields):
    with client.session_transaction() as session:
        signed_in = "_user_id" in session
    if not signed_in:
        login_as("member")
    response = client.post("/initiatives/new", data=fields)
    assert response.status_code in (200, 302)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.fixed_dictionaries({
    name: st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=100)
    for name in ("status", "reason", "metric_id", "expected_direction", "expected_amount",
                 "expected_by")
}))
def test_random_text_in_the_status_and_link_forms_never_crashes(app, client, login_as, fields):
    created = make(app)
    initiative_id = created["id"]
    login_as(created["owner"])
    for path in ("status", "metrics", "metrics/1/delete"):
        response = client.post(f"/initiatives/{initiative_id}/{path}", data=fields)
        assert response.status_code in (200, 302)


# Status and metric links through the page

def test_status_change_is_shown_in_history(app, client, login_as):
    created = make(app)
    login_as(created["owner"])
    response = client.post(f"/initiatives/{created['id']}/status", data={"status": "announced"})
    assert response.status_code == 302
    assert stored(app, created["id"]).status == "announced"
    assert "Status Proposed → Announced" in client.get(f"/initiatives/{created['id']}").data.decode()


def test_no_status_is_preselected_and_none_chosen_changes_nothing(app, client, login_as):
    created = make(app, status="in_progress")
    login_as(created["owner"])
    page = client.get(f"/initiatives/{created['id']}").data.decode()
    assert '<option value="">— choose —</option><option value="done">Done</option>' in page
    response = client.post(f"/initiatives/{created['id']}/status", data={"status": ""})
    assert response.status_code == 200
    assert b"Choose the new status." in response.data
    assert stored(app, created["id"]).status == "in_progress"


def test_abandoning_without_a_reason_is_refused(app, client, login_as):
    created = make(app)
    login_as(created["owner"])
    response = client.post(f"/initiatives/{created['id']}/status",
                           data={"status": "abandoned", "reason": "  "})
    assert response.status_code == 200
    assert b"Say why the initiative is abandoned." in response.data
    assert stored(app, created["id"]).status == "proposed"


def test_a_forged_impossible_transition_is_refused(app, client, login_as):
    created = make(app, status="done")
    login_as(created["owner"])
    page = client.get(f"/initiatives/{created['id']}").data.decode()
    assert "Done is final" in page
    response = client.post(f"/initiatives/{created['id']}/status", data={"status": "proposed"})
    assert response.status_code == 200
    assert b"An initiative that is done cannot become proposed." in response.data
    assert stored(app, created["id"]).status == "done"
    assert history_actions(app, created["id"]) == ["created", "status", "status"]


def link_form(metric_id, **overrides) -> dict:
    return {"metric_id": metric_id, "expected_direction": "increase", "expected_amount": "5",
            "expected_by": "2026-12-31", **overrides}


def metric_for(app, owner, **kwargs) -> int:
    with app.app_context():
        metric = factories.make_metric(owner=db.session.get(type(owner), owner.id), **kwargs)
        db.session.commit()
        return metric.id


def test_owner_links_and_unlinks_a_metric_and_history_shows_both(app, client, login_as):
    created = make(app)
    metric_id = metric_for(app, created["owner"], name="First-contact resolution")
    login_as(created["owner"])
    url = f"/initiatives/{created['id']}"
    assert "still talk until a metric is linked" in client.get(url).data.decode()
    assert client.post(f"{url}/metrics", data=link_form(metric_id, expected_amount="7.5")).status_code == 302
    page = client.get(url).data.decode()
    assert "still talk until a metric is linked" not in page
    assert "Increase by 7.5 points by 2026-12-31" in page
    assert f'href="/metrics/{metric_id}"' in page
    with app.app_context():
        link_id = db.session.scalar(select(InitiativeMetric.id))
    assert client.post(f"{url}/metrics/{link_id}/delete").status_code == 302
    assert count(app, InitiativeMetric) == 0
    page = client.get(url).data.decode()
    assert "Linked metric First-contact resolution" in page
    assert "Unlinked metric First-contact resolution" in page
    assert history_actions(app, created["id"]) == ["created", "metric linked", "metric unlinked"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expected_amount": "lots"}, "The expected change must be a number."),
        ({"expected_amount": "-2"}, "The expected change must be a positive number."),
        ({"expected_direction": "decrease"}, "would move it away from its target"),
        ({"expected_by": "soon"}, "Not a valid date value."),
        ({"metric_id": "999999"}, "Choose an existing metric."),
        ({"metric_id": "99999999999999999999"}, "Choose a metric."),
    ],
)
def test_bad_metric_link_gets_a_clear_error_and_links_nothing(app, client, login_as, overrides,
                                                               message):
    created = make(app)
    metric_id = metric_for(app, created["owner"])
    login_as(created["owner"])
    response = client.post(f"/initiatives/{created['id']}/metrics",
                           data={**link_form(metric_id), **overrides})
    assert response.status_code == 200
    assert message in response.data.decode()
    assert count(app, InitiativeMetric) == 0


def test_initiative_page_says_how_say_do_is_counted_once_folded_until_asked(app, client, login_as):
    from markupsafe import escape

    from tracker.checkins import saydo

    created = make(app)
    login_as(created["owner"])
    page = client.get(f"/initiatives/{created['id']}").data.decode()
    assert page.count(escape(saydo.EXPLANATION)) == 1
    folded = page[page.index('<details class="ck-explain">'):page.index("</details>")]
    assert "<summary>How it is counted</summary>" in folded and escape(saydo.EXPLANATION) in folded


def test_link_form_expects_the_metric_to_move_its_better_way_unless_told(app, client, login_as):
    created = make(app)
    fewer_complaints = metric_for(app, created["owner"], name="Complaints", direction="lower",
                                  baseline=40, target=10)
    login_as(created["owner"])
    url = f"/initiatives/{created['id']}"
    page = client.get(f"{url}/metrics").data.decode()
    assert '<option selected value="">Toward its target</option>' in page
    response = client.post(f"{url}/metrics", data=link_form(fewer_complaints, expected_direction=""))
    assert response.status_code == 302
    assert "Decrease by 5 points by 2026-12-31" in client.get(url).data.decode()


def test_creator_logs_an_initiative_in_progress_with_its_metric_in_one_step(app, client, login_as):
    executive = login_as("executive")
    with app.app_context():
        metric_id = factories.make_metric(name="Call wait", direction="lower", baseline=40,
                                          target=2).id
        db.session.commit()
    page = client.get("/initiatives/new").data.decode()
    assert '<option selected value="proposed">Proposed</option>' in page
    assert ">Done</option>" not in page and ">Abandoned</option>" not in page
    assert "Call wait (lower is better)" in page
    response = client.post("/initiatives/new", data=form_data(
        executive.id, status="in_progress", metric_id=metric_id, expected_amount="30",
        expected_by="2026-12-31"))
    assert response.status_code == 302
    with app.app_context():
        initiative = db.session.scalar(select(Initiative))
        assert initiative.status == "in_progress" and initiative.active_since is not None
        assert [(link.metric_id, link.expected_direction, link.expected_amount)
                for link in initiative.metric_links] == [(metric_id, "decrease", 30)]
        initiative_id = initiative.id
    page = client.get(f"/initiatives/{initiative_id}").data.decode()
    assert "still talk until a metric is linked" not in page
    assert history_actions(app, initiative_id) == ["created", "metric linked"]


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"status": "done"}, "status", "A new initiative starts as proposed, announced or in progress."),
    ({"metric_id": "1", "expected_amount": ""}, "expected_amount", "The expected change must be a number."),
    ({"metric_id": "1", "expected_by": ""}, "expected_by", "Say by when the change is expected."),
    ({"metric_id": "1", "expected_direction": "decrease"}, "expected_direction",
     "would move it away from its target"),
])
def test_a_bad_start_or_metric_in_the_new_initiative_form_stores_nothing(app, client, login_as,
                                                                         overrides, field, message):
    executive = login_as("executive")
    with app.app_context():
        assert factories.make_metric().id == 1
        db.session.commit()
    response = client.post("/initiatives/new", data=form_data(
        executive.id, **{"expected_amount": "5", "expected_by": "2026-12-31", **overrides}))
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert count(app, Initiative) == 0 and history_actions(app, 1) == []


def test_link_form_offers_every_unlinked_metric_by_name_and_keeps_the_choice_after_an_error(
        app, client, login_as):
    created = make(app)
    linked = metric_for(app, created["owner"], name="Already linked")
    lower = metric_for(app, created["owner"], name=f"Wait {SCRIPT}", direction="lower",
                       baseline=40, target=2)
    higher = metric_for(app, created["owner"], name="Calls answered")
    login_as(created["owner"])
    url = f"/initiatives/{created['id']}"
    assert client.post(f"{url}/metrics", data=link_form(linked)).status_code == 302

    detail = client.get(url).data.decode()
    assert '<select id="metric_id"' not in detail, "the form has its own page"
    assert f'href="{url}/metrics"' in detail
    page = client.get(f"{url}/metrics").data.decode()
    start = page.index('<select id="metric_id"')
    select_html = page[start:page.index("</select>", start)]
    offered = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select_html)
    assert offered == [(str(higher), "Calls answered (higher is better)"),
                       (str(lower), "Wait &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b "
                                    "onmouseover=alert(1)&gt;bold&lt;/b&gt; (lower is better)")]
    failed = client.post(f"{url}/metrics", data=link_form(higher, expected_amount="lots"))
    assert f'<option value="{higher}" selected>' in failed.data.decode()


def test_only_those_who_may_edit_open_the_link_page(app, client, login_as):
    created = make(app)
    metric_for(app, created["owner"], name="Calls answered")
    url = f"/initiatives/{created['id']}/metrics"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login_as("member")
    assert client.get(url).status_code == 403
    assert client.get("/initiatives/424242/metrics").status_code == 404
    login_as(created["owner"])
    page = client.get(url)
    assert page.status_code == 200 and b"Calls answered (higher is better)" in page.data


def test_a_metric_linked_twice_is_refused(app, client, login_as):
    created = make(app)
    metric_id = metric_for(app, created["owner"], name="Churn")
    login_as(created["owner"])
    url = f"/initiatives/{created['id']}/metrics"
    assert client.post(url, data=link_form(metric_id)).status_code == 302
    response = client.post(url, data=link_form(metric_id))
    assert response.status_code == 200
    assert b"&#39;Churn&#39; is already linked to this initiative." in response.data
    assert count(app, InitiativeMetric) == 1
    # The linked metric is no longer offered.
    offered = response.data.decode().split('id="link-metric"')[1]
    assert f'value="{metric_id}"' not in offered


def test_unlinking_an_unknown_link_says_so(app, client, login_as):
    created = make(app)
    login_as(created["owner"])
    response = client.post(f"/initiatives/{created['id']}/metrics/12345/delete",
                           follow_redirects=True)
    assert response.status_code == 200
    assert b"That metric is not linked to this initiative." in response.data


def test_unknown_or_absurd_initiative_ids_are_404(app, client, login_as):
    login_as("executive")
    assert client.get("/initiatives/424242").status_code == 404
    assert client.get("/initiatives/99999999999999999999").status_code == 404
    assert client.post("/initiatives/424242/status", data={"status": "done"}).status_code == 404


# What the pages show

def test_edit_is_shown_in_history_with_the_changed_fields(app, client, login_as):
    created = make(app, title="Old")
    login_as(created["owner"])
    client.post(f"/initiatives/{created['id']}/edit", data=form_data(created["owner_id"], title="New"))
    page = client.get(f"/initiatives/{created['id']}").data.decode()
    assert "Logged the initiative" in page
    assert "<del>Old</del> → <ins>New</ins>" in page


def test_unmeasured_is_marked_on_list_and_detail(app, client, login_as):
    talk = make(app, title="Only talk")
    measured = make(app, title="Measured move")
    add_linked_metric(app, measured["id"])
    login_as("member")
    listing = client.get("/initiatives/").data.decode()
    rows = {title: row for row in listing.split("<tr>")[2:]
            for title in ("Only talk", "Measured move") if title in row}
    assert "Unmeasured" in rows["Only talk"]
    assert "Unmeasured" not in rows["Measured move"]
    assert "Unmeasured:</strong> this initiative is still talk" in client.get(
        f"/initiatives/{talk['id']}").data.decode()
    assert "Unmeasured" not in client.get(f"/initiatives/{measured['id']}").data.decode()
    only = client.get("/initiatives/?unmeasured=1").data.decode()
    assert "Only talk" in only and "Measured move" not in only


def test_list_filters_and_sorts(app, client, login_as):
    alpha = make(app, title="Alpha", kind="recognition")
    with app.app_context():
        sales = factories.make_department("Sales")
        bravo_owner = factories.make_user("member", name="Bravo Owner")
        factories.make_initiative("Bravo", owner=bravo_owner, department=sales, status="in_progress")
        db.session.commit()
        sales_id, bravo_owner_id = sales.id, bravo_owner.id
    login_as("member")

    def titles(query: str) -> list[str]:
        page = client.get(f"/initiatives/?{query}")
        assert page.status_code == 200
        return re.findall(r'href="/initiatives/\d+">([^<]+)</a>', page.data.decode())

    assert titles("status=in_progress") == ["Bravo"]
    assert titles("kind=recognition") == ["Alpha"]
    assert titles(f"department_id={sales_id}") == ["Bravo"]
    assert titles(f"owner_id={bravo_owner_id}") == ["Bravo"]
    assert titles(f"owner_id={alpha['owner_id']}") == ["Alpha"]
    assert titles("sort=title") == ["Alpha", "Bravo"]
    chosen = client.get(f"/initiatives/?department_id={sales_id}").data.decode()
    assert f'<option value="{sales_id}" selected>Sales</option>' in chosen


@pytest.mark.parametrize("query", [
    "department_id=abc", "owner_id=-1", "owner_id=99999999999999999999", "sort=DROP",
    "sort=title;DROP TABLE initiative", "status=%00", "kind=<script>", "page=abc", "page=0",
    "page=99999999999999999999", "page=9999", "unmeasured=maybe", "endpoint=x&_external=1",
    "owner=%00", "owner=%20%20",
])
def test_bad_filter_values_are_ignored(app, client, login_as, query):
    make(app, title="Still listed")
    login_as("member")
    response = client.get(f"/initiatives/?{query}")
    assert response.status_code == 200
    if not query.startswith("page=9999"):
        assert b"Still listed" in response.data


def test_list_is_paginated_and_keeps_filters(app, client, login_as):
    with app.app_context():
        owner = factories.make_user("member")
        for n in range(55):
            factories.make_initiative(f"Move {n:02}", owner=owner)
        db.session.commit()
    login_as("member")
    first = client.get("/initiatives/?sort=title").data.decode()
    assert "Move 00" in first and "Move 49" in first and "Move 50" not in first
    assert "page=2" in first and "sort=title" in first.split("Next")[0].rsplit("href", 1)[1]
    second = client.get("/initiatives/?sort=title&page=2").data.decode()
    assert "Move 50" in second and "Move 54" in second and "Move 49" not in second


def test_list_row_shows_what_people_scan_for_and_links_to_the_initiative(app, client, login_as):
    with app.app_context():
        sales = factories.make_department("Sales")
        owner = factories.make_user("member", name="Morgan Cohen")
        initiative = factories.make_initiative("Bring support back in-house", owner=owner,
                                               department=sales, kind="supplier_change",
                                               status="in_progress")
        initiative.due_date = date(2026, 9, 30)
        db.session.commit()
        initiative_id = initiative.id
    login_as("member")
    listing = client.get("/initiatives/").data.decode()
    row = listing.split("<tr>")[2].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("<td")[1:]]
    cells = [cell.split(">", 1)[1].strip() for cell in cells]
    assert cells == ["Bring support back in-house\nUnmeasured", "Supplier change", "In progress",
                     "Morgan Cohen", "Sales", "2026-01-05", "2026-09-30"]
    assert 'class="badge badge-warn status-in_progress"' in row
    href = re.search(r'href="([^"]+)"', row).group(1)
    assert href == f"/initiatives/{initiative_id}"
    assert "Bring support back in-house" in client.get(href).data.decode()


def test_owner_box_finds_initiatives_by_part_of_the_owner_name(app, client, login_as):
    with app.app_context():
        cohen = factories.make_user("member", name="Morgan Cohen")
        novak = factories.make_user("member", name="Kemi Novak")
        for n in range(52):
            factories.make_initiative(f"Cohen move {n:02}", owner=cohen)
        factories.make_initiative("Novak move", owner=novak)
        db.session.commit()
    login_as("member")
    first = client.get("/initiatives/?owner=cohen&sort=title").data.decode()
    assert "52 initiatives · page 1 of 2" in first and "Novak move" not in first
    assert 'name="owner" value="cohen"' in first
    next_link = first.split("Next")[0].rsplit("href", 1)[1]
    assert "owner=cohen" in next_link and "page=2" in next_link
    second = client.get("/initiatives/?owner=cohen&sort=title&page=2").data.decode()
    assert "Cohen move 51" in second and "Novak move" not in second
    only = client.get("/initiatives/?owner=KEMI").data.decode()
    assert "Novak move" in only and "Cohen move" not in only
    assert "No initiative matches these filters" in client.get(
        "/initiatives/?owner=nobody").data.decode()


def test_a_link_to_one_owner_shows_their_name_in_the_owner_box(app, client, login_as):
    created = make(app, title="Only mine")
    make(app, title="Someone else's")
    with app.app_context():
        name = db.session.get(Initiative, created["id"]).owner.display_name
    login_as("member")
    page = client.get(f"/initiatives/?owner_id={created['owner_id']}").data.decode()
    assert f'name="owner" value="{name}"' in page
    assert "Only mine" in page and "Someone else" not in page


def test_timeline_merges_acts_and_readings_newest_first(app, client, login_as):
    created = make(app)
    add_linked_metric(app, created["id"], readings=3, name="Callback rate")
    login_as(created["owner"])
    page = client.get(f"/initiatives/{created['id']}").data.decode()
    timeline = page.split('id="timeline-heading"')[1].split("</section>")[0]
    days = re.findall(r'<time datetime="([\d-]+)"', timeline)
    assert days == sorted(days, reverse=True)
    assert "Linked metric Callback rate" in timeline
    # Readings 10, 11, 12: each later one moved toward the target.
    assert "Callback rate: 12% (+1 point)" in timeline  # a percentage changes by points
    assert timeline.count("toward target") == 2
    assert timeline.index("Logged the initiative") < timeline.index("Callback rate: 10%")


def test_linked_metric_shows_latest_reading_and_a_chart(app, client, login_as):
    created = make(app)
    add_linked_metric(app, created["id"], readings=4, name="Refunds granted on first call")
    login_as("member")
    page = client.get(f"/initiatives/{created['id']}").data.decode()
    assert "Refunds granted on first call" in page
    assert "13% <span class=\"muted\">on 2025-01-27" in page
    assert page.count('class="chart-point"') == 4 * 2  # a wide drawing and a narrow one for phones
    assert "Baseline 10%" in page and "Target 50% by 2027-06-30" in page
    # The initiative's start and the expected date are marked, and said in words too.
    assert "2026-01-05 start of " in page and "2026-12-31 expected +5 points" in page


def test_linked_metric_with_200_readings_is_one_line_and_its_latest_30_in_a_table(
        app, client, login_as):
    created = make(app)
    add_linked_metric(app, created["id"], readings=200, name="Calls answered in-house")
    with app.app_context():
        metric_id = db.session.scalar(select(InitiativeMetric.metric_id))
    login_as("member")
    page = client.get(f"/initiatives/{created['id']}").data.decode()

    chart = page[page.index('id="metric-chart-'):page.index("</svg>", page.index('id="metric-chart-'))]
    assert chart.count('class="chart-line"') == 1 and 'class="chart-point"' not in chart
    assert "200 readings from 2025-01-06 to 2028-10-30" in chart
    article = page[page.index('class="card ini-metric"'):page.index("</article>")]
    table = article[article.index("<table"):article.index("</table>")]
    assert "Latest 30 of 200 readings as a table" in article
    assert re.findall(r"<tr><td>([\d-]+)</td>", table)[0] == "2028-10-30"  # week 199, newest first
    assert len(re.findall(r"<tr><td>", table)) == 30 and "week 199" in table and "week 169" not in table
    assert "Showing the latest 30 of 200 readings." in article
    link = f'href="/metrics/{metric_id}/readings">All 200 readings of Calls answered in-house'
    assert link in article
    assert client.get(f"/metrics/{metric_id}/readings?page=2").status_code == 200


def test_timeline_built_from_the_newest_readings_matches_one_built_from_all(app):
    from tracker.initiatives.timeline import TIMELINE_PER_PAGE, build_timeline
    from tracker.metrics.services import readings_for

    created = make(app)
    add_linked_metric(app, created["id"], readings=150)
    with app.app_context():
        links = db.session.get(Initiative, created["id"]).metric_links
        ids = [link.metric_id for link in links]

        def day_of(at):
            return at.date()

        everything = build_timeline([], links, readings_for(ids), day_of)
        newest = build_timeline([], links, readings_for(ids, TIMELINE_PER_PAGE + 1), day_of,
                                reading_totals={ids[0]: 150})
    assert newest == everything
    entries, total = newest
    assert total == 150 and len(entries) == TIMELINE_PER_PAGE
    # The oldest one shown still says how far it moved from the one before it.
    assert entries[-1].text.endswith("(+1 point)") or entries[-1].text.endswith("(-6 points)")


def test_timeline_is_paged_newest_first_and_says_which_entries_a_page_shows(app, client, login_as):
    created = make(app)
    add_linked_metric(app, created["id"], readings=150)
    login_as("member")

    def timeline(query: str = "") -> str:
        page = client.get(f"/initiatives/{created['id']}{query}").data.decode()
        return page.split('id="timeline-heading"')[1].split("</section>")[0]

    first, second, last = timeline(), timeline("?page=2"), timeline("?page=8")
    assert first.count("<li ") == second.count("<li ") == 20
    assert "Entries 1–20 of 152, newest first." in first  # 150 readings, 2 events
    assert "Entries 21–40 of 152, newest first." in second
    assert f'href="/initiatives/{created["id"]}?page=2#timeline"' in first
    assert last.count("<li ") == 12 and "Entries 141–152 of 152" in last
    assert '<time datetime="2025-01-06">' in last and '<time datetime="2025-01-06">' not in first
    days = re.findall(r'<time datetime="([\d-]+)"', first + second)
    assert days == sorted(days, reverse=True)
    assert "No page 9: the timeline has 8 pages." in timeline("?page=9")


# Query counts

LIST_QUERIES = ["", "?page=2", "?unmeasured=1&sort=title", "?owner=member&sort=due",
                "?status=proposed&sort=start&page=3"]


def test_list_page_query_count_does_not_grow_with_rows(app, client, login_as):
    with app.app_context():
        owners = [factories.make_user("member") for _ in range(5)]
        departments = [factories.make_department() for _ in range(3)]
        for n in range(10):
            factories.make_initiative(owner=owners[n % 5], department=departments[n % 3])
        db.session.commit()
    add_linked_metric(app, 1)
    login_as("member")
    few = {}
    for query in LIST_QUERIES:
        with count_queries(app) as counted:
            assert client.get(f"/initiatives/{query}").status_code == 200
        few[query] = counted()
    with app.app_context():
        owners = [factories.make_user("member") for _ in range(20)]
        departments = [factories.make_department() for _ in range(10)]
        for n in range(190):
            factories.make_initiative(owner=owners[n % 20], department=departments[n % 10])
        db.session.commit()
    many = {}
    for query in LIST_QUERIES:
        with count_queries(app) as counted:
            response = client.get(f"/initiatives/{query}")
        many[query] = counted()
        assert response.data.decode().count("<tr>") == 51  # the header and a full page of 50
    assert few == many


def test_detail_page_query_count_does_not_grow_with_metrics_or_readings(app, client, login_as):
    small = make(app)
    add_linked_metric(app, small["id"], readings=10)
    big = make(app)
    for _ in range(5):
        add_linked_metric(app, big["id"], readings=200)
    with app.app_context():
        behaviours = [factories.make_behaviour() for _ in range(4)]
        initiative = db.session.get(Initiative, big["id"])
        initiative.behaviours.extend(behaviours)
        db.session.commit()
    login_as("member")
    with count_queries(app) as one:
        assert client.get(f"/initiatives/{small['id']}").status_code == 200
    with count_queries(app) as five:
        response = client.get(f"/initiatives/{big['id']}")
    page = response.data.decode()
    assert page.count('class="chart-line"') == 5 * 2 and 'class="chart-point"' not in page
    assert page.count("Latest 30 of 200 readings as a table") == 5
    assert one() == five()


def test_owner_detail_page_with_forms_has_a_fixed_query_count(app, client, login_as):
    small = make(app)
    add_linked_metric(app, small["id"], readings=10)
    big = make(app, owner=small["owner"])
    for _ in range(5):
        add_linked_metric(app, big["id"], readings=200)
    login_as(small["owner"])
    with count_queries(app) as one:
        client.get(f"/initiatives/{small['id']}")
    with count_queries(app) as five:
        client.get(f"/initiatives/{big['id']}")
    assert one() == five()


# The owner is typed, with suggestions (tracker.forms.PickerField)

@pytest.mark.parametrize("way", WAYS)
def test_an_executive_names_the_owner_in_any_way_the_picker_takes(app, client, login_as, way):
    with app.app_context():
        owner = factories.make_user("member", name="Sam Lee", email="sam.lee@example.com")
        db.session.commit()
        typed = ways_to_name(owner)[way]
    login_as("executive")
    response = client.post("/initiatives/new", data=form_data(typed, title=f"Owned by {way}"))
    assert response.status_code == 302, field_error(response, "owner_id")
    with app.app_context():
        stored = db.session.scalar(select(Initiative).where(Initiative.title == f"Owned by {way}"))
        assert stored.owner_id == owner.id
    page = client.get(response.headers["Location"]).data.decode()
    assert "Sam Lee" in page


def test_an_owner_the_picker_cannot_tell_apart_keeps_what_was_typed(app, client, login_as):
    with app.app_context():
        for n in range(2):
            factories.make_user("member", name="Alex Kim", email=f"alex{n}@example.com")
        db.session.commit()
    login_as("executive")
    before = count(app, Initiative)
    response = client.post("/initiatives/new", data=form_data("Alex Kim"))
    assert response.status_code == 200
    assert field_error(response, "owner_id") == "2 people are called Alex Kim: type their email."
    assert picker(response, "owner_id")["value"] == "Alex Kim"
    assert count(app, Initiative) == before


def test_an_inactive_owner_typed_by_email_is_refused_by_the_owner_rule(app, client, login_as):
    with app.app_context():
        factories.make_user("member", email="gone@example.com", active=False)
        db.session.commit()
    login_as("executive")
    response = client.post("/initiatives/new", data=form_data("gone@example.com"))
    assert field_error(response, "owner_id") == "Choose an active owner."


def test_the_edit_form_shows_the_owner_as_name_and_email_and_saves_it_back(app, client, login_as):
    made = make(app)
    owner = made["owner"]
    login_as(owner)
    page = client.get(f"/initiatives/{made['id']}/edit")
    shown = picker(page, "owner_id")["value"]
    assert shown == f"{owner.display_name} <{owner.email}>"
    response = client.post(f"/initiatives/{made['id']}/edit", data=form_data(shown, title="Renamed"))
    assert response.status_code == 302, field_error(response, "owner_id")
    with app.app_context():
        assert db.session.get(Initiative, made["id"]).owner_id == owner.id


def test_the_forms_do_not_grow_with_the_people_and_initiatives(app, client, login_as):
    made = make(app)
    login_as("executive")
    pages = ("/initiatives/new", f"/initiatives/{made['id']}/edit")

    few_queries, few_sizes = zip(*statements_and_sizes(app, client, pages), strict=True)
    add_many(app)
    many_queries, many_sizes = zip(*statements_and_sizes(app, client, pages), strict=True)
    assert many_queries == few_queries
    # The same page, give or take a digit in the ids it shows.
    assert all(abs(many - few) < 50 for many, few in zip(many_sizes, few_sizes, strict=True))
