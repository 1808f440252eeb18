"""Metric pages, recording readings and the CSV import, through the test client."""

import io
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests import factories
from tests.conftest import count_queries, sign_in_session
from tests.form_errors import field_error
from tests.pickers import WAYS, picker, statements_and_sizes, ways_to_name
from tracker.accounts.models import User
from tracker.extensions import db
from tracker.metrics.models import Metric, Reading
from tracker.metrics.readings_csv import MAX_UPLOAD_BYTES

ROLES = ["admin", "executive", "hr", "member"]
SCRIPT = "<script>alert('x')</script>"
ESCAPED_SCRIPT = "&lt;script&gt;"

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.fixed_now(NOW)


def build(app, make):
    """Run `make()` in an app context, commit, and return what it gives back."""
    with app.app_context():
        result = make()
        db.session.commit()
        return result


def metric_id_owned_by(app, owner_id: int | None = None, **kwargs) -> int:
    def make():
        owner = db.session.get(User, owner_id) if owner_id else None
        return factories.make_metric(owner=owner, **kwargs).id
    return build(app, make)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def today() -> date:
    return NOW.date()  # the organisation's date: its time zone is UTC unless set


def form_data(owner_id: int, /, **changes) -> dict:
    return {
        "name": "Refunds decided on the spot", "unit": "%", "direction": "higher",
        "baseline": "12", "target": "80", "target_date": "2027-06-30", "cadence": "monthly",
        "source": "customer", "owner_id": str(owner_id), "department_id": "0",
        "standard": "80% of refund requests decided within 10 minutes, measured weekly",
        **changes,
    }


def csv_upload(content: bytes, filename: str = "readings.csv") -> dict:
    return {"file": (io.BytesIO(content), filename)}


# --- who may do what --------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_list_and_the_detail(app, client, login_as, role):
    metric_id = metric_id_owned_by(app, name="Calls answered by our own staff")
    build(app, lambda: db.session.add(Reading(metric_id=metric_id, observed_on=date(2026, 1, 5),
                                              value=21)))
    login_as(role)
    assert b"Calls answered by our own staff" in client.get("/metrics/").data
    page = client.get(f"/metrics/{metric_id}")
    assert page.status_code == 200
    assert b"Calls answered by our own staff" in page.data
    assert b'class="chart line-chart"' in page.data


def test_metric_without_readings_says_so_instead_of_an_empty_chart(app, client, login_as):
    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id)
    page = client.get(f"/metrics/{metric_id}").data.decode()
    assert "No readings yet" in page and "record the first one" in page
    assert 'class="chart line-chart"' not in page


def test_unknown_metric_is_404(client, login_as):
    login_as("member")
    assert client.get("/metrics/4242").status_code == 404
    assert client.get("/metrics/99999999999999999999").status_code == 404
    assert client.post("/metrics/4242/readings", data={"value": "1"}).status_code == 404


def test_member_cannot_edit_a_metric_they_do_not_own(app, client, login_as):
    metric_id = metric_id_owned_by(app, name="Someone else's")
    member = login_as("member")
    assert client.get(f"/metrics/{metric_id}/edit").status_code == 403
    response = client.post(f"/metrics/{metric_id}/edit", data=form_data(member.id, name="Mine now"))
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Metric, metric_id).name == "Someone else's"
    assert b"Edit</a>" not in client.get(f"/metrics/{metric_id}").data


def test_member_cannot_record_a_reading_on_a_metric_they_do_not_own(app, client, login_as):
    metric_id = metric_id_owned_by(app)
    login_as("member")
    response = client.post(f"/metrics/{metric_id}/readings",
                           data={"observed_on": "2026-01-01", "value": "5"})
    assert response.status_code == 403
    assert count(app, Reading) == 0
    assert b"Record a reading" not in client.get(f"/metrics/{metric_id}").data


