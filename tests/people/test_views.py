"""The people pages, exports and forms through the test client: who sees
what, recording and editing, bad input, CSV downloads, query counts."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import count_queries, query_plan
from tests.form_errors import banner, field_error
from tests.pickers import WAYS, add_many, picker, statements_and_sizes, ways_to_name
from tracker.accounts.models import User
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.people import decisions
from tracker.people.models import DecisionEvidence, PeopleDecision

# The views read the clock; the tests fix it.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
pytestmark = pytest.mark.fixed_now(NOW)

READ_PAGES = ["/people/", "/people/{id}", "/people/report", "/people/report?quarter=2026-Q3",
              "/people/report.csv", "/people/decisions.csv"]
EDIT_PAGES = ["/people/new", "/people/{id}/edit"]
POSTS = ["/people/new", "/people/{id}/edit"]


@pytest.fixture
def seeded(app):
    """A department, behaviours and one recorded promotion; plain ids back."""
    with app.app_context():
        service = factories.make_department("Customer Service")
        sales = factories.make_department("Sales")
        hr = factories.make_user("hr", name="Hannah Okafor")
        bend = factories.make_behaviour("Frontline bends the rules for the customer")
        punish = factories.make_behaviour("Punishing rule-bending", kind="no_no")
        decision = decisions.create_decision(actor=hr, today=TODAY, data=decisions.DecisionInput(
            person_name="Aisha Rahman", employee_ref="E-2031", kind="promotion",
            effective_date=date(2026, 10, 1), department_id=service.id,
            decided_by="Sam Whitfield", rationale="Bends rules for customers.",
            role_from="Service Agent", role_to="Service Team Lead",
            evidence=(decisions.EvidenceInput(behaviour_id=bend.id, what="Refunded $180 on the spot",
                                           observed_on=date(2026, 9, 1), where="Case CS-48812"),)), now=NOW)
        db.session.commit()
        return {"id": decision.id, "service": service.id, "sales": sales.id, "bend": bend.id,
                "punish": punish.id, "hr": hr.id}


def form_data(seeded, **overrides) -> dict:
    data = {"person_name": "Noah Kim", "employee_ref": "E-1612", "user_id": 0, "kind": "promotion",
            "effective_date": "2026-10-05", "role_from": "Account Executive",
            "role_to": "Senior Account Executive", "department_id": seeded["sales"],
            "decided_by": "Olivia Grant (Head of Sales)", "rationale": "Grew renewals.",
            "initiative_id": 0,
            "evidence-0-behaviour_id": seeded["bend"], "evidence-0-what": "Refunded a loyal customer",
            "evidence-0-observed_on": "2026-09-10", "evidence-0-where": "Case CS-1",
            "evidence-1-behaviour_id": 0, "evidence-1-what": "", "evidence-1-observed_on": "",
            "evidence-1-where": ""}
    return {**data, **overrides}


def decision_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PeopleDecision))


def evidence_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DecisionEvidence))


def stored(app, decision_id: int) -> PeopleDecision:
    with app.app_context():
        decision = db.session.get(PeopleDecision, decision_id)
        _ = decision.evidence
        db.session.expunge_all()
        return decision


def text(response) -> str:
    return response.get_data(as_text=True)


# Who may see and do what: every route, every role

@pytest.mark.parametrize("path", READ_PAGES + EDIT_PAGES)
def test_members_get_403_on_every_people_page_and_export(client, login_as, seeded, path):
    login_as("member")
    response = client.get(path.format(id=seeded["id"]))
    assert response.status_code == 403
    assert "Aisha Rahman" not in text(response) and "text/csv" not in response.content_type


@pytest.mark.parametrize("path", POSTS)
def test_members_posting_to_hr_routes_get_403_and_nothing_changes(app, client, login_as, seeded,
                                                                  path):
    login_as("member")
    response = client.post(path.format(id=seeded["id"]),
                           data=form_data(seeded, person_name="Member was here"))
    assert response.status_code == 403
    assert decision_count(app) == 1
    assert stored(app, seeded["id"]).person_name == "Aisha Rahman"


@pytest.mark.parametrize("role", ["hr", "executive", "admin"])
@pytest.mark.parametrize("path", READ_PAGES)
def test_hr_executives_and_admins_read_every_page_and_export(client, login_as, seeded, role, path):
    login_as(role)
    assert client.get(path.format(id=seeded["id"])).status_code == 200


@pytest.mark.parametrize("path", EDIT_PAGES)
def test_executives_read_but_cannot_open_the_forms(client, login_as, seeded, path):
    login_as("executive")
    assert client.get(path.format(id=seeded["id"])).status_code == 403


@pytest.mark.parametrize("path", POSTS)
def test_executives_posting_get_403_and_nothing_changes(app, client, login_as, seeded, path):
    login_as("executive")
    response = client.post(path.format(id=seeded["id"]), data=form_data(seeded))
    assert response.status_code == 403
    assert decision_count(app) == 1
    assert stored(app, seeded["id"]).person_name == "Aisha Rahman"


@pytest.mark.parametrize("role", ["hr", "admin"])
@pytest.mark.parametrize("path", EDIT_PAGES)
def test_hr_and_admins_open_the_forms(client, login_as, seeded, role, path):
    login_as(role)
    assert client.get(path.format(id=seeded["id"])).status_code == 200


@pytest.mark.parametrize("role, shown", [("hr", True), ("admin", True), ("executive", True),
                                         ("member", False)])
def test_the_people_link_is_in_the_nav_only_for_those_who_may_follow_it(client, login_as, role,
                                                                         shown):
    login_as(role)
    assert ('href="/people/"' in text(client.get("/"))) is shown


def test_executives_see_no_edit_or_record_buttons(client, login_as, seeded):
    login_as("executive")
    assert "Record a decision" not in text(client.get("/people/"))
    assert f'/people/{seeded["id"]}/edit' not in text(client.get(f"/people/{seeded['id']}"))


@pytest.mark.parametrize("path", ["/people/999999", "/people/99999999999999999999",
                                  "/people/999999/edit"])
def test_unknown_decisions_are_404(client, login_as, seeded, path):
    login_as("hr")
    assert client.get(path).status_code == 404


# Recording and editing

@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admins_record_a_promotion_with_evidence(app, client, login_as, seeded, role):
    login_as(role)
    response = client.post("/people/new", data=form_data(seeded))
    assert response.status_code == 302
    with app.app_context():
        decision = db.session.scalars(select(PeopleDecision).where(
            PeopleDecision.employee_ref == "E-1612")).one()
        assert decision.aligned and len(decision.evidence) == 1
        decision_id = decision.id
    assert response.headers["Location"].endswith(f"/people/{decision_id}")
    page = text(client.get(f"/people/{decision_id}"))
    assert "It is aligned." in page and "Refunded a loyal customer" in page


def test_an_exit_that_removes_a_no_no_is_recorded_aligned(app, client, login_as, seeded):
    login_as("hr")
    response = client.post("/people/new", data=form_data(
        seeded, person_name="Brian Holt", employee_ref="E-1190", kind="exit", role_to="",
        **{"evidence-0-behaviour_id": seeded["punish"],
           "evidence-0-what": "Wrote up two agents for refunds"}), follow_redirects=True)
    page = text(response)
    assert "Saved the exit for Brian Holt. It is aligned." in page
    assert "Punishing rule-bending" in page and "removed" in page


def test_hr_edits_a_decision_and_the_detail_page_shows_the_history(app, client, login_as, seeded):
    login_as("hr")
    edit = client.get(f"/people/{seeded['id']}/edit")
    assert 'value="Aisha Rahman"' in text(edit) and "Refunded $180 on the spot" in text(edit)
    response = client.post(f"/people/{seeded['id']}/edit", data=form_data(
        seeded, person_name="Aisha Rahman", employee_ref="E-2031",
        role_to="Senior Team Lead"), follow_redirects=True)
    page = text(response)
    assert response.status_code == 200
    assert "Recorded the promotion" in page and "Edited" in page
    assert "Role to: <del>Service Team Lead</del> → <ins>Senior Team Lead</ins>" in page
    with app.app_context():
        actions = db.session.scalars(select(HistoryEvent.action).where(
            HistoryEvent.subject_type == "people_decision", HistoryEvent.subject_id == seeded["id"])
        ).all()
    assert actions == ["created", "updated"]


def test_the_detail_shows_the_persons_earlier_no_no_behind_a_not_aligned_promotion(
        client, login_as, seeded):
    login_as("hr")
    client.post("/people/new", data=form_data(
        seeded, person_name="Victor Lane", employee_ref="E-1420", kind="demotion",
        effective_date="2026-06-09", role_to="Senior Agent",
        **{"evidence-0-behaviour_id": seeded["punish"], "evidence-0-observed_on": "2026-05-20",
           "evidence-0-what": "Wrote up an agent for a $45 refund"}))
    response = client.post("/people/new", data=form_data(
        seeded, person_name="Victor Lane", employee_ref="E-1420"), follow_redirects=True)
    page = text(response)
    assert "promoted despite recorded no-no: punishing rule-bending" in page
    assert "No-no on record: Punishing rule-bending (2026-05-20" in page


def test_a_decisions_page_finds_the_persons_others_from_an_index_in_the_same_queries(
        app, client, login_as, seeded):
    """The person's other decisions are matched on lower(employee_ref), which an
    index answers: the page reads neither more rows nor more queries as decisions grow."""
    login_as("hr")
    client.post("/people/new", data=form_data(seeded, person_name="Aisha Rahman", employee_ref="e-2031",
                                              kind="recognition"))

    def view() -> tuple[str, int]:
        with count_queries(app) as queries:
            page = text(client.get(f"/people/{seeded['id']}"))
        return page, queries()

    page, few = view()
    assert "Recognition" in page  # the same person, whatever the case of the reference
    _add_decisions(app, seeded, 150)
    page, many = view()
    assert many == few and "Recognition" in page and "Person 1" not in page
    with app.app_context():
        plan = query_plan("SELECT id FROM people_decision WHERE lower(employee_ref) = lower(:ref)",
                          ref="E-2031")
        assert "ix_people_decision_employee_ref_lower" in plan, plan


def test_evidence_rows_come_on_request_within_limits(client, login_as, seeded):
    login_as("hr")
    assert text(client.get("/people/new")).count("<legend>Evidence ") == 2
    assert text(client.get("/people/new?rows=5")).count("<legend>Evidence ") == 5
    assert text(client.get("/people/new?rows=999")).count("<legend>Evidence ") == 10
    assert text(client.get("/people/new?rows=abc")).count("<legend>Evidence ") == 2
    assert text(client.get("/people/new?rows=0")).count("<legend>Evidence ") == 1


def test_adding_a_row_keeps_what_was_typed_and_stores_nothing(app, client, login_as, seeded):
    login_as("hr")
    response = client.post("/people/new", data={**form_data(seeded), "add_row": "1"})
    page = text(response)
    assert response.status_code == 200 and page.count("<legend>Evidence ") == 3
    assert 'value="Noah Kim"' in page
    assert decision_count(app) == 1


# Bad input: a clear message, nothing stored, never a 500

BAD_POSTS = {
    "far-future effective date": ({"effective_date": "2099-01-01"}, "effective_date",
                                  "more than a year ahead"),
    "no-no evidence as a reason to promote": (
        {"evidence-0-behaviour_id": "punish"}, "evidence-0-behaviour_id",
        "“Punishing rule-bending” is a no-no, not a target behaviour"),
    "unknown user account": ({"user_id": "987654"}, "user_id", "No user account matches"),
    "user account id beyond any key": ({"user_id": str(2**40)}, "user_id",
                                       f"No account has the number {2**40}"),
    "user account that is not a number": ({"user_id": "abc"}, "user_id",
                                          "No account called 'abc': type their email."),
    "unknown behaviour": ({"evidence-0-behaviour_id": "987654"}, "evidence-0-behaviour_id",
                          "that behaviour does not exist"),
    "unknown department": ({"department_id": "987654"}, "department_id", "Choose the department"),
    "unknown initiative": ({"initiative_id": "987654"}, "initiative_id",
                           "initiative does not exist"),
    "unknown kind": ({"kind": "sabbatical"}, "kind", "Choose what kind of decision"),
    "no kind": ({"kind": ""}, "kind", "Choose what kind of decision"),
    "unreadable date": ({"effective_date": "31/12/2026"}, "effective_date", "Not a valid date"),
    "evidence in the future": ({"effective_date": (TODAY + timedelta(days=30)).isoformat(),
                                "evidence-0-observed_on": (TODAY + timedelta(days=3)).isoformat()},
                               "evidence-0-observed_on", "is in the future"),
    "evidence with no where": ({"evidence-0-where": ""}, "evidence-0-where",
                               "say where it is recorded"),
    "missing name": ({"person_name": ""}, "person_name", "Give the person's name"),
    "NUL in a name": ({"person_name": "Ai\x00sha"}, "person_name", "must be a single line of plain text"),
    "overlong rationale": ({"rationale": "x" * 5001}, "rationale", "at most 5,000 characters"),
}


@pytest.mark.parametrize("case", list(BAD_POSTS), ids=list(BAD_POSTS))
def test_bad_input_is_shown_beside_its_field_and_stores_nothing(app, client, login_as, seeded,
                                                                 case):
    overrides, field, message = BAD_POSTS[case]
    overrides = {k: seeded["punish"] if v == "punish" else v for k, v in overrides.items()}
    login_as("hr")
    response = client.post("/people/new", data=form_data(seeded, **overrides))
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert banner(response) == "Nothing was saved: fix what is marked below."
    assert decision_count(app) == 1 and evidence_count(app) == 1


def test_every_problem_of_a_refused_decision_is_shown_at_once_beside_its_field(
        app, client, login_as, seeded):
    login_as("hr")
    response = client.post("/people/new", data=form_data(
        seeded, kind="promotion", role_to="", department_id="987654",
        **{"evidence-0-behaviour_id": seeded["punish"], "evidence-0-where": ""}))
    assert "names the role they take" in field_error(response, "role_to")
    assert "Choose the department" in field_error(response, "department_id")
    assert "is a no-no" in field_error(response, "evidence-0-behaviour_id")
    assert "say where it is recorded" in field_error(response, "evidence-0-where")
    assert field_error(response, "person_name") == ""
    assert banner(response) == "Nothing was saved: fix what is marked below."
    assert decision_count(app) == 1


def test_a_missing_kind_is_shown_with_the_other_missing_fields(app, client, login_as, seeded):
    login_as("hr")
    response = client.post("/people/new", data=form_data(seeded, kind="", person_name="",
                                                         rationale=""))
    assert "Choose what kind of decision" in field_error(response, "kind")
    assert "Give the person's name" in field_error(response, "person_name")
    assert "Give the rationale" in field_error(response, "rationale")
    assert decision_count(app) == 1


def test_a_bad_edit_changes_nothing(app, client, login_as, seeded):
    login_as("hr")
    response = client.post(f"/people/{seeded['id']}/edit", data=form_data(
        seeded, person_name="Changed", **{"evidence-0-behaviour_id": seeded["punish"]}))
    assert "Nothing was saved" in text(response)
    decision = stored(app, seeded["id"])
    assert decision.person_name == "Aisha Rahman" and decision.evidence[0].behaviour_id == seeded["bend"]


def test_names_with_markup_or_formulas_are_shown_as_text(client, login_as, seeded):
    login_as("hr")
    response = client.post("/people/new", data=form_data(
        seeded, person_name='<script>alert(1)</script>=HYPERLINK("http://evil")'),
        follow_redirects=True)
    page = text(response)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;=HYPERLINK" in page


# Lists, filters and reports

def test_the_list_filters_by_quarter_department_kind_and_alignment(client, login_as, seeded):
    login_as("hr")
    client.post("/people/new", data=form_data(seeded, person_name="Greg Dunn", employee_ref="E-3",
                                              kind="hire", role_from="", effective_date="2026-04-28",
                                              **{"evidence-0-behaviour_id": 0,
                                                 "evidence-0-what": "", "evidence-0-observed_on": "",
                                                 "evidence-0-where": ""}))

    def names(query: str) -> set[str]:
        page = text(client.get("/people/" + query))
        return {n for n in ("Aisha Rahman", "Greg Dunn") if n in page}

    assert names("") == {"Aisha Rahman", "Greg Dunn"}
    assert names("?quarter=2026-Q4") == {"Aisha Rahman"}
    assert names(f"?department_id={seeded['sales']}") == {"Greg Dunn"}
    assert names("?kind=hire") == {"Greg Dunn"}
    assert names("?aligned=no") == {"Greg Dunn"}
    assert names("?aligned=yes") == {"Aisha Rahman"}
    assert names("?quarter=nonsense&kind=nonsense&department_id=x&aligned=maybe&page=zz") == {
        "Aisha Rahman", "Greg Dunn"}


def test_the_report_shows_kinds_share_reasons_trend_chart_and_behaviours(client, login_as, seeded):
    login_as("hr")
    client.post("/people/new", data=form_data(seeded, person_name="Greg Dunn", employee_ref="E-3",
                                              kind="hire", role_from="",
                                              **{"evidence-0-behaviour_id": 0,
                                                 "evidence-0-what": "", "evidence-0-observed_on": "",
                                                 "evidence-0-where": ""}))
    page = text(client.get("/people/report?quarter=2026-Q4"))
    assert "Alignment report · Q4 2026" in page
    assert "50%" in page and "hire with no behaviour evidence" in page
    # One trend, drawn wide for screens and narrow for phones.
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart"') == 2
    assert 'id="people-trend-title"' in page and 'id="people-trend-narrow-title"' in page
    for label in ("Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026"):
        assert label in page
    assert "Frontline bends the rules for the customer" in page
    sales_only = text(client.get(f"/people/report?quarter=2026-Q4&department_id={seeded['sales']}"))
    assert "hire with no behaviour evidence" in sales_only and "0%" in sales_only


def test_each_not_aligned_decision_in_the_report_says_who_what_when_where_and_links_to_it(
        app, client, login_as, seeded):
    login_as("hr")
    client.post("/people/new", data=form_data(seeded, person_name="Greg Dunn", employee_ref="E-3",
                                              kind="hire", role_from="",
                                              **{"evidence-0-behaviour_id": 0,
                                                 "evidence-0-what": "", "evidence-0-observed_on": "",
                                                 "evidence-0-where": ""}))
    with app.app_context():
        greg = db.session.scalar(select(PeopleDecision).where(PeopleDecision.person_name == "Greg Dunn"))
        greg_id = greg.id
    page = text(client.get("/people/report?quarter=2026-Q4"))
    entry = page.split('class="pp-not-aligned-list"')[1].split("</section>")[0]
    assert f'<a href="/people/{greg_id}">Greg Dunn</a>' in entry
    assert "E-3" in entry and "· Hire · 2026-10-05 · Sales" in entry
    assert "<li>hire with no behaviour evidence</li>" in entry
    assert "Greg Dunn" in text(client.get(f"/people/{greg_id}"))


def test_a_report_for_a_nonsense_quarter_shows_the_current_one(client, login_as, seeded):
    login_as("hr")
    response = client.get("/people/report?quarter=2026-Q9&department_id=99999999999")
    assert response.status_code == 200 and "All departments" in text(response)


@pytest.mark.parametrize("path", ["/people/report?quarter=0001-Q1", "/people/report.csv?quarter=0001-Q1",
                                  "/people/report?quarter=9999-Q4", "/people/?quarter=0001-Q1"])
def test_a_quarter_at_the_edge_of_the_calendar_is_not_a_server_error(client, login_as, seeded, path):
    login_as("hr")
    response = client.get(path)
    assert response.status_code == 200
    assert "0001" not in text(response) and "9999" not in text(response)


# Downloads

def _csv(response) -> list[list[str]]:
    body = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("path, filename", [
    ("/people/decisions.csv", "people-decisions.csv"),
    ("/people/report.csv?quarter=2026-Q4", "people-report-2026-Q4.csv"),
])
def test_exports_are_csv_downloads(client, login_as, seeded, path, filename):
    login_as("executive")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["Cache-Control"] == "no-store"


def test_formula_text_in_names_is_neutralised_in_both_exports(client, login_as, seeded):
    login_as("hr")
    client.post("/people/new", data=form_data(seeded, person_name='=HYPERLINK("http://evil")',
                                              employee_ref="-1", kind="recognition",
                                              **{"evidence-0-behaviour_id": 0,
                                                 "evidence-0-what": "", "evidence-0-observed_on": "",
                                                 "evidence-0-where": ""}))
    header, *rows = _csv(client.get("/people/decisions.csv?kind=recognition"))
    [row] = rows
    values = dict(zip(header, row, strict=True))
    assert values["Person"] == '\'=HYPERLINK("http://evil")'
    assert values["Employee ref"] == "'-1"
    report = _csv(client.get("/people/report.csv?quarter=2026-Q4"))
    [not_aligned] = [r for r in report if r[0] == "Not aligned"]
    assert not_aligned[3].startswith('\'=HYPERLINK("http://evil") (-1)')
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in report for cell in r)


def test_every_cell_of_both_exports_is_quoted(client, login_as, seeded):
    # Unquoted, a semicolon starts a new cell in spreadsheets that split on it.
    login_as("hr")
    client.post("/people/new", data=form_data(seeded, person_name="a;=cmd|' /C calc'!A0",
                                              employee_ref="E-9", kind="recognition",
                                              **{"evidence-0-behaviour_id": 0,
                                                 "evidence-0-what": "", "evidence-0-observed_on": "",
                                                 "evidence-0-where": ""}))
    decisions = client.get("/people/decisions.csv?kind=recognition").get_data().decode("utf-8-sig")
    assert '"a;=cmd|\' /C calc\'!A0"' in decisions
    for body in (decisions, client.get("/people/report.csv?quarter=2026-Q4").get_data().decode("utf-8-sig")):
        for row in body.splitlines():
            reader = csv.reader(io.StringIO(row))
            cells = next(reader)
            assert row == ",".join('"' + cell.replace('"', '""') + '"' for cell in cells)


def test_the_decisions_export_follows_the_list_filters(client, login_as, seeded):
    login_as("hr")
    assert len(_csv(client.get("/people/decisions.csv?quarter=2026-Q4"))) == 2
    assert len(_csv(client.get("/people/decisions.csv?quarter=2025-Q1"))) == 1


# A fixed number of queries, whatever the number of decisions

def _add_decisions(app, seeded, n: int) -> None:
    with app.app_context():
        hr = db.session.get(User, seeded["hr"])
        for i in range(n):
            decisions.create_decision(actor=hr, today=TODAY, now=datetime(2026, 11, 1, tzinfo=UTC),
                                   data=decisions.DecisionInput(
                person_name=f"Person {i}", employee_ref=f"P-{i}", kind="recognition",
                effective_date=date(2026, 10 + i % 2, 1 + i % 28),
                department_id=seeded["service"] if i % 2 else seeded["sales"],
                decided_by="Sam", rationale="Thanks.",
                evidence=(decisions.EvidenceInput(behaviour_id=seeded["bend"], what="Refunded",
                                               observed_on=date(2026, 9, 1), where="Case"),)
                if i % 3 else ()))
        db.session.commit()


@pytest.mark.parametrize("path", ["/people/?quarter=2026-Q4", "/people/report?quarter=2026-Q4",
                                  "/people/decisions.csv"])
def test_lists_reports_and_exports_take_the_same_queries_for_10_or_200_decisions(
        app, client, login_as, seeded, path):
    login_as("hr")

    def first_and_second_view() -> tuple[int, int]:
        # The report counts at the first view after a write, and keeps the counts for the next.
        with count_queries(app) as first:
            assert client.get(path).status_code == 200
        with count_queries(app) as second:
            assert client.get(path).status_code == 200
        return first(), second()

    _add_decisions(app, seeded, 9)
    few = first_and_second_view()
    _add_decisions(app, seeded, 191)
    many = first_and_second_view()
    assert few == many
    assert many[0] <= 10 and many[1] <= 8


def _report_figures(page: str) -> dict[str, str]:
    """The headline figures, and each department's and behaviour's row, as the report shows them."""
    figures = dict((label, value) for value, label in re.findall(
        r'<p class="pp-stat-value">([^<]*)</p><p class="pp-stat-label">([^<]*)</p>', page))
    for name, total, aligned in re.findall(
            r'department_id=\d+">([^<]+)</a></td><td class="num">(\d+)</td><td class="num">(\d+)</td>', page):
        figures[name] = f"{total} {aligned}"
    for name, n in re.findall(r'</span> ([^<]+) <span class="muted">· (?:removed|rewarded)</span></td>'
                              r'<td class="num">(\d+)</td>', page):
        figures[name] = n
    return figures


def _counted_directly(app, seeded) -> dict[str, str]:
    """The same figures for 2026-Q4, counted straight from the tables."""
    in_q4 = (PeopleDecision.effective_date >= date(2026, 10, 1),
             PeopleDecision.effective_date <= date(2026, 12, 31))
    with app.app_context():
        def count(*where) -> int:
            return db.session.scalar(select(func.count()).select_from(PeopleDecision).where(*in_q4, *where))
        total, aligned = count(), count(PeopleDecision.aligned.is_(True))
        bend = db.session.scalar(select(func.count(func.distinct(DecisionEvidence.decision_id)))
                                 .join(PeopleDecision).where(*in_q4,
                                                             DecisionEvidence.behaviour_id == seeded["bend"]))
        def department(key: str) -> str:
            in_it = PeopleDecision.department_id == seeded[key]
            return f"{count(in_it)} {count(in_it, PeopleDecision.aligned.is_(True))}"

        return {"decisions": str(total), "aligned": str(aligned), "not aligned": str(total - aligned),
                "Customer Service": department("service"), "Sales": department("sales"),
                "Frontline bends the rules for the customer": str(bend)}


def test_the_kept_report_shows_a_decision_recorded_or_edited_a_moment_ago(app, client, login_as, seeded):
    """The report's counts are kept per data version (tracker.cache): a decision
    recorded or edited through another request is counted at the next view."""
    login_as("hr")
    _add_decisions(app, seeded, 12)

    def shown() -> dict[str, str]:
        figures = _report_figures(text(client.get("/people/report?quarter=2026-Q4")))
        expected = _counted_directly(app, seeded)
        assert {k: figures.get(k) for k in expected} == expected
        return figures

    before = shown()
    assert shown() == before  # kept, and still right
    client.post("/people/new", data=form_data(seeded, person_name="Greg Dunn", employee_ref="E-3",
                                              kind="hire", role_from="",
                                              **{"evidence-0-behaviour_id": 0, "evidence-0-what": "",
                                                 "evidence-0-observed_on": "", "evidence-0-where": ""}))
    after_hire = shown()
    assert int(after_hire["decisions"]) == int(before["decisions"]) + 1
    assert int(after_hire["not aligned"]) == int(before["not aligned"]) + 1
    with app.app_context():
        greg = db.session.scalar(select(PeopleDecision.id).where(PeopleDecision.employee_ref == "E-3"))
    # Evidence added to the hire: now aligned, and counted for the behaviour.
    client.post(f"/people/{greg}/edit", data=form_data(seeded, person_name="Greg Dunn", employee_ref="E-3",
                                                       kind="hire", role_from=""))
    after_edit = shown()
    assert int(after_edit["aligned"]) == int(after_hire["aligned"]) + 1
    assert (int(after_edit["Frontline bends the rules for the customer"])
            == int(after_hire["Frontline bends the rules for the customer"]) + 1)


def _not_aligned_listed(page: str) -> list[str]:
    section = page.split('id="not-aligned-heading"')[1].split("</section>")[0]
    return re.findall(r'<p><a href="/people/(\d+)">', section)


def test_the_report_pages_its_not_aligned_decisions_and_keeps_every_figure(app, client, login_as, seeded):
    login_as("hr")
    _add_decisions(app, seeded, 180)  # every third has no evidence: 60 more not aligned
    with app.app_context():
        expected = db.session.scalar(select(func.count(PeopleDecision.id)).where(
            PeopleDecision.aligned.is_(False), PeopleDecision.effective_date >= date(2026, 10, 1),
            PeopleDecision.effective_date <= date(2026, 12, 31)))
    assert expected > 50
    first = text(client.get("/people/report?quarter=2026-Q4"))
    second = text(client.get("/people/report?quarter=2026-Q4&page=2"))
    assert len(_not_aligned_listed(first)) == 50
    assert len(_not_aligned_listed(second)) == expected - 50
    assert not set(_not_aligned_listed(first)) & set(_not_aligned_listed(second))
    assert f"{expected} not aligned, oldest first, 50 a page." in first
    assert "Page 1 of 2" in first and 'href="/people/report?page=2&amp;quarter=2026-Q4"' in first
    # The headline counts the whole quarter, not the page.
    assert f'<p class="pp-stat-value">{expected}</p><p class="pp-stat-label">not aligned</p>' in first
    # The CSV still has every one of them.
    csv_rows = _csv(client.get("/people/report.csv?quarter=2026-Q4"))
    assert len([r for r in csv_rows if r[0] == "Not aligned"]) == expected


def test_the_report_page_does_not_grow_with_the_number_of_not_aligned_decisions(
        app, client, login_as, seeded):
    login_as("hr")
    _add_decisions(app, seeded, 160)
    one_page = len(client.get("/people/report?quarter=2026-Q4").data)
    _add_decisions(app, seeded, 320)
    many = client.get("/people/report?quarter=2026-Q4").data
    assert len(_not_aligned_listed(many.decode())) == 50
    # A few digits of the counts change; the list itself does not grow.
    assert abs(len(many) - one_page) < 500, (one_page, len(many))


# The account and the initiative are typed, with suggestions (tracker.forms.PickerField)

def _noah_and_an_initiative(app) -> tuple[dict[str, str], dict[str, str]]:
    """Noah's account (no longer active: a decision may name someone who left)
    and an initiative, as the ways each may be typed."""
    with app.app_context():
        noah = factories.make_user("member", name="Noah Kim", email="noah.kim@example.com",
                                   active=False)
        initiative = factories.make_initiative("Bring renewals in-house")
        db.session.commit()
        numbered = {"number": str(initiative.id), "hash number": f"#{initiative.id}",
                    "hash number and title": f"#{initiative.id} Bring renewals in-house",
                    "name": "bring renewals IN-HOUSE"}
        return ways_to_name(noah), numbered


@pytest.mark.parametrize(("way", "initiative_way"), zip(
    WAYS, ("number", "hash number", "hash number and title", "name"), strict=True))
def test_hr_names_the_account_and_the_initiative_in_any_way_the_pickers_take(
        app, client, login_as, seeded, way, initiative_way):
    account, initiative = _noah_and_an_initiative(app)
    login_as("hr")
    response = client.post("/people/new", data=form_data(
        seeded, user_id=account[way], initiative_id=initiative[initiative_way]))
    assert response.status_code == 302, (field_error(response, "user_id"),
                                         field_error(response, "initiative_id"))
    with app.app_context():
        stored = db.session.scalar(select(PeopleDecision).where(PeopleDecision.employee_ref == "E-1612"))
        assert (str(stored.user_id), str(stored.initiative_id)) == (account["number"], initiative["number"])
    edit = client.get(f"/people/{stored.id}/edit")
    assert picker(edit, "user_id")["value"] == "Noah Kim <noah.kim@example.com>"
    assert picker(edit, "initiative_id")["value"] == f"#{initiative['number']} Bring renewals in-house"


def test_a_name_or_title_the_pickers_cannot_tell_apart_keeps_what_was_typed(
        app, client, login_as, seeded):
    with app.app_context():
        for n in range(3):
            factories.make_user("member", name="Sam Lee", email=f"sam{n}@example.com")
        db.session.commit()
    login_as("hr")
    response = client.post("/people/new", data=form_data(seeded, user_id="Sam Lee",
                                                         initiative_id="Open Mars"))
    assert response.status_code == 200
    assert field_error(response, "user_id") == "3 people are called Sam Lee: type their email."
    assert field_error(response, "initiative_id") == (
        "No initiative called 'Open Mars': type its number, like #12, or choose one from the suggestions.")
    assert picker(response, "user_id")["value"] == "Sam Lee"
    assert picker(response, "initiative_id")["value"] == "Open Mars"
    assert decision_count(app) == 1


def test_the_decision_forms_do_not_grow_with_the_people_and_initiatives(app, client, login_as, seeded):
    login_as("hr")
    pages = ("/people/new", f"/people/{seeded['id']}/edit")

    few = statements_and_sizes(app, client, pages)
    add_many(app)
    many = statements_and_sizes(app, client, pages)
    assert [q for q, _ in many] == [q for q, _ in few]
    assert all(abs(m - f) < 50 for (_, m), (_, f) in zip(many, few, strict=True))
