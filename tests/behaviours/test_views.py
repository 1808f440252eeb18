"""Behaviour pages through the test client."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests import factories
from tests.conftest import count_queries
from tracker.behaviours.models import Behaviour
from tracker.extensions import db

ROLES = ["admin", "executive", "hr", "member"]
MANAGERS = ["admin", "executive", "hr"]
SCRIPT = "<script>alert('x')</script>"


def build(app, make):
    with app.app_context():
        result = make()
        db.session.commit()
        return result


def behaviour_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Behaviour))


def form_data(**changes) -> dict:
    return {"name": "Frontline refunds up to $200", "kind": "target",
            "from_behaviour": "Agents ask a supervisor for every refund",
            "to_behaviour": "Agents refund up to $200 on the spot", **changes}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_list_and_the_detail(app, client, login_as, role):
    behaviour_id = build(app, lambda: factories.make_behaviour("Call centre in-sourced").id)
    login_as(role)
    assert b"Call centre in-sourced" in client.get("/behaviours/").data
    page = client.get(f"/behaviours/{behaviour_id}")
    assert page.status_code == 200 and b"Call centre in-sourced" in page.data


def test_unknown_behaviour_is_404(client, login_as):
    login_as("member")
    assert client.get("/behaviours/4242").status_code == 404
    assert client.get("/behaviours/99999999999999999999").status_code == 404


def test_members_cannot_create_or_edit_behaviours(app, client, login_as):
    behaviour_id = build(app, lambda: factories.make_behaviour("Untouched").id)
    login_as("member")
    assert client.get("/behaviours/new").status_code == 403
    assert client.post("/behaviours/new", data=form_data()).status_code == 403
    assert client.get(f"/behaviours/{behaviour_id}/edit").status_code == 403
    assert client.post(f"/behaviours/{behaviour_id}/edit",
                       data=form_data(name="Changed")).status_code == 403
    assert behaviour_count(app) == 1
    with app.app_context():
        assert db.session.get(Behaviour, behaviour_id).name == "Untouched"
    page = client.get("/behaviours/").data
    assert b"New behaviour" not in page


@pytest.mark.parametrize("role", MANAGERS)
def test_executives_hr_and_admins_create_and_edit_behaviours(app, client, login_as, role):
    login_as(role)
    response = client.post("/behaviours/new", data=form_data(kind="no_no"))
    assert response.status_code == 302
    with app.app_context():
        behaviour = db.session.scalar(select(Behaviour))
        assert (behaviour.name, behaviour.kind) == ("Frontline refunds up to $200", "no_no")
        behaviour_id = behaviour.id
    assert response.headers["Location"].endswith(f"/behaviours/{behaviour_id}")
    response = client.post(f"/behaviours/{behaviour_id}/edit", data=form_data(name="Renamed"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Behaviour, behaviour_id).name == "Renamed"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "   "}, "This field is required"),
        ({"name": "n" * 201}, "The name is at most 200 characters."),
        ({"kind": "maybe"}, "Not a valid choice"),
        ({"from_behaviour": "x" * 1_000_000}, "Field cannot be longer than 5000 characters"),
        ({"to_behaviour": "x" * 5001}, "Field cannot be longer than 5000 characters"),
        ({"to_behaviour": "bad\x00byte"}, "control characters"),
    ],
)
def test_bad_behaviour_input_gets_a_clear_message_and_stores_nothing(app, client, login_as,
                                                                     changes, message):
    login_as("hr")
    response = client.post("/behaviours/new", data=form_data(**changes))
    assert response.status_code == 200
    assert message in response.data.decode()
    assert behaviour_count(app) == 0


def test_duplicate_behaviour_name_is_refused_on_create_and_edit(app, client, login_as):
    build(app, lambda: factories.make_behaviour("Loyal customers thanked"))
    other_id = build(app, lambda: factories.make_behaviour("Service heroes").id)
    login_as("executive")
    response = client.post("/behaviours/new", data=form_data(name="LOYAL customers thanked"))
    assert response.status_code == 200
    assert b"already exists" in response.data
    response = client.post(f"/behaviours/{other_id}/edit",
                           data=form_data(name="loyal customers thanked"))
    assert response.status_code == 200 and b"already exists" in response.data
    assert behaviour_count(app) == 2
    with app.app_context():
        assert db.session.get(Behaviour, other_id).name == "Service heroes"


def test_html_in_every_field_is_stored_as_typed_and_shown_escaped(app, client, login_as):
    login_as("executive")
    response = client.post("/behaviours/new", data=form_data(
        name=f"N {SCRIPT}", from_behaviour=f"F {SCRIPT}", to_behaviour=f"T {SCRIPT}"))
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(Behaviour))
        assert (stored.name, stored.from_behaviour, stored.to_behaviour) == (
            f"N {SCRIPT}", f"F {SCRIPT}", f"T {SCRIPT}")
        behaviour_id = stored.id
    for path in ("/behaviours/", f"/behaviours/{behaviour_id}", f"/behaviours/{behaviour_id}/edit",
                 "/metrics/new"):
        page = client.get(path).data.decode()
        assert "<script>" not in page, path
        assert "&lt;script&gt;" in page, path


def test_list_separates_targets_from_no_nos_and_counts_metrics_and_initiatives(
        app, client, login_as):
    def make():
        wanted = factories.make_behaviour("Wanted behaviour")
        unwanted = factories.make_behaviour("Unwanted behaviour", kind="no_no")
        factories.make_metric(behaviours=[wanted])
        factories.make_metric(behaviours=[wanted, unwanted])
        factories.make_initiative(behaviours=[wanted])
    build(app, make)
    login_as("member")
    page = client.get("/behaviours/").data.decode()
    targets = page[page.index('id="targets-heading"'):page.index('id="nonos-heading"')]
    no_nos = page[page.index('id="nonos-heading"'):]
    assert "Wanted behaviour" in targets and "Unwanted behaviour" not in targets
    assert "Unwanted behaviour" in no_nos
    wanted_row = targets[targets.index("Wanted behaviour"):]
    assert '<td data-label="Metrics" class="num">2</td>' in wanted_row
    assert '<td data-label="Initiatives" class="num">1</td>' in wanted_row
    unwanted_row = no_nos[no_nos.index("Unwanted behaviour"):]
    assert '<td data-label="Metrics" class="num">1</td>' in unwanted_row
    assert "Agents read the rule book to customers" in wanted_row


def test_detail_shows_kind_metrics_and_initiatives(app, client, login_as):
    def make():
        behaviour = factories.make_behaviour("Punishing rule-bending", kind="no_no")
        factories.make_metric("Warnings for bent rules", behaviours=[behaviour])
        factories.make_metric("Unrelated metric")
        factories.make_initiative("Scrap the warning letters", behaviours=[behaviour])
        return behaviour.id
    behaviour_id = build(app, make)
    login_as("member")
    page = client.get(f"/behaviours/{behaviour_id}").data.decode()
    assert '<span class="badge badge-bad">No-no</span>' in page
    assert "Warnings for bent rules" in page and "Unrelated metric" not in page
    assert "Scrap the warning letters" in page


def test_history_shows_creation_and_edits(app, client, login_as):
    login_as("hr")
    response = client.post("/behaviours/new", data=form_data())
    path = response.headers["Location"]
    client.post(f"{path}/edit", data=form_data(kind="no_no"))
    page = client.get(path).data.decode()
    history = page[page.index('id="history-heading"'):]
    assert "Created target behaviour" in history
    assert "Edited" in history
    assert "Kind: <del>Target behaviour</del> → <ins>No-no</ins>" in history
    assert "no_no" not in history, "stored codes are shown as words"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(["name", "kind", "from_behaviour", "to_behaviour"]),
                              st.text(), min_size=1))
def test_random_text_in_behaviour_form_never_yields_a_server_error(app, client, login_as, fields):
    login_as("executive")
    response = client.post("/behaviours/new", data=form_data(**fields))
    assert response.status_code in (200, 302)
    assert client.get("/behaviours/").status_code == 200


def add_behaviours(app, how_many: int) -> None:
    """Behaviours, each observed by a metric of its own and targeted by an initiative."""
    def make():
        for i in range(how_many):
            behaviour = factories.make_behaviour(kind="target" if i % 2 else "no_no")
            factories.make_metric(behaviours=[behaviour])
            factories.make_initiative(behaviours=[behaviour])
    build(app, make)


def test_behaviour_list_runs_the_same_queries_for_10_and_200_behaviours(app, client, login_as):
    login_as("member")
    add_behaviours(app, 10)
    with count_queries(app) as with_10:
        assert client.get("/behaviours/").status_code == 200
    add_behaviours(app, 190)
    with count_queries(app) as with_200:
        page = client.get("/behaviours/")
    assert page.data.count(b'<td data-label="Initiatives" class="num">1</td>') == 200
    assert with_10() == with_200()


def test_behaviour_page_lists_50_initiatives_a_page_in_the_same_queries(app, client, login_as):
    login_as("member")
    behaviour = build(app, lambda: factories.make_behaviour().id)

    def add(start: int, stop: int) -> None:
        def make():
            target = db.session.get(Behaviour, behaviour)
            for n in range(start, stop):
                factories.make_initiative(f"Move {n:03d}", behaviours=[target])
        build(app, make)

    add(0, 3)
    with count_queries(app) as few:
        assert client.get(f"/behaviours/{behaviour}").status_code == 200
    add(3, 60)
    with count_queries(app) as many:
        first = client.get(f"/behaviours/{behaviour}").data.decode()
    assert few() == many()
    assert "60 initiatives, newest first · page 1 of 2" in first
    assert first.count('class="break-words">Move ') == 50
    second = client.get(f"/behaviours/{behaviour}?page=2").data.decode()
    assert second.count('class="break-words">Move ') == 10 and "Previous" in second
