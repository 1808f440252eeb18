"""Tokens on the account: created and shown once, stored hashed, revoked; an admin sees every one."""

import hashlib
import re
from datetime import UTC, datetime

from tests import factories
from tests.conftest import count_queries
from tracker.accounts.models import User
from tracker.extensions import db
from tracker.tokens import services as tokens
from tracker.tokens.models import ApiToken

NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


def _create(client, **data):
    return client.post("/account/tokens", data={"name": "Survey tool", "scopes": ["readings:write"],
                                                "days": "90", **data})


def test_a_token_is_shown_once_and_stored_only_as_its_hash(app, client, login_as):
    login_as("member")
    page = _create(client).get_data(as_text=True)
    secret = re.search(r'id="new-token-secret">(bpt_[A-Za-z0-9_-]+)<', page).group(1)
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken))
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (token.hint, token.token_hash, token.name)
        assert token.scope_list == ["readings:write"]
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and "Survey tool" in again


def test_a_member_is_not_offered_people_read_and_cannot_post_it(app, client, login_as):
    login_as("member")
    assert "people:read" not in client.get("/account/tokens").get_data(as_text=True)
    refused = _create(client, scopes=["people:read"])
    assert refused.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_hr_is_offered_people_read(client, login_as):
    login_as("hr")
    assert "people:read" in client.get("/account/tokens").get_data(as_text=True)


def test_a_bad_name_or_expiry_is_refused_beside_its_field(app, client, login_as):
    login_as("member")
    page = _create(client, name="", days="999").get_data(as_text=True)
    assert 'id="name-error"' in page and 'id="days-error"' in page


def test_the_owner_revokes_and_nobody_else_but_an_admin_may(app, client, login_as):
    login_as("member")
    _create(client)
    with app.app_context():
        token_id = db.session.scalar(db.select(ApiToken.id))
    login_as("member")  # someone else
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 403
    admin = login_as("admin")
    listed = client.get("/admin/tokens").get_data(as_text=True)
    assert "Survey tool" in listed
    client.post(f"/admin/tokens/{token_id}/revoke")
    with app.app_context():
        token = db.session.get(ApiToken, token_id)
        assert token.revoked_at is not None and token.revoked_by_id == admin.id


def test_only_admins_see_every_token(client, login_as):
    login_as("executive")
    assert client.get("/admin/tokens").status_code == 403


def test_a_revoked_token_no_longer_authenticates(app, client, login_as):
    from tracker.tokens import services as tokens

    login_as("member")
    page = _create(client).get_data(as_text=True)
    secret = re.search(r'id="new-token-secret">(bpt_[A-Za-z0-9_-]+)<', page).group(1)
    assert client.get("/api/v1/behaviours", headers={"Authorization": f"Bearer {secret}"}).status_code == 403
    with app.app_context():
        token_id = tokens.authenticate(secret, now=factories.NOW).id
    client.post(f"/account/tokens/{token_id}/revoke")
    assert client.get("/api/v1/behaviours", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_creating_and_revoking_a_token_is_in_the_persons_account_history(app, client, login_as):
    from tracker.history.models import HistoryEvent

    owner = login_as("member")
    page = _create(client, name="Help desk", scopes=["read", "readings:write"], days="30")
    page = page.get_data(as_text=True)
    secret = re.search(r'id="new-token-secret">(bpt_[A-Za-z0-9_-]+)<', page).group(1)
    with app.app_context():
        token_id = db.session.scalar(db.select(ApiToken.id))
    admin = login_as("admin")
    client.post(f"/admin/tokens/{token_id}/revoke")
    client.post(f"/admin/tokens/{token_id}/revoke")  # twice: recorded once
    with app.app_context():
        events = [(e.action, e.summary, e.actor_id) for e in db.session.scalars(
            db.select(HistoryEvent).where(HistoryEvent.subject_type == "user",
                                          HistoryEvent.subject_id == owner.id).order_by(HistoryEvent.id))]
    assert [(action, actor) for action, _, actor in events] == [
        ("token_created", owner.id), ("token_revoked", admin.id)]
    created = events[0][1]
    assert "Help desk" in created and "read, readings:write" in created and "30 days" in created
    assert "Help desk" in events[1][1]
    assert all(secret not in summary and secret[10:20] not in summary for _, summary, _ in events)
    user_page = client.get(f"/admin/users/{owner.id}").get_data(as_text=True)
    assert events[0][1] in user_page and events[1][1] in user_page


def test_the_token_pages_cost_the_same_queries_for_2_or_60_tokens_and_list_50_a_page(app, client, login_as):
    admin_id = login_as("admin").id

    def make(count: int) -> None:
        with app.app_context():
            admin = db.session.get(User, admin_id)
            for n in range(count):
                owner = factories.make_user("member") if n % 2 else admin
                made = tokens.create_token(owner, name=f"Feed {n}", scopes=["read"], days=30, now=NOW)
                if n % 3 == 0:
                    tokens.revoke(made.token, actor=admin, now=NOW)
            db.session.commit()

    counts = {}
    for size, more in (("few", 2), ("many", 58)):
        make(more)
        for path in ("/account/tokens", "/admin/tokens"):
            with count_queries(app) as queries:
                assert client.get(path).status_code == 200
            counts[size, path] = queries()
    assert counts["few", "/account/tokens"] == counts["many", "/account/tokens"]
    assert counts["few", "/admin/tokens"] == counts["many", "/admin/tokens"]
    first, second = client.get("/admin/tokens").get_data(as_text=True), client.get("/admin/tokens?page=2")
    assert first.count("<tr>") == 1 + 50 and "Page 1 of 2" in first
    assert "Revoke Feed 56<" in first and "Revoke Feed 1<" not in first  # newest first
    assert second.get_data(as_text=True).count("<tr>") == 1 + 10