@pytest.mark.parametrize("role", ["executive", "admin"])
def test_executives_and_admins_edit_and_record_on_any_metric(app, client, login_as, role):
    metric_id = metric_id_owned_by(app, name="Owned by a member")
    leader = login_as(role)
    with app.app_context():
        owner_id = db.session.get(Metric, metric_id).owner_id
    response = client.post(f"/metrics/{metric_id}/edit",
                           data=form_data(owner_id, name="Renamed by a leader"))
    assert response.status_code == 302
    response = client.post(f"/metrics/{metric_id}/readings",
                           data={"observed_on": "2026-01-01", "value": "5"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Metric, metric_id).name == "Renamed by a leader"
        assert db.session.scalar(select(Reading.recorded_by_id)) == leader.id


def test_owner_edits_their_metric_and_records_readings(app, client, login_as):
    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id)
    assert client.get(f"/metrics/{metric_id}/edit").status_code == 200
    response = client.post(f"/metrics/{metric_id}/edit", data=form_data(owner.id, target="90"))
    assert response.status_code == 302
    response = client.post(f"/metrics/{metric_id}/readings",
                           data={"observed_on": today().isoformat(), "value": "42.5", "note": "ok"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).data.decode()
    assert "Recorded 42.5 for" in page
    with app.app_context():
        assert db.session.get(Metric, metric_id).target == 90


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_role_creates_a_metric_they_own(app, client, login_as, role):
    user = login_as(role)
    response = client.post("/metrics/new", data=form_data(user.id))
    assert response.status_code == 302
    with app.app_context():
        metric = db.session.scalar(select(Metric))
        assert metric.owner_id == user.id
        assert response.headers["Location"].endswith(f"/metrics/{metric.id}")


def test_member_cannot_create_a_metric_for_someone_else(app, client, login_as):
    other_id = build(app, lambda: factories.make_user("member").id)
    login_as("member")
    response = client.post("/metrics/new", data=form_data(other_id))
    assert response.status_code == 200
    assert b"You can only create metrics that you own." in response.data
    assert count(app, Metric) == 0


def test_the_owner_is_typed_and_opens_as_whoever_creates_it_listing_nobody_else(
        app, client, login_as):
    build(app, lambda: factories.make_user("member", name="Somebody Else"))
    for role in ("member", "executive"):
        me = login_as(role, name="Me Myself")
        page = client.get("/metrics/new").data.decode()
        assert picker(page, "owner_id") == {
            "tag": "input", "type": "text", "name": "owner_id", "id": "owner_id",
            "value": f"Me Myself <{me.email}>", "list": "owner_id-options", "autocomplete": "off",
            "data-picker": "/accounts/people.json"}
        # Suggestions come as the person types: no list of everyone on the page.
        assert "Somebody Else" not in page


# --- bad input ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target": "12"}, "The target equals the baseline"),
        ({"direction": "higher", "target": "5"}, "the target must be above the baseline"),
        ({"direction": "lower", "target": "30"}, "the target must be below the baseline"),
        ({"baseline": "twelve"}, "Enter a number"),
        ({"target": "1,000"}, "Enter a number"),
        ({"baseline": "nan"}, "must be a finite number"),
        ({"baseline": ""}, "This field is required"),
        ({"target_date": "next year"}, "Not a valid date value"),
        ({"owner_id": "4242"}, "Choose an active owner"),
        ({"owner_id": "99999999999999999999"}, "No account has the number 99999999999999999999"),
        ({"owner_id": "me"}, "No account called 'me': type their email."),
        ({"department_id": "4242"}, "Unknown department"),
        ({"behaviour_ids": "4242"}, "One of the chosen behaviours does not exist"),
        ({"behaviour_ids": "nope"}, "could not be coerced"),
        ({"direction": "sideways"}, "Not a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"name": "n" * 201}, "The name is at most 200 characters."),
        ({"standard": "s" * 1001}, "Field cannot be longer than 1000 characters"),
        ({"unit": "u" * 41}, "Field cannot be longer than 40 characters"),
        ({"name": "Nul\x00byte"}, "control characters"),
    ],
)
def test_bad_metric_input_gets_a_clear_message_and_stores_nothing(app, client, login_as,
                                                                  changes, message):
    executive = login_as("executive")
    response = client.post("/metrics/new", data=form_data(executive.id, **changes))
    assert response.status_code == 200
    assert message in response.data.decode().replace("&#39;", "'")
    assert count(app, Metric) == 0


def test_duplicate_metric_name_is_refused_on_create_and_edit(app, client, login_as):
    owner = login_as("member")
    metric_id_owned_by(app, owner.id, name="Calls answered")
    second_id = metric_id_owned_by(app, owner.id, name="Refunds")
    response = client.post("/metrics/new", data=form_data(owner.id, name="CALLS ANSWERED"))
    assert "A metric called &#39;CALLS ANSWERED&#39; already exists." in response.data.decode()
    response = client.post(f"/metrics/{second_id}/edit", data=form_data(owner.id, name="calls answered"))
    assert response.status_code == 200 and b"already exists" in response.data
    assert count(app, Metric) == 2
    with app.app_context():
        assert db.session.get(Metric, second_id).name == "Refunds"


