"""Check-in pages through the test client: who may do what, what is stored,
what a person sees when something is wrong, and how many queries a page takes."""

import re
import threading
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import render_template_string
from markupsafe import escape
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from tests import factories
from tests.conftest import count_queries, make_app, sign_in_session
from tests.form_errors import banner, field_error
from tracker.checkins import saydo
from tracker.checkins import services as checkins
from tracker.checkins.models import CheckIn, Entry
from tracker.extensions import db
from tracker.history.models import HistoryEvent
from tracker.initiatives import services as initiatives
from tracker.metrics.models import Reading

DAY = date(2026, 3, 3)  # inside the default check-in period, after the initiatives start
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.fixed_now(NOW)
LATER = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)  # the check-in due on Friday 6 March is overdue


def today() -> date:
    return NOW.date()  # the organisation's date: its time zone is UTC unless set


ACTION = {"kind": "action", "text": "Terminated the Acme call-centre contract",
          "happened_on": DAY.isoformat(), "done_by": "Sam Owner", "evidence": "contract #4471"}
TALK = {"kind": "talk", "text": "We will put the customer first in everything we do"}
FLAGGED = {"kind": "action", "text": "We will terminate the contract next month",
           "happened_on": DAY.isoformat(), "done_by": "Sam Owner", "evidence": "PO-2291"}


def form(*rows: dict, readings: tuple[dict, ...] = ()) -> dict:
    """The fields the check-in form posts, one dict per row."""
    data = {}
    for i, row in enumerate(rows):
        values = {"kind": "", "text": "", "happened_on": "", "done_by": "", "evidence": "",
                  "behaviour_id": "0", **row}
        data.update({f"entries-{i}-{key}": value for key, value in values.items()})
    for i, reading in enumerate(readings):
        data.update({f"readings-{i}-{key}": value for key, value in reading.items()})
    return data


def amendment(**values) -> dict:
    return {"amends_id": "0", "kind": "talk", "text": "", "happened_on": "", "done_by": "",
            "evidence": "", "behaviour_id": "0", "note": "", **values}


def sign_in(client, user_id: int) -> None:
    sign_in_session(client, user_id)


