"""Lost updates: two people open the same edit form; the first saves one field,
the second saves another with the rest of the form as it was loaded. The
second save is refused with what changed since (field: theirs against
yours), the form comes back with the stored values and the second person's
own edit, and saving that applies both. Every edit form, both engines."""

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import sign_in_session
from tests.form_values import form_values
from tracker.extensions import db
from tracker.history.models import HistoryEvent


@dataclass
class Case:
    """One edit form: how to make its record, where its form is, which two
    fields the two people change, and how to read them back."""

    make: Callable[[], int]            # runs in an app context, returns the record's id
    url: str                           # with {id}
    first: tuple[str, str, str]        # (field, label, new value)
    second: tuple[str, str, str]
    read: Callable[[int], dict]        # field -> stored value, as the form shows it
    # The first field's value from the i-th of several people saving at once.
    race_value: Callable[[int], str] | None = None

    def value_from(self, i: int) -> str:
        return self.race_value(i) if self.race_value else f"{self.first[2]} ({i})"


def _initiative() -> int:
    return factories.make_initiative("Bring the call centre in-house").id


def _read_initiative(record_id: int) -> dict:
    from tracker.initiatives.models import Initiative

    initiative = db.session.get(Initiative, record_id)
    return {"title": initiative.title, "description": initiative.description}


def _metric() -> int:
    return factories.make_metric("First-contact resolution").id


def _read_metric(record_id: int) -> dict:
    from tracker.metrics.models import Metric

    metric = db.session.get(Metric, record_id)
    return {"name": metric.name, "standard": metric.standard}


def _behaviour() -> int:
    return factories.make_behaviour("Refund up to $200 without asking").id


def _read_behaviour(record_id: int) -> dict:
    from tracker.behaviours.models import Behaviour

    behaviour = db.session.get(Behaviour, record_id)
    return {"name": behaviour.name, "to_behaviour": behaviour.to_behaviour}


def _decision() -> int:
    from datetime import date

    from tracker.people import decisions

    hr = factories.make_user("hr")
    service = factories.make_department("Customer Service")
    bend = factories.make_behaviour("Bending a rule for a customer")
    return decisions.create_decision(actor=hr, today=date(2026, 11, 1), now=factories.NOW,
                                     data=decisions.DecisionInput(
        person_name="Aisha Rahman", employee_ref="E-2031", kind="promotion",
        effective_date=date(2026, 10, 1), department_id=service.id,
        decided_by="Sam Whitfield", rationale="The agent others ask.",
        role_from="Service Agent", role_to="Service Team Lead",
        evidence=(decisions.EvidenceInput(behaviour_id=bend.id, what="Refunded $180 on the spot",
                                          observed_on=date(2026, 9, 1), where="Case CS-48812"),))).id


def _read_decision(record_id: int) -> dict:
    from tracker.people.models import PeopleDecision

    decision = db.session.get(PeopleDecision, record_id)
    return {"role_to": decision.role_to, "rationale": decision.rationale}


def _settings() -> int:
    from tracker.organisation.models import OrgSettings

    db.session.add(OrgSettings(id=1, timezone="UTC", default_cadence="weekly", default_weekday=4,
                               grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8))
    return 1


def _read_settings(record_id: int) -> dict:
    from tracker.organisation.models import OrgSettings

    settings = db.session.get(OrgSettings, record_id)
    return {"timezone": settings.timezone, "reminder_hour": str(settings.reminder_hour)}


def _user() -> int:
    return factories.make_user("member", name="Sam Owner").id


def _read_user(record_id: int) -> dict:
    from tracker.accounts.models import User

    user = db.session.get(User, record_id)
    return {"display_name": user.display_name, "role": user.role}


CASES = {
    "initiative": Case(_initiative, "/initiatives/{id}/edit",
                       ("title", "Title", "Insource the call centre by March"),
                       ("description", "Description", "Hire 40 agents; end the Acme contract."),
                       _read_initiative),
    "metric": Case(_metric, "/metrics/{id}/edit",
                   ("name", "Name", "First-contact resolution (phone)"),
                   ("standard", "Performance standard",
                    "Share of calls resolved without a callback, from the telephony export."),
                   _read_metric),
    "behaviour": Case(_behaviour, "/behaviours/{id}/edit",
                      ("name", "Name", "Refund up to $250 without asking"),
                      ("to_behaviour", "To: what they do instead", "Agents refund on the spot."),
                      _read_behaviour),
    "people decision": Case(_decision, "/people/{id}/edit",
                            ("role_to", "Role to", "Service Manager"),
                            ("rationale", "Rationale", "Customers ask for her by name."),
                            _read_decision),
    "settings": Case(_settings, "/admin/settings",
                     ("timezone", "Organisation timezone", "Europe/Berlin"),
                     ("reminder_hour", "Reminder hour", "10"),
                     _read_settings,
                     race_value=lambda i: ["Europe/Paris", "Asia/Tokyo", "America/Chicago",
                                           "Africa/Lagos", "Australia/Perth"][i]),
    "user": Case(_user, "/admin/users/{id}",
                 ("display_name", "Display name", "Sam Owner-Smith"),
                 ("role", "Role", "hr"),
                 _read_user),
}