@pytest.mark.parametrize(("field", "message"), [
    ("name", "The name is at most 200 characters."),
    ("unit", "Field cannot be longer than 40 characters"),
    ("standard", "Field cannot be longer than 1000 characters"),
])
def test_a_one_megabyte_text_gets_a_length_message_not_a_crash(app, client, login_as, field, message):
    executive = login_as("executive")
    response = client.post("/metrics/new", data=form_data(executive.id, **{field: "a" * 1_000_000}))
    assert response.status_code == 200
    assert message in response.data.decode()
    assert count(app, Metric) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "lots"}, "Enter a number"),
        ({"value": ""}, "This field is required"),
        ({"value": "inf"}, "must be a finite number"),
        ({"observed_on": "yesterday"}, "Not a valid date value"),
        ({"observed_on": "FUTURE"}, "A reading cannot be observed in the future."),
        ({"note": "n" * 2001}, "Field cannot be longer than 2000 characters"),
    ],
)
def test_bad_reading_is_shown_on_the_metric_page_and_not_stored(app, client, login_as, data,
                                                                 message):
    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id, name="Calls answered")
    if data.get("observed_on") == "FUTURE":
        data = {**data, "observed_on": (today() + timedelta(days=2)).isoformat()}
    form = {"observed_on": today().isoformat(), "value": "3", "note": "", **data}
    response = client.post(f"/metrics/{metric_id}/readings", data=form)
    assert response.status_code == 200
    page = response.data.decode()
    assert message in page
    assert "The reading was not saved." in page
    assert "Calls answered" in page and 'id="record"' in page
    assert count(app, Reading) == 0


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"value": "inf"}, "value", "The value must be a finite number."),
    ({"observed_on": "FUTURE"}, "observed_on", "A reading cannot be observed in the future."),
    ({"observed_on": "2026-01-05"}, "observed_on",
     "There is already a reading for 2026-01-05: correct it on the metric's readings page instead."),
])
def test_a_refused_reading_is_explained_beside_its_field(app, client, login_as, data, field, message):
    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id)
    assert client.post(f"/metrics/{metric_id}/readings",
                       data={"observed_on": "2026-01-05", "value": "3"}).status_code == 302
    if data.get("observed_on") == "FUTURE":
        data = {**data, "observed_on": (today() + timedelta(days=2)).isoformat()}
    response = client.post(f"/metrics/{metric_id}/readings",
                           data={"observed_on": today().isoformat(), "value": "4", "note": "", **data})
    assert response.status_code == 200
    assert field_error(response, field) == message
    assert count(app, Reading) == 1


def test_second_reading_on_the_same_date_is_refused_on_the_page(app, client, login_as):
    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id)
    form = {"observed_on": "2026-01-05", "value": "3"}
    assert client.post(f"/metrics/{metric_id}/readings", data=form).status_code == 302
    response = client.post(f"/metrics/{metric_id}/readings", data={**form, "value": "4"})
    assert response.status_code == 200
    assert b"There is already a reading for 2026-01-05:" in response.data
    assert count(app, Reading) == 1


def test_html_in_every_text_field_is_stored_as_typed_and_shown_escaped(app, client, login_as):
    executive = login_as("executive")
    behaviour_id = build(app, lambda: factories.make_behaviour(f"B {SCRIPT}").id)
    response = client.post("/metrics/new", data=form_data(
        executive.id, name=f"M {SCRIPT}", unit=f"u{SCRIPT}"[:40], standard=f"S {SCRIPT}",
        behaviour_ids=str(behaviour_id)))
    assert response.status_code == 302
    with app.app_context():
        metric = db.session.scalar(select(Metric))
        metric_id = metric.id
        assert (metric.name, metric.standard) == (f"M {SCRIPT}", f"S {SCRIPT}")
    response = client.post(f"/metrics/{metric_id}/readings",
                           data={"observed_on": "2026-01-05", "value": "3", "note": f"N {SCRIPT}"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Reading.note)) == f"N {SCRIPT}"
    for path in ("/metrics/", f"/metrics/{metric_id}", f"/metrics/{metric_id}/edit",
                 "/metrics/readings/import", f"/behaviours/{behaviour_id}"):
        page = client.get(path).data.decode()
        assert "<script>" not in page, path
        assert ESCAPED_SCRIPT in page, path
    detail = client.get(f"/metrics/{metric_id}").data.decode()
    svg = detail[detail.index("<svg"):detail.index("</svg>")]
    assert ESCAPED_SCRIPT in svg and "<script>" not in svg


# --- the pages show what matters ---------------------------------------------------------

def test_list_filters_by_source_and_department(app, client, login_as):
    def make():
        sales = factories.make_department("Sales")
        factories.make_metric("Customer says", source="customer", department=sales)
        factories.make_metric("We believe", source="self", department=sales)
        factories.make_metric("Ops counts", source="internal")
        return sales.id
    sales_id = build(app, make)
    login_as("member")
    page = client.get("/metrics/?source=self").data.decode()
    assert "We believe" in page and "Customer says" not in page and "Ops counts" not in page
    page = client.get(f"/metrics/?department={sales_id}").data.decode()
    assert "We believe" in page and "Customer says" in page and "Ops counts" not in page
    page = client.get(f"/metrics/?department={sales_id}&source=customer").data.decode()
    assert "Customer says" in page and "We believe" not in page
    # Nonsense filters are ignored rather than failing.
    for query in ("source=%00", "department=abc", "department=99999999999999999999"):
        response = client.get(f"/metrics/?{query}")
        assert response.status_code == 200 and b"Ops counts" in response.data