def counts(app) -> tuple[int, int, int]:
    """(entries, readings, check-in history events) stored."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Entry)),
            db.session.scalar(select(func.count()).select_from(Reading)),
            db.session.scalar(select(func.count()).select_from(HistoryEvent).where(
                HistoryEvent.action.in_(("check-in", "amendment", "review")))),
        )


def state_of(app, checkin_id: int) -> str:
    with app.app_context():
        return db.session.get(CheckIn, checkin_id).state


@pytest.fixture
def world(app):
    """An owner with an in-progress initiative, a linked metric and an open check-in."""
    with app.app_context():
        department = factories.make_department("Customer Service")
        owner = factories.make_user("member", name="Sam Owner", department=department)
        initiative = factories.make_initiative("Bring the call centre in-house", owner=owner,
                                               status="in_progress", department=department,
                                               start_date=date(2026, 1, 5))
        metric = factories.make_metric("First-contact resolution", owner=owner)
        initiatives.link_metric(initiative, actor=owner, metric_id=metric.id,
                                expected_direction="increase", expected_amount=5,
                                expected_by=date(2026, 12, 1), now=NOW)
        checkin = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
        db.session.commit()
        return SimpleNamespace(owner_id=owner.id, initiative_id=initiative.id, checkin_id=checkin.id,
                               metric_id=metric.id, department_id=department.id)


def submit_directly(app, w, entries) -> None:
    """Submit through the service, as if the owner had used the form."""
    with app.app_context():
        checkin = db.session.get(CheckIn, w.checkin_id)
        owner = checkin.initiative.owner
        checkins.submit_checkin(checkin, actor=owner, entries=entries, now=NOW, today=today())
        db.session.commit()


def entry_ids(app, checkin_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(
            select(Entry.id).where(Entry.checkin_id == checkin_id).order_by(Entry.id)))


# --- permissions ---------------------------------------------------------------

@pytest.mark.parametrize("role", ["member", "hr", "executive", "admin"])
def test_anyone_signed_in_reads_a_checkin_but_only_the_owner_gets_the_form(app, client, login_as, world,
                                                                           role):
    login_as(role)
    page = client.get(f"/checkins/{world.checkin_id}").data.decode()
    assert "Bring the call centre in-house" in page
    assert "Only the initiative's owner, Sam Owner, reports on it." in page
    assert "Check wording" not in page and 'name="entries-0-text"' not in page
    sign_in(client, world.owner_id)
    page = client.get(f"/checkins/{world.checkin_id}").data.decode()
    assert "Check wording" in page and 'name="entries-2-text"' in page


@pytest.mark.parametrize("role", ["member", "hr", "executive", "admin"])
def test_someone_elses_checkin_refuses_submit_preview_and_amend_with_403_and_stores_nothing(
        app, client, login_as, world, role):
    login_as(role)
    assert client.post(f"/checkins/{world.checkin_id}/submit", data=form(ACTION)).status_code == 403
    assert client.post(f"/checkins/{world.checkin_id}/preview", data=form(ACTION)).status_code == 403
    assert state_of(app, world.checkin_id) == "open" and counts(app) == (0, 0, 0)
    submit_directly(app, world, [factories.action()])
    before = counts(app)
    response = client.post(f"/checkins/{world.checkin_id}/amend",
                           data=amendment(text="Only discussed it", note="Correcting"))
    assert response.status_code == 403
    assert counts(app) == before


@pytest.mark.parametrize("role", ["member", "hr"])
def test_review_queue_and_verdicts_are_refused_to_members_and_hr(app, client, login_as, world, role):
    submit_directly(app, world, [checkins.EntryInput(kind="action", text=FLAGGED["text"], happened_on=DAY,
                                                     done_by="Sam", evidence="PO-2291")])
    [entry_id] = entry_ids(app, world.checkin_id)
    login_as(role)
    assert client.get("/checkins/review").status_code == 403
    assert client.post(f"/checkins/entries/{entry_id}/review", data={"verdict": "talk"}).status_code == 403
    with app.app_context():
        assert db.session.get(Entry, entry_id).review_state == "pending"


@pytest.mark.parametrize("role", ["member", "hr", "executive", "admin"])
def test_say_do_pages_are_readable_by_every_signed_in_role(client, login_as, world, role):
    login_as(role)
    for path in ["/checkins/saydo", f"/checkins/saydo/owners/{world.owner_id}",
                 f"/checkins/saydo/departments/{world.department_id}"]:
        assert client.get(path).status_code == 200, path


def test_unknown_ids_are_404_not_500(client, login_as, world):
    login_as("executive")
    for path in ["/checkins/999999", "/checkins/saydo/owners/999999",
                 "/checkins/saydo/departments/999999", "/checkins/99999999999999999999"]:
        assert client.get(path).status_code == 404, path
    assert client.post("/checkins/entries/999999/review", data={"verdict": "talk"}).status_code == 404


# --- my check-ins ----------------------------------------------------------------

@pytest.mark.fixed_now(LATER)
def test_my_checkins_lists_open_ones_first_with_due_dates_and_marks_overdue(app, client, world):
    with app.app_context():
        initiative = db.session.get(initiatives.Initiative, world.initiative_id)
        factories.make_checkin(initiative, period_start=date(2026, 2, 23), state="missed")
        upcoming = factories.make_checkin(initiative, period_start=LATER.date() + timedelta(days=7))
        someone_else = factories.make_initiative("Somebody else's move", status="in_progress")
        factories.make_checkin(someone_else, period_start=date(2026, 3, 2))
        db.session.commit()
        upcoming_id = upcoming.id
    sign_in(client, world.owner_id)
    page = client.get("/checkins/").data.decode()
    to_report, closed = page.split("Submitted and missed")
    assert f"/checkins/{world.checkin_id}" in to_report and f"/checkins/{upcoming_id}" in to_report
    assert to_report.index(f"/checkins/{world.checkin_id}") < to_report.index(f"/checkins/{upcoming_id}")
    assert "Overdue" in to_report and "overdue since Fri 06 Mar" in to_report
    assert "Missed" in closed
    assert "Somebody else" not in page


def test_my_checkins_empty_state_explains_when_checkins_open(client, login_as):
    login_as("member")
    page = client.get("/checkins/").data.decode()
    assert "No check-ins yet" in page
    assert "announced" in page and "in progress" in page


def test_nav_links_check_ins_for_everyone_and_review_for_executives(client, login_as):
    login_as("member")
    nav = client.get("/checkins/").data.decode()
    assert ">Check-ins</a>" in nav and ">Review</a>" not in nav
    login_as("executive")
    assert ">Review</a>" in client.get("/checkins/").data.decode()


# --- the check-in form ------------------------------------------------------------

@pytest.mark.parametrize(("query", "rows"), [("", 3), ("?rows=7", 7), ("?rows=1000", 30),
                                             ("?rows=0", 1), ("?rows=lots", 3)])
def test_rows_parameter_sets_the_number_of_entry_rows_up_to_thirty(client, world, query, rows):
    sign_in(client, world.owner_id)
    page = client.get(f"/checkins/{world.checkin_id}{query}").data.decode()
    assert len(re.findall(r'name="entries-\d+-text"', page)) == rows


def test_form_defaults_who_did_it_to_the_owner_and_offers_a_reading_per_linked_metric(client, world):
    sign_in(client, world.owner_id)
    page = client.get(f"/checkins/{world.checkin_id}").data.decode()
    assert 'name="entries-0-done_by" type="text" value="Sam Owner"' in page
    assert "First-contact resolution" in page and f'value="{world.metric_id}"' in page
    assert '<meta name="csrf-token"' in page and "js/checkin.js" in page


def test_check_wording_shows_suggestion_reasons_and_disagreement_and_stores_nothing(app, client, world):
    sign_in(client, world.owner_id)
    response = client.post(f"/checkins/{world.checkin_id}/preview", data=form(ACTION, FLAGGED, {}))
    page = response.data.decode()
    assert response.status_code == 200
    assert page.count("Suggested from the wording") == 2
    assert "Disagrees: you chose action, the wording reads as talk." in page
    assert "Agrees with your choice." in page
    assert "future tense" in page  # a reason, quoting what it rests on
    assert "We will terminate the contract next month" in page  # what was typed is kept
    assert state_of(app, world.checkin_id) == "open" and counts(app) == (0, 0, 0)


def test_add_row_keeps_what_was_typed(app, client, world):
    sign_in(client, world.owner_id)
    page = client.post(f"/checkins/{world.checkin_id}/preview",
                       data={**form(TALK, ACTION, {}), "add_row": "1"}).data.decode()
    assert len(re.findall(r'name="entries-\d+-text"', page)) == 4
    assert "Terminated the Acme call-centre contract" in page
    assert counts(app) == (0, 0, 0)


def test_submit_stores_entries_readings_and_history_then_shows_them(app, client, world):
    sign_in(client, world.owner_id)
    data = form(ACTION, TALK, {}, readings=({"metric_id": world.metric_id, "value": "42.5",
                                             "observed_on": DAY.isoformat(), "note": "March sample"},))
    response = client.post(f"/checkins/{world.checkin_id}/submit", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/checkins/{world.checkin_id}")
    with app.app_context():
        checkin = db.session.get(CheckIn, world.checkin_id)
        assert checkin.state == "submitted" and checkin.submitted_by_id == world.owner_id
        assert [(e.kind, e.suggested_kind) for e in checkin.entries] == [("action", "action"),
                                                                        ("talk", "talk")]
        assert db.session.scalar(select(Reading.value)) == 42.5
        event = db.session.scalar(select(HistoryEvent).where(HistoryEvent.action == "check-in"))
        assert (event.subject_type, event.subject_id) == ("initiative", world.initiative_id)
        assert event.actor_id == world.owner_id
    page = client.get(f"/checkins/{world.checkin_id}").data.decode()
    assert "Check-in submitted" in page
    assert "Terminated the Acme call-centre contract" in page and "contract #4471" in page
    assert "Check wording" not in page and "Amend this check-in" in page


def test_double_submit_stores_one_submission_and_the_second_gets_a_friendly_message(app, client, world):
    sign_in(client, world.owner_id)
    first = client.post(f"/checkins/{world.checkin_id}/submit", data=form(ACTION))
    second = client.post(f"/checkins/{world.checkin_id}/submit", data=form(TALK), follow_redirects=True)
    assert first.status_code == 302
    assert second.status_code == 200
    assert "already submitted" in second.data.decode()
    assert counts(app) == (1, 0, 1)
    # A "Check wording" from a stale tab does not re-open the form either.
    stale = client.post(f"/checkins/{world.checkin_id}/preview", data=form(TALK))
    assert stale.status_code == 302 and counts(app) == (1, 0, 1)


def test_concurrent_submits_from_two_threads_store_exactly_one_submission(app, world, monkeypatch):
    """Two tabs submit at the same moment: both pass the "still open?" check
    in the view, then race on the state change; exactly one wins."""
    both_checked = threading.Barrier(2, timeout=10)
    clean = checkins._clean_entry

    def clean_after_both_checked(*args, **kwargs):
        both_checked.wait()
        return clean(*args, **kwargs)

    monkeypatch.setattr(checkins, "_clean_entry", clean_after_both_checked)
    responses = {}

    def post(name: str, row: dict) -> None:
        client = app.test_client()
        sign_in(client, world.owner_id)
        responses[name] = client.post(f"/checkins/{world.checkin_id}/submit", data=form(row))

    threads = [threading.Thread(target=post, args=("action", ACTION)),
               threading.Thread(target=post, args=("talk", TALK))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.status_code for r in responses.values()) == [302, 302]
    with app.app_context():
        entries = db.session.scalars(select(Entry)).all()
        assert len(entries) == 1
        assert db.session.get(CheckIn, world.checkin_id).state == "submitted"
    assert counts(app)[2] == 1  # one history event, for the one submission


def _too_long() -> dict:
    return {**TALK, "text": "x" * 100_000}


@pytest.mark.parametrize(
    ("rows", "field", "message", "typed"),
    [
        pytest.param([{**ACTION, "happened_on": (today() + timedelta(days=3)).isoformat()}],
                     "entries-0-happened_on", "An action cannot be dated in the future", ACTION["text"],
                     id="future"),
        pytest.param([TALK, {**ACTION, "evidence": "trust me"}],
                     "entries-1-evidence", "Evidence must be a link", "trust me", id="evidence"),
        pytest.param([{**ACTION, "evidence": "javascript:alert(1)"}],
                     "entries-0-evidence", "Evidence must be a link", "javascript:alert(1)",
                     id="javascript-evidence"),
        pytest.param([{}, {}, {}], None, "An empty check-in says nothing", None, id="empty"),
        pytest.param([_too_long()], "entries-0-text", "At most 5,000 characters.", "x" * 100_000,
                     id="100KB"),
        pytest.param([{**ACTION, "done_by": ""}], "entries-0-done_by", "Say who did it", ACTION["text"],
                     id="nobody"),
        pytest.param([{**ACTION, "happened_on": "2026-13-45"}], "entries-0-happened_on",
                     "Not a valid date value", ACTION["text"], id="bad-date"),
        pytest.param([{**ACTION, "kind": "sideways"}], "entries-0-kind", "Choose talk or action",
                     ACTION["text"], id="bad-kind"),
        pytest.param([{**ACTION, "behaviour_id": "abc"}], None, "fix what is marked", ACTION["text"],
                     id="bad-behaviour"),
        pytest.param([{**ACTION, "behaviour_id": "999999"}], "entries-0-behaviour_id", "Not a valid choice",
                     ACTION["text"], id="unknown-behaviour"),
    ],
)
def test_bad_input_is_explained_beside_its_field_with_the_form_as_typed_and_nothing_is_stored(
        app, client, world, rows, field, message, typed):
    sign_in(client, world.owner_id)
    response = client.post(f"/checkins/{world.checkin_id}/submit", data=form(*rows))
    page = response.data.decode()
    assert response.status_code == 200
    assert message in (field_error(page, field) if field else banner(page))
    assert "Nothing was submitted" in banner(page)
    if typed:
        assert typed.replace("'", "&#39;") in page
    assert state_of(app, world.checkin_id) == "open" and counts(app) == (0, 0, 0)


def test_the_row_at_fault_is_marked(client, world):
    sign_in(client, world.owner_id)
    page = client.post(f"/checkins/{world.checkin_id}/submit",
                       data=form({}, TALK, {**ACTION, "evidence": "see above"})).data.decode()
    row = page.split('id="row-3"')[1].split("</fieldset>\n    {% endfor %}")[0]
    assert "Evidence must be a link" in row
    assert field_error(page, "entries-2-evidence").startswith("Evidence must be a link")
    assert "ck-row-error" in page.split('id="row-3"')[0][-80:]
    assert "ck-row-error" not in page.split('id="row-2"')[0][-80:]


def test_every_refusal_of_a_submission_shows_at_once_beside_its_own_field(client, world):
    sign_in(client, world.owner_id)
    page = client.post(f"/checkins/{world.checkin_id}/submit", data=form(
        {**ACTION, "done_by": "", "evidence": "trust me"}, TALK,
        {**ACTION, "happened_on": (today() + timedelta(days=1)).isoformat()},
        readings=({"metric_id": world.metric_id, "value": "lots", "observed_on": DAY.isoformat(),
                   "note": ""},))).data.decode()
    assert field_error(page, "entries-0-done_by") == "Say who did it."
    assert field_error(page, "entries-0-evidence").startswith("Evidence must be a link")
    assert field_error(page, "entries-2-happened_on").startswith("An action cannot be dated in the future")
    assert field_error(page, "readings-0-value") == "First-contact resolution: The value must be a number."
    assert field_error(page, "entries-1-text") == ""
    assert banner(page) == "Nothing was submitted: fix what is marked below."


def test_a_bad_reading_is_explained_and_nothing_is_stored(app, client, world):
    sign_in(client, world.owner_id)
    for reading, field, message in [
            ({"value": "lots", "observed_on": DAY.isoformat()}, "value", "First-contact resolution:"),
            ({"value": "12", "observed_on": ""}, "observed_on", "Give the date the value was observed."),
            ({"value": "12", "observed_on": (today() + timedelta(days=2)).isoformat()}, "observed_on",
             "cannot be observed in the future")]:
        data = form(ACTION, readings=({"metric_id": world.metric_id, "note": "", **reading},))
        response = client.post(f"/checkins/{world.checkin_id}/submit", data=data)
        assert response.status_code == 200
        assert message in field_error(response, f"readings-0-{field}")
        assert state_of(app, world.checkin_id) == "open" and counts(app) == (0, 0, 0)


def test_a_reading_note_has_the_same_limit_in_a_checkin_as_on_the_metric_page(app, client, world):
    from tracker.metrics.services import MAX_NOTE

    sign_in(client, world.owner_id)
    reading = {"metric_id": world.metric_id, "value": "12", "observed_on": DAY.isoformat()}
    too_long = client.post(f"/checkins/{world.checkin_id}/submit",
                           data=form(ACTION, readings=({**reading, "note": "n" * (MAX_NOTE + 1)},)))
    assert "2000 characters" in field_error(too_long, "readings-0-note")
    response = client.post(f"/checkins/{world.checkin_id}/submit",
                           data=form(ACTION, readings=({**reading, "note": "n" * MAX_NOTE},)))
    assert response.status_code == 302
    with app.app_context():
        assert len(db.session.scalar(select(Reading.note))) == MAX_NOTE


def test_script_in_an_entry_is_stored_as_typed_and_shown_escaped(app, client, login_as, world):
    script = '<script>alert("x")</script> We will terminate the contract next month'
    sign_in(client, world.owner_id)
    client.post(f"/checkins/{world.checkin_id}/submit", data=form({**ACTION, "text": script}))
    with app.app_context():
        assert db.session.scalar(select(Entry.text)) == script
    executive_id = login_as("executive").id
    for who, path in [(world.owner_id, f"/checkins/{world.checkin_id}"),
                      (executive_id, f"/checkins/{world.checkin_id}"), (executive_id, "/checkins/review")]:
        sign_in(client, who)
        page = client.get(path).data.decode()
        assert "<script>alert" not in page, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, path


def test_evidence_is_a_link_only_when_it_is_a_link(app, client, world):
    sign_in(client, world.owner_id)
    rows = [{**ACTION, "evidence": "https://intranet.example/contracts/4471"},
            {**ACTION, "text": "Hired two agents for the new in-house team", "evidence": "HR file 2026/17"},
            {**ACTION, "text": "Refunded 40 customers", "evidence": ""}]
    client.post(f"/checkins/{world.checkin_id}/submit", data=form(*rows))
    page = client.get(f"/checkins/{world.checkin_id}").data.decode()
    assert ('<a href="https://intranet.example/contracts/4471" rel="noopener noreferrer nofollow"'
            in page)
    assert "HR file 2026/17" in page and 'href="HR file' not in page
    assert page.count("Unevidenced") == 1


def test_a_missed_checkin_is_closed_and_says_so(app, client, world):
    with app.app_context():
        initiative = db.session.get(initiatives.Initiative, world.initiative_id)
        missed = factories.make_checkin(initiative, period_start=date(2026, 2, 23), state="missed")
        db.session.commit()
        missed_id = missed.id
    sign_in(client, world.owner_id)
    assert "Nothing was submitted by" in client.get(f"/checkins/{missed_id}").data.decode()
    response = client.post(f"/checkins/{missed_id}/submit", data=form(ACTION), follow_redirects=True)
    assert "missed and is closed" in response.data.decode()
    assert state_of(app, missed_id) == "missed" and counts(app) == (0, 0, 0)


# --- amendments ------------------------------------------------------------------

def test_owner_amends_an_entry_and_it_shows_under_the_original_with_who_when_and_note(app, client, world):
    submit_directly(app, world, [factories.action(), factories.talk()])
    original_id, _ = entry_ids(app, world.checkin_id)
    sign_in(client, world.owner_id)
    response = client.post(f"/checkins/{world.checkin_id}/amend", data=amendment(
        amends_id=str(original_id), kind="talk", text="Only discussed terminating the Acme contract",
        note="It was not signed yet"))
    assert response.status_code == 302
    with app.app_context():
        amendment_id = db.session.scalar(select(Entry.id).where(Entry.amends_id == original_id))
        assert response.headers["Location"].endswith(f"#entry-{amendment_id}")
        original = db.session.get(Entry, original_id)
        assert original.text == "Terminated the Acme call-centre contract" and original.kind == "action"
        event = db.session.scalar(select(HistoryEvent).where(HistoryEvent.action == "amendment"))
        assert (event.subject_type, event.subject_id) == ("initiative", world.initiative_id)
        record = saydo.records_for([original.checkin.initiative], today=today())[world.initiative_id]
        assert (record.actions, record.talk) == (0, 2)
    page = client.get(f"/checkins/{world.checkin_id}").data.decode()
    thread = page.split(f'id="entry-{original_id}"')[1].split('<li class="ck-thread"')[0]
    assert "Terminated the Acme call-centre contract" in thread  # the original, still there
    assert "Replaced by the amendment below" in thread
    assert "Amendment</span> by Sam Owner" in thread and "It was not signed yet" in thread
    assert "Only discussed terminating the Acme contract" in thread


def test_owner_adds_a_missing_entry_by_amendment(app, client, world):
    submit_directly(app, world, [factories.talk()])
    sign_in(client, world.owner_id)
    client.post(f"/checkins/{world.checkin_id}/amend", data=amendment(
        kind="action", text="Hired two agents for the in-house team", happened_on=DAY.isoformat(),
        done_by="Sam Owner", evidence="HR file 2026/17", note="Forgot it on Friday"))
    with app.app_context():
        added = db.session.scalars(select(Entry).where(Entry.is_amendment)).one()
        assert added.amends_id is None and added.kind == "action"
    page = client.get(f"/checkins/{world.checkin_id}").data.decode()
    assert "Added after submitting" in page and "Forgot it on Friday" in page


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"text": "Only discussed it", "note": ""}, "note", "Say why you are amending it."),
    ({"text": "", "note": "why"}, "text", "Say what happened."),
    ({"kind": "action", "text": "Ended the contract", "happened_on": "2099-01-01", "done_by": "Sam",
      "note": "why"}, "happened_on", "An action cannot be dated in the future"),
    ({"kind": "action", "text": "Ended the contract", "happened_on": DAY.isoformat(), "done_by": "Sam",
      "evidence": "trust me", "note": "why"}, "evidence", "Evidence must be a link"),
    ({"text": "Discussed it", "note": "why", "amends_id": "999999"}, "amends_id",
     "not part of this check-in"),
])
def test_bad_amendments_are_explained_beside_the_field_and_nothing_is_stored(app, client, world, values,
                                                                            field, message):
    submit_directly(app, world, [factories.action()])
    before = counts(app)
    sign_in(client, world.owner_id)
    response = client.post(f"/checkins/{world.checkin_id}/amend", data=amendment(**values))
    assert response.status_code == 200 and message in field_error(response, field)
    assert "Nothing was amended" in banner(response)
    assert counts(app) == before


def test_every_refusal_of_an_amendment_shows_at_once_beside_its_own_field(app, client, world):
    submit_directly(app, world, [factories.action()])
    sign_in(client, world.owner_id)
    page = client.post(f"/checkins/{world.checkin_id}/amend", data=amendment(
        kind="action", text="Ended the contract", happened_on="2099-01-01", evidence="trust me",
        amends_id="999999", note="It was not signed")).get_data(as_text=True)
    assert field_error(page, "amends_id") == "That entry is not part of this check-in."
    assert field_error(page, "happened_on").startswith("An action cannot be dated in the future")
    assert field_error(page, "done_by") == "Say who did it."
    assert field_error(page, "evidence").startswith("Evidence must be a link")
    assert banner(page) == "Nothing was amended: fix what is marked below."


def test_amending_an_entry_twice_points_to_the_amendment(app, client, world):
    submit_directly(app, world, [factories.action()])
    [original_id] = entry_ids(app, world.checkin_id)
    sign_in(client, world.owner_id)
    values = amendment(amends_id=str(original_id), text="Discussed it", note="correction")
    assert client.post(f"/checkins/{world.checkin_id}/amend", data=values).status_code == 302
    again = client.post(f"/checkins/{world.checkin_id}/amend", data=values)
    assert "already amended; amend the amendment instead" in again.data.decode()
    assert counts(app)[0] == 2


def _amend_at_once(app, world, monkeypatch, bodies: list[dict]) -> list:
    """Post every body to the amend page from its own thread and client; all
    reach the service together (a barrier), so they race for real."""
    all_ready = threading.Barrier(len(bodies), timeout=20)
    amend = checkins.amend

    def amend_when_all_are_ready(*args, **kwargs):
        all_ready.wait()
        return amend(*args, **kwargs)

    monkeypatch.setattr(checkins, "amend", amend_when_all_are_ready)
    responses = [None] * len(bodies)

    def post(i: int) -> None:
        client = app.test_client()
        sign_in(client, world.owner_id)
        responses[i] = client.post(f"/checkins/{world.checkin_id}/amend", data=bodies[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def _tallies_and_recount(app, checkin_id: int) -> tuple[tuple, tuple]:
    with app.app_context():
        checkin = db.session.get(CheckIn, checkin_id)
        stored = (checkin.evidenced_count, checkin.unevidenced_count, checkin.talk_count)
        standing = checkins.standing_entries(checkin)
        recount = (sum(e.effective_kind == "action" and bool(e.evidence) for e in standing),
                   sum(e.effective_kind == "action" and not e.evidence for e in standing),
                   sum(e.effective_kind == "talk" for e in standing))
        return stored, recount


def test_ten_parallel_amendments_of_one_entry_store_one(app, world, monkeypatch):
    submit_directly(app, world, [factories.action()])
    [original_id] = entry_ids(app, world.checkin_id)
    bodies = [amendment(amends_id=str(original_id), text=f"Only discussed it ({n})", note="correction")
              for n in range(10)]
    responses = _amend_at_once(app, world, monkeypatch, bodies)
    assert sorted(r.status_code for r in responses) == [200] * 9 + [302]
    refused = [r for r in responses if r.status_code == 200]
    assert all("already amended; amend the amendment instead" in r.data.decode() for r in refused)
    with app.app_context():
        stored = db.session.scalars(select(Entry).where(Entry.amends_id == original_id)).all()
        assert len(stored) == 1
    assert counts(app) == (2, 0, 2)  # the original and one amendment; two history events
    stored_tallies, recount = _tallies_and_recount(app, world.checkin_id)
    assert stored_tallies == recount == (0, 0, 1)


def test_ten_parallel_additions_are_all_counted_in_the_tallies(app, world, monkeypatch):
    submit_directly(app, world, [factories.action()])
    bodies = [amendment(text=f"We discussed the contract again ({n})", note="left out")
              for n in range(10)]
    responses = _amend_at_once(app, world, monkeypatch, bodies)
    assert [r.status_code for r in responses] == [302] * 10
    assert counts(app)[0] == 11
    stored_tallies, recount = _tallies_and_recount(app, world.checkin_id)
    assert stored_tallies == recount == (1, 0, 10)


def test_an_entry_is_amended_once_whatever_the_check_before_says(app, world):
    """The unique index holds even when the service's own check is passed."""
    submit_directly(app, world, [factories.action()])
    [original_id] = entry_ids(app, world.checkin_id)
    with app.app_context():
        for n in range(2):
            db.session.add(Entry(checkin_id=world.checkin_id, kind="talk", text=f"Talk {n}",
                                 suggested_kind="talk", amends_id=original_id, is_amendment=True))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_an_open_checkin_is_submitted_not_amended(app, client, world):
    sign_in(client, world.owner_id)
    response = client.post(f"/checkins/{world.checkin_id}/amend",
                           data=amendment(text="Discussed it", note="why"), follow_redirects=True)
    assert "Only a submitted check-in is amended" in response.data.decode()
    assert counts(app) == (0, 0, 0)


