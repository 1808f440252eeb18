"""The admin's webhook pages through the test client."""

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import count_queries
from tracker.extensions import db
from tracker.webhooks import services
from tracker.webhooks.models import WebhookDelivery, WebhookEndpoint


def _form(owner_id, url="https://hooks.example.com/in", events=("checkin.submitted",)):
    return {"url": url, "description": "Ops board", "owner_id": str(owner_id), "events": list(events)}


@pytest.mark.parametrize("role", ["member", "hr", "executive"])
def test_only_admins_see_the_webhook_pages(login_as, client, role):
    login_as(role)
    assert client.get("/webhooks/").status_code == 403
    assert client.post("/webhooks/new", data=_form(1)).status_code == 403


def test_an_admin_registers_an_endpoint_and_sees_its_secret(app, login_as, client):
    admin = login_as("admin")
    response = client.post("/webhooks/new",
                           data=_form(admin.id, events=["checkin.submitted", "reading.recorded"]))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        assert endpoint.events == ["checkin.submitted", "reading.recorded"]
        assert endpoint.secret in page and endpoint.secret.startswith("whsec_")
    assert "Nothing sent yet." in page
    assert "https://hooks.example.com/in" in client.get("/webhooks/").get_data(as_text=True)


@pytest.mark.parametrize(("url", "message"), [
    ("file:///etc/passwd", "start with https://"),
    ("http://169.254.169.254/latest/meta-data", "private network"),
    ("", "Enter the URL"),
])
def test_a_bad_url_is_refused_beside_its_field(app, login_as, client, url, message):
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = False  # as in production
    admin = login_as("admin")
    response = client.post("/webhooks/new", data=_form(admin.id, url=url))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="url-error"' in page and message in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(WebhookEndpoint)) == 0


def test_a_member_owned_endpoint_cannot_take_people_decisions(app, login_as, client):
    login_as("admin")
    with app.app_context():
        member_id = factories.make_user("member").id
        db.session.commit()
    response = client.post("/webhooks/new", data=_form(member_id, events=["decision.recorded"]))
    assert response.status_code == 200
    assert "may not see what decision.recorded carries" in response.get_data(as_text=True)


def test_rotating_keeps_the_old_secret_signing_for_the_grace_period(app, login_as, client):
    admin = login_as("admin")
    client.post("/webhooks/new", data=_form(admin.id))
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        old, endpoint_id = endpoint.secret, endpoint.id
    response = client.post(f"/webhooks/{endpoint_id}/rotate", follow_redirects=True)
    page = response.get_data(as_text=True)
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint.secret != old and endpoint.previous_secret == old
    assert old in page and "Still signs beside the new one" in page


def test_disabling_and_enabling_an_endpoint(app, login_as, client):
    admin = login_as("admin")
    client.post("/webhooks/new", data=_form(admin.id))
    with app.app_context():
        endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
    page = client.post(f"/webhooks/{endpoint_id}/enabled", data={"enabled": "n"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Disabled since" in page
    client.post(f"/webhooks/{endpoint_id}/enabled", data={"enabled": "y"})
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).enabled


def test_the_endpoint_page_costs_the_same_queries_however_long_its_log(app, login_as, client):
    admin = login_as("admin")
    client.post("/webhooks/new", data=_form(admin.id))

    def add_log(n):
        with app.app_context():
            endpoint = db.session.scalar(select(WebhookEndpoint))
            db.session.add_all(WebhookDelivery(
                endpoint_id=endpoint.id, outbox_message_id=i, event="checkin.submitted",
                webhook_id=f"msg_{i}", attempt=1, attempted_at=factories.NOW, url=endpoint.url,
                status_code=500, outcome="temporary", detail="", duration_ms=3) for i in range(n))
            db.session.commit()
            return endpoint.id

    endpoint_id = add_log(2)
    with count_queries(app) as few:
        assert client.get(f"/webhooks/{endpoint_id}").status_code == 200
    add_log(60)
    with count_queries(app) as many:
        page = client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    assert few() == many()
    assert "Page 1 of 2" in page


def test_the_endpoint_list_costs_the_same_queries_however_many_endpoints(app, login_as, client):
    login_as("admin")

    def add(n):
        with app.app_context():
            admin = factories.make_user("admin")
            for _ in range(n):
                owner = factories.make_user("member")
                services.create_endpoint(actor=admin, allow_private=False, now=factories.NOW,
                                         data=services.EndpointInput(
                                             url="https://hooks.example.com/in", description="",
                                             events=["checkin.missed"], owner_id=owner.id))
            db.session.commit()

    add(1)
    with count_queries(app) as few:
        client.get("/webhooks/")
    add(5)
    with count_queries(app) as many:
        client.get("/webhooks/")
    assert few() == many()


def test_the_owner_is_typed_by_email_or_name_and_the_form_does_not_grow_with_the_people(
        app, login_as, client):
    login_as("admin")
    with app.app_context():
        owner = factories.make_user("hr", email="Rita.Ops@example.com", name="Rita Ops")
        factories.make_user("member", name="Sam Lee")
        factories.make_user("member", name="Sam Lee")
        db.session.commit()
        owner_id = owner.id
    with count_queries(app) as few:
        small = client.get("/webhooks/new").get_data(as_text=True)
    with app.app_context():
        for _ in range(40):
            factories.make_user("member")
        db.session.commit()
    with count_queries(app) as many:
        large = client.get("/webhooks/new").get_data(as_text=True)
    assert few() == many() and len(large) == len(small)
    assert "Rita Ops" not in large  # nobody is listed: the suggestions come as you type

    ambiguous = client.post("/webhooks/new", data=_form("Sam Lee")).get_data(as_text=True)
    assert "2 people are called Sam Lee: type their email." in ambiguous
    assert 'value="Sam Lee"' in ambiguous  # what was typed stays
    for typed in ("rita.ops@EXAMPLE.com", "Rita Ops <rita.ops@example.com>", "rita ops"):
        assert client.post("/webhooks/new", data=_form(typed)).status_code == 302, typed
    with app.app_context():
        assert set(db.session.scalars(select(WebhookEndpoint.owner_id))) == {owner_id}
        endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
    edit = client.get(f"/webhooks/{endpoint_id}/edit").get_data(as_text=True)
    assert 'value="Rita Ops &lt;rita.ops@example.com&gt;"' in edit