def test_list_shows_latest_reading_sparkline_and_vague_badge(app, client, login_as):
    def make():
        vague = factories.make_metric("Vague one", standard="We answer promptly and efficiently")
        precise = factories.make_metric("Precise one", baseline=10, target=50)
        for day, value in ((1, 11), (2, 19), (3, 27)):
            db.session.add(Reading(metric=precise, observed_on=date(2026, 1, day), value=value))
        return vague.id, precise.id
    vague_id, precise_id = build(app, make)
    login_as("member")
    page = client.get("/metrics/").data.decode()
    # Sorted by name: the precise one's row comes first.
    precise_row = page[page.index("Precise one"):page.index("Vague one")]
    vague_row = page[page.index("Vague one"):]
    assert "Vague standard" in vague_row and "Vague standard" not in precise_row
    assert "<strong>27%</strong>" in precise_row and "2026-01-03" in precise_row
    assert f'id="spark-{precise_id}-title"' in precise_row
    assert precise_row.count('class="chart-point"') == 3
    assert "43% of the way" in precise_row  # 42.5%: the nearest whole percent, halves up


def test_detail_shows_vague_findings_with_reason_and_hint(app, client, login_as):
    metric_id = metric_id_owned_by(app, standard="We answer customers promptly")
    login_as("member")
    page = client.get(f"/metrics/{metric_id}").data.decode()
    assert "Not precise yet." in page
    assert "promptly" in page
    assert "Say how fast, with a number and a unit" in page


def test_detail_shows_readings_table_behaviours_and_linked_initiatives(app, client, login_as):
    def make():
        owner = factories.make_user("member", name="Reading Writer")
        behaviour = factories.make_behaviour("Frontline bends the rules")
        metric = factories.make_metric("Refunds decided", owner=owner, behaviours=[behaviour])
        db.session.add(Reading(metric=metric, observed_on=date(2026, 1, 5), value=33,
                               note="first month", recorded_by_id=owner.id))
        initiative = factories.make_initiative("Tear up the refund rulebook", owner=owner)
        from tracker.initiatives.models import InitiativeMetric
        db.session.add(InitiativeMetric(initiative=initiative, metric=metric,
                                        expected_direction="increase", expected_amount=20,
                                        expected_by=date(2027, 1, 1)))
        return metric.id
    metric_id = build(app, make)
    login_as("hr")
    page = client.get(f"/metrics/{metric_id}").data.decode()
    table = page[page.index('<details class="data-table">'):page.index("</details>")]
    assert "2026-01-05" in table and "33%" in table and "first month" in table
    assert "Reading Writer" in table
    assert "Frontline bends the rules" in page
    assert "Tear up the refund rulebook" in page and "Up by 20 points by 2027-01-01" in page


def test_saving_a_vague_standard_warns_after_saving(app, client, login_as):
    executive = login_as("executive")
    response = client.post("/metrics/new", data=form_data(
        executive.id, standard="Answer customers promptly"), follow_redirects=True)
    page = response.data.decode()
    assert "Its standard is not precise yet" in page
    assert "Say how fast, with a number and a unit" in page


def test_form_shows_what_a_precise_standard_looks_like(client, login_as):
    login_as("member")
    page = client.get("/metrics/new").data.decode()
    assert "95% of orders processed within 3 hours of receipt, measured weekly" in page


def test_history_shows_creation_edits_and_readings(app, client, login_as):
    owner = login_as("member")
    response = client.post("/metrics/new", data=form_data(owner.id))
    metric_path = response.headers["Location"]
    client.post(f"{metric_path}/edit", data=form_data(owner.id, target="95"))
    client.post(f"{metric_path}/readings", data={"observed_on": "2026-01-05", "value": "21"})
    page = client.get(metric_path).data.decode()
    history = page[page.index('id="history-heading"'):]
    assert "Created metric" in history
    assert "Edited metric" in history and "80.0" in history and "95.0" in history
    assert "Recorded 21 for 2026-01-05" in history


# --- CSV import -------------------------------------------------------------------------

def test_import_page_explains_the_file(client, login_as):
    login_as("member")
    page = client.get("/metrics/readings/import").data.decode()
    for words in ("metric", "observed_on", "value", "note", "All or nothing", "1,000,000 bytes"):
        assert words in page


def test_import_stores_every_reading_and_says_how_many(app, client, login_as):
    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id, name="Calls answered")
    content = (f"metric,observed_on,value,note\n{metric_id},2026-01-05,12,\n"
               f"Calls answered,2026-02-05,14,better\n").encode()
    response = client.post("/metrics/readings/import", data=csv_upload(content))
    assert response.status_code == 302
    assert b"Imported 2 readings." in client.get(response.headers["Location"]).data
    assert count(app, Reading) == 2
    assert b"Imported 2 readings from CSV" in client.get(f"/metrics/{metric_id}").data