# --- the live suggestion -----------------------------------------------------------

def test_classify_returns_the_kind_and_reasons(client, login_as):
    login_as("member")
    talk = client.post("/checkins/classify", json={"text": "We will announce a new vision next month"})
    action = client.post("/checkins/classify",
                         json={"text": "Terminated the Acme call-centre contract on Monday"})
    assert talk.get_json()["kind"] == "talk" and talk.get_json()["reasons"]
    assert action.get_json()["kind"] == "action"


@pytest.mark.parametrize("body", [{"json": {"text": "x" * 5001}}, {"json": {"text": 12}},
                                  {"json": ["text"]}, {"data": "not json"}])
def test_classify_refuses_bad_or_oversized_input_with_a_json_400(client, login_as, body):
    login_as("member")
    response = client.post("/checkins/classify", **body)
    assert response.status_code == 400 and response.get_json()["error"]


def test_classify_accepts_exactly_5000_characters(client, login_as):
    login_as("member")
    assert client.post("/checkins/classify", json={"text": "x" * 5000}).status_code == 200


@pytest.fixture
def csrf_client(tmp_path, request):
    app = make_app(tmp_path, "sqlite", request, WTF_CSRF_ENABLED=True)
    with app.app_context():
        owner = factories.make_user("member")
        initiative = factories.make_initiative(owner=owner, status="in_progress")
        checkin = factories.make_checkin(initiative)
        db.session.commit()
        ids = owner.id, checkin.id
    client = app.test_client()
    sign_in(client, ids[0])
    yield client, ids[1]
    with app.app_context():
        db.engine.dispose()