def _client(app, role: str):
    with app.app_context():
        user = factories.make_user(role)
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    sign_in_session(client, user_id)
    return client


def _history_count() -> int:
    return db.session.scalar(select(func.count()).select_from(HistoryEvent))


@pytest.mark.parametrize("name", CASES)
def test_a_stale_save_is_refused_shows_what_changed_and_can_be_reapplied(app, name):
    case = CASES[name]
    with app.app_context():
        record_id = case.make()
        db.session.commit()
        before = case.read(record_id)
    url = case.url.format(id=record_id)
    admin, executive = _client(app, "admin"), _client(app, "admin")
    admins_form = form_values(admin.get(url).get_data(as_text=True), case.first[0])
    executives_form = form_values(executive.get(url).get_data(as_text=True), case.first[0])

    field, label, value = case.first
    assert admin.post(url, data={**admins_form, field: value}).status_code == 302
    with app.app_context():
        events = _history_count()

    other, other_label, other_value = case.second
    refused = executive.post(url, data={**executives_form, other: other_value})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "Someone else saved this after you opened it, so nothing was saved." in page
    conflict = page.split("Changed since you opened this form")[1].split("</table>")[0]
    assert label in conflict and value in conflict and str(before[field]) in conflict
    with app.app_context():
        stored = case.read(record_id)
        assert stored[field] == value and stored[other] == before[other]  # nothing of the second save
        assert _history_count() == events

    reapplied = form_values(page, case.first[0])
    assert reapplied[field] == value and reapplied[other] == other_value
    assert int(reapplied["version"]) == int(executives_form["version"]) + 1
    assert executive.post(url, data=reapplied).status_code == 302
    with app.app_context():
        stored = case.read(record_id)
        assert stored[field] == value and stored[other] == other_value
        # One more event, none rewritten.
        assert _history_count() == events + 1


@pytest.mark.parametrize("name", CASES)
def test_parallel_saves_of_one_version_store_exactly_one(app, name, monkeypatch):
    """Five people save the same version at the same moment (a barrier right
    before the version is claimed): one save is stored, four are refused."""
    import tracker.concurrency as concurrency

    case = CASES[name]
    with app.app_context():
        record_id = case.make()
        db.session.commit()
    url = case.url.format(id=record_id)
    clients = [_client(app, "admin") for _ in range(5)]
    forms = [form_values(c.get(url).get_data(as_text=True), case.first[0]) for c in clients]
    all_ready = threading.Barrier(len(clients), timeout=20)
    claim = concurrency.claim_version

    def claim_when_all_are_ready(*args, **kwargs):
        all_ready.wait()
        return claim(*args, **kwargs)

    monkeypatch.setattr(concurrency, "claim_version", claim_when_all_are_ready)
    field = case.first[0]
    responses = [None] * len(clients)

    def save(i: int) -> None:
        responses[i] = clients[i].post(url, data={**forms[i], field: case.value_from(i)})

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.status_code for r in responses) == [200] * 4 + [302]
    [winner] = [i for i, r in enumerate(responses) if r.status_code == 302]
    with app.app_context():
        assert case.read(record_id)[field] == case.value_from(winner)
        events = db.session.scalars(select(HistoryEvent).where(HistoryEvent.action == "updated")).all()
        assert len(events) == 1


def test_the_first_settings_ever_saved_twice_keeps_the_first_and_refuses_the_second(app):
    """No settings are stored yet: both forms open at "nothing stored"."""
    from tracker.organisation.models import OrgSettings

    admin, other = _client(app, "admin"), _client(app, "admin")
    first = form_values(admin.get("/admin/settings").get_data(as_text=True), "timezone")
    second = form_values(other.get("/admin/settings").get_data(as_text=True), "timezone")
    assert admin.post("/admin/settings", data={**first, "timezone": "Europe/Berlin"}).status_code == 302
    refused = other.post("/admin/settings", data={**second, "reminder_hour": "11"})
    assert refused.status_code == 200 and "nothing was saved" in refused.get_data(as_text=True)
    with app.app_context():
        [stored] = db.session.scalars(select(OrgSettings)).all()
        assert (stored.timezone, stored.reminder_hour, stored.version) == ("Europe/Berlin", 9, 1)