def test_import_with_good_and_bad_rows_stores_nothing_and_lists_every_bad_line(app, client,
                                                                                login_as):
    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id)
    other_id = metric_id_owned_by(app, name="Someone else's")
    future = (today() + timedelta(days=3)).isoformat()
    content = (
        "metric,observed_on,value,note\n"
        f"{metric_id},2026-01-05,12,good\n"
        f"{metric_id},2026-01-06,twelve,\n"
        f"No such metric,2026-01-07,1,\n"
        f"{metric_id},{future},1,\n"
        f"{metric_id},2026-01-05,13,\n"
        f"{other_id},2026-01-05,13,\n"
        f"{metric_id},2026-01-08,1,{SCRIPT}\n"
    ).encode()
    response = client.post("/metrics/readings/import", data=csv_upload(content))
    assert response.status_code == 200
    page = response.data.decode()
    assert "Nothing was imported." in page and "5 problems" in page
    for line in (3, 4, 5, 6, 7):
        assert f'<td class="num">{line}</td>' in page
    assert '<td class="num">2</td>' not in page and '<td class="num">8</td>' not in page
    assert "you may not record readings for" in page and "is in the future" in page
    assert "<script>" not in page
    assert count(app, Reading) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        ("metric,observed_on,value\nCafé,2026-01-05,1\n".encode("latin-1"), "not UTF-8"),
        (b"metric;observed_on;value\n1;2026-01-05;1\n", "comma-separated"),
        (b"metric,observed_on,value\n" + b"1,2026-01-05,1\n" * 70_000,
         f"the limit is {MAX_UPLOAD_BYTES:,} bytes"),
    ],
)
def test_unreadable_csv_gets_one_clear_message_and_stores_nothing(app, client, login_as, content,
                                                                  message):
    owner = login_as("member")
    metric_id_owned_by(app, owner.id)
    response = client.post("/metrics/readings/import", data=csv_upload(content))
    assert response.status_code == 200
    page = response.data.decode()
    assert "Nothing was imported." in page and message in page
    assert '<td class="num">File</td>' in page or "<td class=\"num\">1</td>" in page
    assert count(app, Reading) == 0


def test_two_parallel_uploads_with_overlapping_dates_store_one_file_and_explain_the_other(
        app, login_as, monkeypatch):
    """Both uploads pass the check for existing readings before either stores
    anything (a barrier), then race to insert: one file is stored whole, the
    other gets a clear message and stores nothing."""
    from tracker.metrics import services

    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id, name="Calls answered")
    files = {"early": [date(2026, 1, day) for day in range(1, 11)],
             "late": [date(2026, 1, day) for day in range(5, 16)]}
    both_checked = threading.Barrier(2, timeout=20)
    parse = services.parse_readings_csv

    def parse_then_wait(*args, **kwargs):
        result = parse(*args, **kwargs)
        both_checked.wait()
        return result

    monkeypatch.setattr(services, "parse_readings_csv", parse_then_wait)
    responses = {}

    def upload(name: str) -> None:
        client = app.test_client()
        sign_in_session(client, owner.id)
        content = "metric,observed_on,value,note\n" + "".join(
            f"{metric_id},{day.isoformat()},{day.day},{name}\n" for day in files[name])
        responses[name] = client.post("/metrics/readings/import", data=csv_upload(content.encode()))

    threads = [threading.Thread(target=upload, args=(name,)) for name in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.status_code for r in responses.values()) == [200, 302]
    [winner] = [name for name, r in responses.items() if r.status_code == 302]
    [loser] = [r for r in responses.values() if r.status_code == 200]
    page = loser.get_data(as_text=True)
    assert "Nothing was imported." in page and "stored by someone else" in page
    with app.app_context():
        stored = db.session.execute(select(Reading.observed_on, Reading.note)).all()
    assert sorted(stored) == [(day, winner) for day in files[winner]]


def test_import_without_a_file_asks_for_one(client, login_as):
    login_as("member")
    response = client.post("/metrics/readings/import", data={})
    assert response.status_code == 200
    assert b"Choose a CSV file to upload." in response.data


def test_upload_over_the_request_limit_gets_the_too_large_page(app, client, login_as):
    login_as("member")
    response = client.post("/metrics/readings/import",
                           data=csv_upload(b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)))
    assert response.status_code == 413
    assert count(app, Reading) == 0


def test_import_error_page_lists_the_first_50_errors_and_counts_the_rest(app, client, login_as):
    login_as("member")
    content = b"metric,observed_on,value\n" + b"nope,2026-01-05,1\n" * 620
    response = client.post("/metrics/readings/import", data=csv_upload(content))
    page = response.data.decode()
    assert app.config["READINGS_IMPORT_MAX_ERRORS"] == 50
    assert "620 problems" in page
    assert page.count("unknown metric") == 50
    assert "and 570 more errors not shown" in page