def test_classify_needs_the_csrf_token_from_the_page_in_a_header(csrf_client):
    client, checkin_id = csrf_client
    assert client.post("/checkins/classify", json={"text": "We hired two agents"}).status_code == 400
    page = client.get(f"/checkins/{checkin_id}").data.decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/checkins/classify", json={"text": "We hired two agents"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["kind"] in ("talk", "action")


# --- review queue ------------------------------------------------------------------

@pytest.fixture
def flagged(app, world):
    """A submitted check-in with one agreed entry and one flagged entry."""
    submit_directly(app, world, [factories.action(),
                                 checkins.EntryInput(kind="action", text=FLAGGED["text"], happened_on=DAY,
                                                     done_by="Sam", evidence="PO-2291")])
    agreed_id, flagged_id = entry_ids(app, world.checkin_id)
    return SimpleNamespace(**vars(world), agreed_id=agreed_id, flagged_id=flagged_id)


@pytest.mark.parametrize("role", ["executive", "admin"])
def test_review_queue_shows_flagged_entries_with_choice_suggestion_reasons_initiative_and_owner(
        client, login_as, flagged, role):
    login_as(role)
    page = client.get("/checkins/review").data.decode()
    assert page.count('class="card ck-queue-item"') == 1
    assert f'id="review-{flagged.flagged_id}"' in page
    assert FLAGGED["text"] in page and "future tense" in page
    assert "Bring the call centre in-house" in page and "owner Sam Owner" in page
    # Two outcomes, two buttons: "Count as action" would only repeat the owner's choice.
    assert "Count as talk" in page and "Confirm owner's choice (action)" in page
    assert "Count as action" not in page


