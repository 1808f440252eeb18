"""The long selects (every metric, every incentive in effect or proposed, the
customer metrics of each evidence row) and the import page's table of
metrics are rendered once per data version (tracker.options): a metric or
incentive added or renamed through one request shows at the next, the
chosen option stays chosen, every label is escaped, and a page costs the
same statements whatever the number of metrics and incentives."""

import re
from datetime import UTC, datetime

import pytest

from tests import factories
from tests.conftest import count_queries, sign_in_session
from tests.form_values import form_values
from tracker.accounts.models import Department, User
from tracker.extensions import db
from tracker.options import Options

pytestmark = pytest.mark.fixed_now(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
HOSTILE = '<script>alert("x")</script>'


# --- the kept options themselves ---------------------------------------------------------

def test_options_are_escaped_and_one_is_marked_or_left_out():
    options = Options.of([(1, "Refunds"), (2, HOSTILE), ('3"', "Quote & <b>")])
    assert options.html() == (
        '<option value="1">Refunds</option>'
        '<option value="2">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</option>'
        '<option value="3&#34;">Quote &amp; &lt;b&gt;</option>')
    assert '<option value="2" selected>&lt;script&gt;' in options.html(2)
    assert options.html("2") == options.html(2)
    assert options.html(2).count("selected") == 1
    assert options.html(99) == options.html(None) == options.html()
    assert options.html(1, leave_out=[2]) == (
        '<option value="1" selected>Refunds</option><option value="3&#34;">Quote &amp; &lt;b&gt;</option>')
    assert "selected" not in options.html(2, leave_out={2})
    assert options.html(leave_out=[1, 2, '3"']) == ""
    assert (len(options), options.count([1, 2, 99])) == (3, 2)
    assert list(options.iter_choices(leave_out=[1])) == [("2", HOSTILE), ('3"', "Quote & <b>")]


# --- the pages -------------------------------------------------------------------------

@pytest.fixture
def org(app):
    with app.app_context():
        admin = factories.make_user("admin")
        ops = factories.make_department("Operations")
        metric = factories.make_metric("Refunds given on the spot", owner=admin, source="customer")
        pay = factories.make_incentive(ops, "Cost per contact", actor=admin)
        proposed = factories.make_incentive(ops, "Complaints resolved", actor=admin, status="proposed")
        initiative = factories.make_initiative("Bring the call centre back", kind="incentive_change",
                                               owner=admin)
        db.session.commit()
        return {"admin": admin.id, "ops": ops.id, "metric": metric.id, "pay": pay.id,
                "proposed": proposed.id, "initiative": initiative.id}


def select_of(html: str, name: str, nth: int = 0) -> list[tuple[str, str, bool]]:
    """(value, label as written, selected) of each option of the `nth` select named `name`."""
    found = re.findall(rf'<select [^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    return [(value, label, bool(selected)) for value, selected, label in
            re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', found[nth])]


def metric_pages(org) -> dict[str, tuple[str, str]]:
    """Each page that offers or lists the metrics: (url, the select's field name or "table")."""
    return {"new incentive": ("/incentives/new", "metric_id"),
            "incentive edit": (f"/incentives/{org['pay']}/edit", "metric_id"),
            "new initiative": ("/initiatives/new", "metric_id"),
            "metric links": (f"/initiatives/{org['initiative']}/metrics", "metric_id"),
            "new people decision": ("/people/new", "evidence-0-customer_metric_id"),
            "people decision, 2nd row": ("/people/new", "evidence-1-customer_metric_id"),
            "readings import": ("/metrics/readings/import", "table")}


def metric_labels(client, url: str, where: str) -> list[str]:
    page = client.get(url)
    assert page.status_code == 200, url
    html = page.get_data(as_text=True)
    if where == "table":
        return re.findall(r'<td class="break-words">([^<]*)</td>', html)
    return [label for _, label, _ in select_of(html, where)]


def test_a_metric_renamed_or_added_shows_at_the_next_request(app, client, org):
    sign_in_session(client, org["admin"])
    pages = metric_pages(org)
    for url, where in pages.values():  # every page keeps its options
        labels = metric_labels(client, url, where)
        assert any(label.startswith("Refunds given on the spot") for label in labels), url

    edit = f"/metrics/{org['metric']}/edit"
    values = form_values(client.get(edit).get_data(as_text=True), "name")
    assert client.post(edit, data={**values, "name": "Refunds within the hour"}).status_code == 302
    values = form_values(client.get("/metrics/new").get_data(as_text=True), "name")
    added = client.post("/metrics/new", data={**values, "name": "Callers who got through",
                                              "unit": "%", "baseline": "40", "target": "80",
                                              "target_date": "2027-01-01", "source": "customer",
                                              "direction": "higher", "standard": "80% of callers reach "
                                              "a person within 2 minutes, measured monthly"})
    assert added.status_code == 302, added.get_data(as_text=True)

    for name, (url, where) in pages.items():
        labels = metric_labels(client, url, where)
        assert not any("given on the spot" in label for label in labels), name
        assert any(label.startswith("Refunds within the hour") for label in labels), name
        assert any(label.startswith("Callers who got through") for label in labels), name


def test_an_incentive_edited_or_recorded_shows_on_the_change_form_at_the_next_request(
        app, client, org):
    sign_in_session(client, org["admin"])
    url = f"/incentives/changes/{org['initiative']}"

    def offered() -> tuple[list[str], list[str]]:
        html = client.get(url).get_data(as_text=True)
        return ([label for _, label, _ in select_of(html, "incentive_id")],
                [label for _, label, _ in select_of(html, "replacement_id")])

    assert offered() == (["— choose —", "Operations: Cost per contact"],
                         ["— none —", "Operations: Complaints resolved"])
    edit = f"/incentives/{org['pay']}/edit"
    values = form_values(client.get(edit).get_data(as_text=True), "rewards")
    assert client.post(edit, data={**values, "rewards": "Calls per hour"}).status_code == 302
    values = form_values(client.get("/incentives/new").get_data(as_text=True), "rewards")
    assert client.post("/incentives/new", data={**values, "rewards": "Repeat calls avoided",
                                                "source": "pay_plan", "status": "proposed",
                                                "department_id": org["ops"]}).status_code == 302
    assert offered() == (["— choose —", "Operations: Calls per hour"],
                         ["— none —", "Operations: Complaints resolved", "Operations: Repeat calls avoided"])


def test_the_chosen_option_stays_chosen_after_a_refused_post(app, client, org):
    sign_in_session(client, org["admin"])
    metric = str(org["metric"])

    def chosen(html: str, name: str, nth: int = 0) -> list[str]:
        return [value for value, _, selected in select_of(html, name, nth) if selected]

    refused = client.post("/incentives/new", data={
        "department_id": org["ops"], "rewards": "", "metric_id": metric, "rewarded_direction": "increase",
        "source": "pay_plan", "status": "in_effect", "effective_from": "2026-01-01",
        "owner_id": str(org["admin"])}).get_data(as_text=True)
    assert 'class="field-errors"' in refused and chosen(refused, "metric_id") == [metric]

    refused = client.post(f"/incentives/changes/{org['initiative']}", data={
        "incentive_id": org["pay"], "replacement_id": org["pay"]}).get_data(as_text=True)
    assert 'class="field-errors"' in refused
    assert (chosen(refused, "incentive_id"), chosen(refused, "replacement_id")) == ([str(org["pay"])], [])
    refused = client.post(f"/incentives/changes/{org['initiative']}", data={
        "incentive_id": 0, "replacement_id": org["proposed"]}).get_data(as_text=True)
    assert chosen(refused, "incentive_id") == ["0"]
    assert chosen(refused, "replacement_id") == [str(org["proposed"])]

    refused = client.post("/people/new", data={
        "person_name": "", "employee_ref": "E-1", "kind": "recognition", "effective_date": "2026-03-01",
        "department_id": org["ops"], "decided_by": "Sam", "rationale": "Kind to customers.",
        "evidence-0-behaviour_id": 0, "evidence-0-what": "Thanked by a customer",
        "evidence-0-customer_metric_id": metric, "evidence-1-customer_metric_id": 0,
    }).get_data(as_text=True)
    assert 'class="field-errors"' in refused
    assert chosen(refused, "evidence-0-customer_metric_id") == [metric]
    assert chosen(refused, "evidence-1-customer_metric_id") == ["0"]

    refused = client.post("/initiatives/new", data={"title": "", "metric_id": metric}).get_data(as_text=True)
    assert 'class="field-errors"' in refused and chosen(refused, "metric_id") == [metric]


def test_labels_are_escaped(app, client, org):
    with app.app_context():
        admin = db.session.get(User, org["admin"])
        factories.make_metric(HOSTILE, owner=admin, source="customer")
        factories.make_incentive(db.session.get(Department, org["ops"]), HOSTILE, actor=admin)
        db.session.commit()
    sign_in_session(client, org["admin"])
    urls = [url for url, _ in metric_pages(org).values()] + [f"/incentives/changes/{org['initiative']}"]
    for url in urls:
        html = client.get(url).get_data(as_text=True)
        assert HOSTILE not in html, url
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html, url


def test_the_pages_cost_the_same_statements_whatever_the_number_of_metrics_and_incentives(
        app, client, org):
    sign_in_session(client, org["admin"])
    urls = [url for url, _ in metric_pages(org).values()] + [f"/incentives/changes/{org['initiative']}"]

    def statements() -> list[tuple[int, int]]:
        """(first view after a write, the next view) of each page."""
        found = []
        for url in urls:
            app.extensions.pop("tracker_cache", None)  # as after a write: built again
            counts = []
            for _ in range(2):
                with count_queries(app) as n:
                    assert client.get(url).status_code == 200, url
                counts.append(n())
            found.append(tuple(counts))
        return found

    few = statements()
    with app.app_context():
        admin = db.session.get(User, org["admin"])
        ops = db.session.get(Department, org["ops"])
        for n in range(30):
            factories.make_metric(f"Metric number {n}", owner=admin, source="customer")
            factories.make_incentive(ops, f"Paid on thing {n}", actor=admin,
                                     status="proposed" if n % 2 else "in_effect")
        db.session.commit()
    many = statements()
    assert many == few
    assert all(kept <= fresh for fresh, kept in few)