def test_a_file_of_more_rows_than_the_limit_is_refused_with_the_limit_named(app, client, login_as):
    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id)
    app.config["READINGS_IMPORT_MAX_ROWS"] = 30
    rows = "".join(f"{metric_id},{date(2025, 1, 1) + timedelta(days=n)},1\n" for n in range(31))
    response = client.post("/metrics/readings/import",
                           data=csv_upload(("metric,observed_on,value\n" + rows).encode()))
    page = response.data.decode()
    assert "the file has more than 30 readings; the limit is 30 (split it into smaller files)" in page
    assert count(app, Reading) == 0


def import_queries(app, client, content: bytes, expected_status: int) -> int:
    with count_queries(app) as n:
        response = client.post("/metrics/readings/import", data=csv_upload(content))
    assert response.status_code == expected_status
    return n()


def test_an_import_of_unknown_metrics_runs_the_same_queries_for_100_and_2000_rows(app, client,
                                                                                  login_as):
    # A file naming a new unknown metric on every row once cost two queries a row.
    login_as("member")

    def unknown(rows: int) -> bytes:
        return ("metric,observed_on,value\n"
                + "".join(f"No such metric {n},2026-01-05,1\n" for n in range(rows))).encode()

    # The page's table of metrics is kept once built (tracker.options): built before counting.
    client.get("/metrics/readings/import")
    assert import_queries(app, client, unknown(100), 200) == import_queries(app, client, unknown(2000), 200)


def test_a_valid_import_runs_the_same_queries_for_100_and_2000_rows(app, client, login_as):
    owner = login_as("member")
    for n in range(4):
        metric_id_owned_by(app, owner.id, name=f"Metric {n}")

    def valid(rows: int, first: date) -> bytes:
        # The metrics are in %: values stay between 0 and 100.
        return ("metric,observed_on,value,note\n" + "".join(
            f"Metric {n % 4},{first + timedelta(days=n // 4)},{n % 100},row {n}\n"
            for n in range(rows))).encode()

    with_100 = import_queries(app, client, valid(100, date(2015, 1, 1)), 302)
    with_2000 = import_queries(app, client, valid(2000, date(2018, 1, 1)), 302)
    assert count(app, Reading) == 2100
    # The insert itself goes in batches (PostgreSQL sends 1,000 rows a statement).
    assert with_2000 - with_100 <= 2


# --- random input never breaks the form -------------------------------------------------

METRIC_FIELDS = ["name", "unit", "direction", "baseline", "target", "target_date", "cadence",
                 "source", "standard", "owner_id", "department_id", "behaviour_ids"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(METRIC_FIELDS), st.text(), min_size=1))
def test_random_text_in_metric_form_never_yields_a_server_error(app, client, login_as, fields):
    executive = login_as("executive")
    response = client.post("/metrics/new", data=form_data(executive.id, **fields))
    assert response.status_code in (200, 302)
    page = client.get("/metrics/")
    assert page.status_code == 200


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(["observed_on", "value", "note"]), st.text(),
                              min_size=1))
def test_random_text_in_reading_form_never_yields_a_server_error(app, client, login_as, fields):
    owner = login_as("member")
    metric_id = metric_id_owned_by(app, owner.id)
    data = {"observed_on": "2026-01-05", "value": "1", "note": "", **fields}
    response = client.post(f"/metrics/{metric_id}/readings", data=data)
    assert response.status_code in (200, 302)
    assert client.get(f"/metrics/{metric_id}").status_code == 200


# --- constant query counts --------------------------------------------------------------

def add_metrics(app, how_many: int) -> None:
    """Metrics with their own owner, department and behaviour, each with readings."""
    def make():
        for _ in range(how_many):
            department = factories.make_department()
            owner = factories.make_user("member", department=department)
            behaviour = factories.make_behaviour()
            metric = factories.make_metric(owner=owner, department=department,
                                           behaviours=[behaviour])
            for day in range(1, 4):
                db.session.add(Reading(metric=metric, observed_on=date(2026, 1, day), value=day,
                                       recorded_by_id=owner.id))
    build(app, make)


def queries_for(app, client, path: str) -> int:
    with count_queries(app) as n:
        response = client.get(path)
    assert response.status_code == 200
    return n()


def test_metric_list_runs_the_same_queries_for_10_and_200_metrics(app, client, login_as):
    login_as("member")
    add_metrics(app, 10)
    with_10 = queries_for(app, client, "/metrics/")
    add_metrics(app, 190)
    with_200 = queries_for(app, client, "/metrics/")
    last_page = queries_for(app, client, "/metrics/?page=4")
    for path in ("/metrics/", "/metrics/?page=4"):  # one page of 50 sparklines is drawn, not 200
        assert client.get(path).data.count(b'class="chart sparkline"') == 50, path
    assert with_10 == with_200 == last_page