def test_executive_reclassifies_a_flagged_entry_which_leaves_the_queue_and_is_recorded(app, client,
                                                                                      login_as, flagged):
    executive = login_as("executive")
    response = client.post(f"/checkins/entries/{flagged.flagged_id}/review", data={"verdict": "talk"},
                           follow_redirects=True)
    assert "Entry reclassified: it counts as talk." in response.data.decode()
    assert f'id="review-{flagged.flagged_id}"' not in response.data.decode()
    with app.app_context():
        entry = db.session.get(Entry, flagged.flagged_id)
        assert (entry.kind, entry.review_state, entry.effective_kind) == ("action", "reclassified", "talk")
        assert entry.reviewed_by_id == executive.id
        event = db.session.scalar(select(HistoryEvent).where(HistoryEvent.action == "review"))
        assert (event.subject_type, event.subject_id, event.actor_id) == (
            "initiative", flagged.initiative_id, executive.id)
    page = client.get(f"/checkins/{flagged.checkin_id}").data.decode()
    assert "Reclassified" in page and "Counts as Talk" in page


def test_confirming_keeps_the_owners_choice(app, client, login_as, flagged):
    login_as("admin")
    client.post(f"/checkins/entries/{flagged.flagged_id}/review", data={"verdict": "confirm"})
    with app.app_context():
        entry = db.session.get(Entry, flagged.flagged_id)
        assert (entry.review_state, entry.effective_kind) == ("confirmed", "action")


@pytest.mark.parametrize(("entry", "verdict", "message"), [
    ("agreed_id", "talk", "not waiting for review"),
    ("flagged_id", "sideways", "Choose: confirm the owner"),
    ("flagged_id", "", "Choose: confirm the owner"),
])
def test_a_verdict_that_cannot_apply_is_explained_not_stored(app, client, login_as, flagged, entry,
                                                             verdict, message):
    login_as("executive")
    response = client.post(f"/checkins/entries/{getattr(flagged, entry)}/review",
                           data={"verdict": verdict}, follow_redirects=True)
    assert response.status_code == 200 and message in response.data.decode()
    with app.app_context():
        assert db.session.get(Entry, flagged.flagged_id).review_state == "pending"
    assert counts(app)[2] == 1  # only the submission


def test_empty_review_queue_says_what_would_appear(client, login_as):
    login_as("executive")
    assert "Nothing to review" in client.get("/checkins/review").data.decode()


# --- say/do --------------------------------------------------------------------------

def _history(owner, department, *, weeks: int, actions: bool, title: str, metric=None):
    """An initiative with `weeks` submitted check-ins, each one action or one talk entry."""
    initiative = factories.make_initiative(title, owner=owner, status="in_progress", department=department,
                                           start_date=date(2025, 1, 6))
    if metric is not None:
        initiatives.link_metric(initiative, actor=owner, metric_id=metric.id,
                                expected_direction="increase", expected_amount=5,
                                expected_by=date(2026, 12, 1), now=NOW)
    # Recent weeks: the say/do record looks back from today.
    this_monday = today() - timedelta(days=today().weekday())
    first = this_monday - timedelta(weeks=weeks)
    for week in range(weeks):
        checkin = factories.make_checkin(initiative, period_start=first + timedelta(weeks=week))
        entry = (factories.action(on=checkin.period_start) if actions
                 else factories.talk(f"Discussed it {week}"))
        checkins.submit_checkin(checkin, actor=owner, entries=[entry], now=NOW, today=today())
    return initiative


def test_say_do_overview_ranks_owners_and_departments_with_counts_flags_and_reasons(app, client, login_as):
    with app.app_context():
        sales, service = factories.make_department("Sales"), factories.make_department("Service")
        doer = factories.make_user("member", name="Dora Doer", department=service)
        talker = factories.make_user("member", name="Tom Talker", department=sales)
        _history(doer, service, weeks=4, actions=True, title="In-source the call centre")
        _history(talker, sales, weeks=4, actions=False, title="Customer-first charter")
        db.session.commit()
    login_as("hr")
    page = client.get("/checkins/saydo").data.decode()
    owners = page.split('id="owners-heading"')[1].split('id="departments-heading"')[0]
    departments = page.split('id="departments-heading"')[1]
    assert owners.index("Dora Doer") < owners.index("Tom Talker")
    assert departments.index("Service") < departments.index("Sales")
    assert "100%" in owners and "0%" in owners
    assert "Talk only" in owners and "Unmeasured" in owners
    assert saydo.FLAG_WHY["talk_only"] in page and saydo.FLAG_WHY["unmeasured"] in page
    assert escape(saydo.EXPLANATION) in page
    assert escape(saydo.RANKING_EXPLANATION) in page  # the order and its tie-breaks, in words


def _ranked_names(section: str, names: list[str]) -> list[str]:
    return sorted((name for name in names if name in section), key=section.index)