def test_metric_list_pages_fifty_at_a_time_keeping_the_filters(app, client, login_as):
    def make():
        sales = factories.make_department("Sales")
        for n in range(55):
            factories.make_metric(f"Sales metric {n:02d}", source="self", department=sales)
        factories.make_metric("Zulu counts", source="internal")
        return sales.id
    sales_id = build(app, make)
    login_as("member")
    first = client.get("/metrics/").data.decode()
    assert "56 metrics · page 1 of 2" in first
    assert "Zulu counts" not in first and "Sales metric 49" in first and "Sales metric 50" not in first
    assert "page=2" in first
    second = client.get("/metrics/?page=2").data.decode()
    assert "Sales metric 50" in second and "Sales metric 54" in second and "Zulu counts" in second
    assert "Sales metric 49" not in second and "Previous" in second
    filtered = client.get(f"/metrics/?source=self&department={sales_id}").data.decode()
    assert "55 metrics match the filter · page 1 of 2" in filtered
    next_link = re.search(r'href="([^"]*page=2[^"]*)"', filtered).group(1).replace("&amp;", "&")
    assert "source=self" in next_link and f"department={sales_id}" in next_link
    filtered_second = client.get(next_link).data.decode()
    assert "Sales metric 54" in filtered_second and "Zulu counts" not in filtered_second
    beyond = client.get("/metrics/?page=7")
    assert beyond.status_code == 200
    assert b"No metrics on this page" in beyond.data and b"Sales metric" not in beyond.data
    assert b"No metrics yet" not in beyond.data
    for junk in ("0", "-1", "abc", "99999999999"):
        assert b"Sales metric 00" in client.get(f"/metrics/?page={junk}").data, junk


def test_metric_detail_runs_the_same_queries_for_10_and_200_readings(app, client, login_as):
    login_as("member")
    metric_id = metric_id_owned_by(app)

    def add_readings(first_day: int, how_many: int):
        def make():
            for offset in range(first_day, first_day + how_many):
                writer = factories.make_user("executive")  # a different author for each reading
                db.session.add(Reading(metric_id=metric_id, observed_on=date(2025, 1, 1) +
                                       timedelta(days=offset), value=offset,
                                       recorded_by_id=writer.id))
        build(app, make)

    add_readings(0, 10)
    with_10 = queries_for(app, client, f"/metrics/{metric_id}")
    add_readings(10, 190)
    with_200 = queries_for(app, client, f"/metrics/{metric_id}")
    page = client.get(f"/metrics/{metric_id}").data.decode()
    chart = page[page.index('<svg'):page.index('</svg>')]
    assert chart.count('class="chart-line"') == 1 and 'class="chart-point"' not in chart
    assert "Show the latest 30 of 200 readings as a table" in page
    assert with_10 == with_200


# --- long histories: the latest on the page, all of them a link away ---------------------

START = date(2025, 1, 1)


def add_daily_readings(app, metric_id: int, how_many: int) -> None:
    """`how_many` daily readings from START, valued 0, 1, 2…, each noted "day n"."""
    def make():
        writer = factories.make_user("executive", name="Daily Writer")
        db.session.add_all(
            Reading(metric_id=metric_id, observed_on=START + timedelta(days=n), value=n,
                    note=f"day {n}", recorded_by_id=writer.id)
            for n in range(how_many))
    build(app, make)


def table_dates(html: str) -> list[str]:
    return re.findall(r'<td class="nowrap">([\d-]+)</td>', html)


def test_metric_with_300_readings_draws_one_line_and_lists_the_latest_30_of_300(
        app, client, login_as):
    login_as("member")
    metric_id = metric_id_owned_by(app)
    add_daily_readings(app, metric_id, 300)
    page = client.get(f"/metrics/{metric_id}").data.decode()

    for chart in re.findall(r"<svg.*?</svg>", page, re.S):  # the wide and the narrow drawing
        assert chart.count('class="chart-line"') == 1 and 'class="chart-point"' not in chart
        assert "300 readings from 2025-01-01 to 2025-10-27; latest 299%." in chart
    assert "Show the latest 30 of 300 readings as a table" in page
    table = page[page.index('<details class="data-table">'):page.index("</details>")]
    assert table_dates(table) == [str(START + timedelta(days=n)) for n in range(299, 269, -1)]
    assert "day 299" in table and "Daily Writer" in table and "day 269" not in table
    assert "Showing the latest 30 of 300 readings." in page
    assert f'href="/metrics/{metric_id}/readings">All 300 readings' in page


def test_metric_with_few_readings_keeps_a_dot_per_reading_and_needs_no_link(app, client,
                                                                             login_as):
    login_as("member")
    metric_id = metric_id_owned_by(app)
    add_daily_readings(app, metric_id, 3)
    page = client.get(f"/metrics/{metric_id}").data.decode()

    chart = page[page.index("<svg"):page.index("</svg>")]
    assert re.findall(r'class="chart-point"[^>]*><title>([^<]*)</title>', chart) == [
        "2025-01-01: 0%", "2025-01-02: 1%", "2025-01-03: 2%"]
    assert "Show the 3 readings as a table" in page
    assert f"/metrics/{metric_id}/readings\"" not in page