def test_say_do_page_and_dashboard_rank_the_same_owners_in_the_same_order(app, client, login_as):
    """One ranking: higher ratio first; on an equal ratio more evidenced actions;
    then the name ignoring case; nothing reported (only missed) last."""
    with app.app_context():
        service = factories.make_department("Service")
        people = {name: factories.make_user("member", name=name, department=service)
                  for name in ("Bob Busy", "amy Able", "Cal Calm", "Tom Talker", "Al Absent")}
        _history(people["Bob Busy"], service, weeks=4, actions=True, title="Bob's move")
        _history(people["amy Able"], service, weeks=2, actions=True, title="Amy's move")
        _history(people["Cal Calm"], service, weeks=2, actions=True, title="Cal's move")
        _history(people["Tom Talker"], service, weeks=2, actions=False, title="Tom's move")
        absent = factories.make_initiative("Al's move", owner=people["Al Absent"], status="in_progress",
                                           department=service, start_date=date(2025, 1, 6))
        monday = today() - timedelta(days=today().weekday())
        for week in (2, 3):
            factories.make_checkin(absent, period_start=monday - timedelta(weeks=week), state="missed")
        db.session.commit()
    expected = ["Bob Busy", "amy Able", "Cal Calm", "Tom Talker", "Al Absent"]
    login_as("executive")
    overview = client.get("/checkins/saydo").data.decode()
    owners = overview.split('id="owners-heading"')[1].split('id="departments-heading"')[0]
    dashboard = client.get("/").data.decode()
    leaders = dashboard.split("Who carries the change")[1].split("Departments")[0]
    assert _ranked_names(owners, expected) == expected
    assert _ranked_names(leaders, expected) == expected


def test_say_do_owner_and_department_pages_show_each_initiative_and_the_total(app, client, login_as):
    with app.app_context():
        service = factories.make_department("Service")
        doer = factories.make_user("member", name="Dora Doer", department=service)
        _history(doer, service, weeks=3, actions=True, title="In-source the call centre")
        _history(doer, service, weeks=3, actions=False, title="Customer-first charter")
        db.session.commit()
        doer_id, service_id = doer.id, service.id
    login_as("member")
    for path in [f"/checkins/saydo/owners/{doer_id}", f"/checkins/saydo/departments/{service_id}"]:
        page = client.get(path).data.decode()
        assert "In-source the call centre" in page and "Customer-first charter" in page, path
        total = page.split('id="total-heading"')[1].split("</section>")[0]
        assert "50%" in total  # 3 evidenced actions of 6 entries
        assert "<dd>3</dd>" in total and escape(saydo.EXPLANATION) in total
        assert "Unmeasured ×2" in total and saydo.FLAG_WHY["talk_only"] in page


def test_say_do_partial_renders_counts_percentage_bar_and_flag_reasons(app):
    record = saydo.SayDo(evidenced=3, unevidenced=1, talk=4, missed=2, submitted=6,
                         flags=["talk_only", "gone_quiet"])
    with app.test_request_context():
        html = render_template_string(
            '{% with record=record, explain=True %}{% include "checkins/_saydo.html" %}{% endwith %}',
            record=record)
        empty = render_template_string('{% include "checkins/_saydo.html" %}', record=saydo.SayDo())
    assert "44%" in html  # (3 + 0.5) / 8
    assert '<rect class="ck-bar-fill" width="44"' in html
    for flag in ("talk_only", "gone_quiet"):
        assert saydo.FLAG_TEXT[flag] in html and saydo.FLAG_WHY[flag] in html
    assert escape(saydo.EXPLANATION) in html
    assert "No entries yet" in empty and escape(saydo.EXPLANATION) not in empty


# --- query counts -----------------------------------------------------------------------

def _queries(app, client, path: str) -> int:
    with count_queries(app) as n:
        assert client.get(path).status_code == 200, path
        return n()


def test_say_do_pages_take_the_same_number_of_queries_for_10_or_100_checkins(app, client, login_as):
    with app.app_context():
        department = factories.make_department("Ops")
        owner = factories.make_user("member", department=department)
        metric = factories.make_metric(owner=owner)
        _history(owner, department, weeks=5, actions=True, title="First", metric=metric)
        _history(owner, department, weeks=5, actions=False, title="Second")
        db.session.commit()
        owner_id, department_id = owner.id, department.id
    login_as("executive")
    paths = ["/checkins/saydo", f"/checkins/saydo/owners/{owner_id}",
             f"/checkins/saydo/departments/{department_id}"]
    small = [_queries(app, client, path) for path in paths]
    with app.app_context():
        for n in range(9):
            other_department = factories.make_department(f"Department {n}")
            other = factories.make_user("member", department=other_department)
            _history(other, other_department, weeks=10, actions=n % 2 == 0, title=f"More {n}")
        for n in range(9):
            _history(db.session.get(type(other), owner_id), db.session.get(type(department), department_id),
                     weeks=1, actions=True, title=f"Owner's {n}")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 109
    # Computed in full at both sizes (kept figures are brought up to date
    # after a write, in a few more queries: tests/dashboard checks those).
    app.extensions.pop("tracker_cache", None)
    large = [_queries(app, client, path) for path in paths]
    assert large == small, (small, large)
    assert max(small) <= 10


def _owners_section(page: str) -> str:
    return page.split('id="owners-heading"')[1].split('id="departments-heading"')[0]


def _many_owners(app, count: int, department_name: str = "Ops") -> None:
    """`count` owners named 'Owner 000'... with one in-progress initiative each,
    none reported yet: they rank by name."""
    with app.app_context():
        department = factories.make_department(department_name)
        for n in range(count):
            owner = factories.make_user("member", name=f"Owner {n:03d}", department=department)
            factories.make_initiative(f"Move {n}", owner=owner, status="in_progress", department=department)
        db.session.commit()


def test_say_do_overview_pages_its_owners_and_shows_every_department(app, client, login_as):
    per_page = 50
    _many_owners(app, per_page + 5)
    login_as("executive")
    first = _owners_section(client.get("/checkins/saydo").data.decode())
    assert "55 owners · page 1 of 2" in first
    assert "Owner 000" in first and "Owner 049" in first and "Owner 050" not in first
    assert "page=2" in first and "Next" in first
    second_page = client.get("/checkins/saydo?page=2").data.decode()
    second = _owners_section(second_page)
    assert "Owner 050" in second and "Owner 054" in second and "Owner 049" not in second
    assert '<td class="num ck-rank-no" data-label="Rank">51</td>' in second  # ranks go on counting
    assert "Previous" in second and "Next" not in second
    assert "Ops" in second_page.split('id="departments-heading"')[1]  # every department on every page
    beyond = client.get("/checkins/saydo?page=9")
    assert beyond.status_code == 200
    beyond_owners = _owners_section(beyond.data.decode())
    assert "No owners on this page" in beyond_owners and "Owner 0" not in beyond_owners
    assert "page=2" in beyond_owners  # Previous leads back to the last page
    for junk in ("0", "-1", "abc", "99999999999"):
        assert "Owner 000" in _owners_section(client.get(f"/checkins/saydo?page={junk}").data.decode()), junk