def test_all_readings_page_lists_every_reading_newest_first_a_hundred_at_a_time(
        app, client, login_as):
    login_as("hr")
    metric_id = metric_id_owned_by(app, name="Calls answered by our own staff")
    add_daily_readings(app, metric_id, 250)

    first = client.get(f"/metrics/{metric_id}/readings").data.decode()
    assert "Readings of Calls answered by our own staff" in first
    assert "250 readings, newest first. Showing 1–100." in first and "Page 1 of 3" in first
    assert f'href="/metrics/{metric_id}/readings?page=2"' in first
    pages = [table_dates(first)] + [
        table_dates(client.get(f"/metrics/{metric_id}/readings?page={n}").data.decode())
        for n in (2, 3)]
    assert [len(dates) for dates in pages] == [100, 100, 50]
    every = [d for dates in pages for d in dates]
    assert every == [str(START + timedelta(days=n)) for n in range(249, -1, -1)]
    last = client.get(f"/metrics/{metric_id}/readings?page=3").data.decode()
    assert "day 0" in last and "Daily Writer" in last and "Page 3 of 3" in last


def test_all_readings_page_is_for_signed_in_people_and_existing_metrics(app, client, login_as):
    metric_id = metric_id_owned_by(app)
    add_daily_readings(app, metric_id, 3)
    anonymous = client.get(f"/metrics/{metric_id}/readings")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert b"day 1" not in anonymous.data

    login_as("member")
    assert client.get("/metrics/4242/readings").status_code == 404
    assert client.get("/metrics/99999999999999999999/readings").status_code == 404
    for nonsense in ("abc", "0", "-1", "1.5", "99999999999999999999"):
        response = client.get(f"/metrics/{metric_id}/readings?page={nonsense}")
        assert response.status_code == 200 and b"day 2" in response.data
    beyond = client.get(f"/metrics/{metric_id}/readings?page=7").data.decode()
    assert "There is no page 7" in beyond and "day 2" not in beyond


def test_all_readings_page_runs_the_same_queries_for_3_and_250_readings(app, client, login_as):
    login_as("member")
    metric_id = metric_id_owned_by(app)
    add_daily_readings(app, metric_id, 3)
    with_3 = queries_for(app, client, f"/metrics/{metric_id}/readings")
    add_more = metric_id_owned_by(app)  # another metric's readings must not count either
    add_daily_readings(app, add_more, 10)

    def make():
        for n in range(3, 250):
            writer = factories.make_user("executive")  # a different author for each reading
            db.session.add(Reading(metric_id=metric_id, observed_on=START + timedelta(days=n),
                                   value=n, recorded_by_id=writer.id))
    build(app, make)
    with_250 = queries_for(app, client, f"/metrics/{metric_id}/readings?page=2")
    assert with_3 == with_250


# The owner is typed, with suggestions (tracker.forms.PickerField)

@pytest.mark.parametrize("way", WAYS)
def test_an_executive_names_the_owner_in_any_way_the_picker_takes(app, client, login_as, way):
    ways = build(app, lambda: ways_to_name(
        factories.make_user("member", name="Sam Lee", email="sam.lee@example.com")))
    login_as("executive")
    response = client.post("/metrics/new", data=form_data(ways[way], name=f"By {way}"))
    assert response.status_code == 302, field_error(response, "owner_id")
    with app.app_context():
        owner_id = db.session.scalar(select(Metric.owner_id).where(Metric.name == f"By {way}"))
        assert str(owner_id) == ways["number"]


def test_a_member_typing_someone_else_meets_the_owner_rule_and_keeps_the_text(app, client, login_as):
    build(app, lambda: factories.make_user("member", name="Sam Lee", email="sam.lee@example.com"))
    login_as("member")
    response = client.post("/metrics/new", data=form_data("sam.lee@example.com"))
    assert field_error(response, "owner_id") == "You can only create metrics that you own."
    assert picker(response, "owner_id")["value"] == "sam.lee@example.com"


def test_the_metric_forms_do_not_grow_with_the_people(app, client, login_as):
    executive = login_as("executive")
    metric_id = build(app, lambda: factories.make_metric(owner=db.session.get(User, executive.id)).id)
    edit = f"/metrics/{metric_id}/edit"
    assert picker(client.get(edit), "owner_id")["value"] == f"{executive.display_name} <{executive.email}>"

    few = statements_and_sizes(app, client, ("/metrics/new", edit))
    build(app, lambda: [factories.make_user("member", name=f"Person {n} With A Long Name")
                        for n in range(40)])
    many = statements_and_sizes(app, client, ("/metrics/new", edit))
    assert [q for q, _ in many] == [q for q, _ in few]
    assert all(abs(m - f) < 50 for (_, m), (_, f) in zip(many, few, strict=True))