def test_owner_and_department_say_do_pages_show_50_initiatives_a_page_with_the_whole_total(app, client,
                                                                                          login_as):
    with app.app_context():
        department = factories.make_department("Ops")
        owner = factories.make_user("member", name="Busy Owner", department=department)
        for n in range(55):
            factories.make_initiative(f"Move {n:03d}", owner=owner, status="in_progress",
                                      department=department)
        db.session.commit()
        paths = [f"/checkins/saydo/owners/{owner.id}", f"/checkins/saydo/departments/{department.id}"]
    login_as("executive")
    for path in paths:
        first = client.get(path).data.decode()
        assert ": 55 · page 1 of 2" in first, path
        assert "Move 000" in first and "Move 049" in first and "Move 050" not in first
        assert first.count('class="card" aria-labelledby="initiative-') == 50
        second = client.get(f"{path}?page=2").data.decode()
        assert "Move 050" in second and "Move 054" in second and "Move 049" not in second
        assert "Previous" in second and "Next" not in second
        beyond = client.get(f"{path}?page=7").data.decode()
        assert "No initiatives on this page" in beyond and "page=2" in beyond


def test_say_do_overview_takes_the_same_queries_for_5_or_120_owners_and_sends_no_id_list(app, client,
                                                                                          login_as):
    """Counted with the figures computed (after a change) and kept (unchanged
    data); whatever the size, no statement carries the initiatives' ids."""
    _many_owners(app, 5)
    login_as("executive")

    def measure(path: str) -> tuple[int, int, int]:
        parameters: list[int] = []

        def before(conn, cursor, statement, params, context, executemany):
            parameters.append(len(params))

        with app.app_context():
            engine = db.engine
        app.extensions.pop("tracker_cache", None)  # computed in full at both sizes
        with count_queries(app) as computed:
            event.listen(engine, "before_cursor_execute", before)
            try:
                assert client.get(path).status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", before)
            cold = computed()
        with count_queries(app) as kept:
            assert client.get(path).status_code == 200
            warm = kept()
        return cold, warm, max(parameters)

    small = [measure(path) for path in ("/checkins/saydo", "/checkins/saydo?page=2")]
    _many_owners(app, 115, "Sales")
    large = [measure(path) for path in ("/checkins/saydo", "/checkins/saydo?page=2")]
    assert [(cold, warm) for cold, warm, _ in large] == [(cold, warm) for cold, warm, _ in small]
    assert max(cold for cold, _, _ in large) <= 10
    assert large[0][1] < large[0][0]  # the figures were kept: page 2 finds them too
    assert max(most for _, _, most in large) < 20, large


def _flag_entries(app, n: int) -> None:
    """`n` entries the owner calls action whose wording reads as talk: each waits for review."""
    with app.app_context():
        owner = factories.make_user("member")
        initiative = factories.make_initiative(owner=owner, status="in_progress")
        checkin = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
        checkins.submit_checkin(checkin, actor=owner, now=NOW, today=today(), entries=[
            checkins.EntryInput(kind="action", text=f"We will end contract {i} next month",
                                happened_on=DAY, done_by="Sam") for i in range(n)])
        db.session.commit()


def _queued(page: str) -> list[str]:
    return re.findall(r'id="review-(\d+)"', page)


def test_review_queue_takes_the_same_number_of_queries_for_2_or_80_flagged_entries(app, client, login_as,
                                                                                   world):
    login_as("executive")
    _flag_entries(app, 2)
    small = _queries(app, client, "/checkins/review")
    for _ in range(3):
        _flag_entries(app, 26)
    assert _queries(app, client, "/checkins/review") == small
    assert _queries(app, client, "/checkins/review?page=2") == small


def test_review_queue_is_paged_oldest_first_and_counts_every_waiting_entry(app, client, login_as, world):
    login_as("executive")
    for _ in range(3):
        _flag_entries(app, 20)
    first = client.get("/checkins/review").data.decode()
    second = client.get("/checkins/review?page=2").data.decode()
    assert "60 entries waiting, oldest first, 50 a page." in first
    assert len(_queued(first)) == 50 and len(_queued(second)) == 10
    assert [int(i) for i in _queued(first) + _queued(second)] == sorted(
        int(i) for i in _queued(first) + _queued(second))
    assert "Page 1 of 2" in first and 'href="/checkins/review?page=2"' in first
    # A verdict given on page 2 comes back to page 2.
    entry_id = _queued(second)[0]
    assert f'action="/checkins/entries/{entry_id}/review?page=2"' in second
    response = client.post(f"/checkins/entries/{entry_id}/review?page=2",
                           data={"verdict": "confirm"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/checkins/review?page=2")
    assert "59 entries waiting" in client.get("/checkins/review").data.decode()


def test_review_queue_page_does_not_grow_with_the_length_of_the_queue(app, client, login_as, world):
    login_as("executive")
    for _ in range(2):
        _flag_entries(app, 30)
    one_page = len(client.get("/checkins/review").data)
    for _ in range(4):
        _flag_entries(app, 30)
    many = client.get("/checkins/review").data
    assert len(_queued(many.decode())) == 50
    assert abs(len(many) - one_page) < 200, (one_page, len(many))


def test_checkin_pages_take_the_same_number_of_queries_for_2_or_20_entries(app, client, login_as, world):
    with app.app_context():
        owner = db.session.get(type(factories.make_user()), world.owner_id)
        initiative = db.session.get(initiatives.Initiative, world.initiative_id)
        small = factories.make_checkin(initiative, period_start=date(2026, 2, 16))
        large = factories.make_checkin(initiative, period_start=date(2026, 2, 23))
        for checkin, n in ((small, 2), (large, 20)):
            checkins.submit_checkin(checkin, actor=owner, now=NOW, today=today(), entries=[
                factories.action(f"Terminated contract {i}") if i % 2 else factories.talk(f"Discussed {i}")
                for i in range(n)])
        db.session.commit()
        small_id, large_id = small.id, large.id
    for who in (world.owner_id, login_as("executive").id):
        sign_in(client, who)
        assert (_queries(app, client, f"/checkins/{small_id}")
                == _queries(app, client, f"/checkins/{large_id}"))
    sign_in(client, world.owner_id)
    mine_small = _queries(app, client, "/checkins/")
    with app.app_context():
        initiative = db.session.get(initiatives.Initiative, world.initiative_id)
        for week in range(10):
            factories.make_checkin(initiative, period_start=date(2025, 6, 2) + timedelta(weeks=week),
                                   state="missed")
        db.session.commit()
    assert _queries(app, client, "/checkins/") == mine_small
