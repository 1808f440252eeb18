"""Admin pages and the user's own settings."""

import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import count_queries
from tracker.accounts.models import User
from tracker.extensions import db


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("role", ["executive", "hr", "member"])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/departments"])
def test_non_admins_get_403_on_admin_pages(login_as, client, role, path):
    login_as(role)
    response = client.get(path)
    assert response.status_code == 403
    assert b"Not allowed" in response.data


def test_non_admin_cannot_edit_or_deactivate_another_user(app, login_as, client):
    with app.app_context():
        victim = factories.make_user("member")
        db.session.commit()
        victim_id = victim.id
    login_as("executive")
    assert client.post(f"/admin/users/{victim_id}", data={"role": "admin"}).status_code == 403
    assert client.post(f"/admin/users/{victim_id}/active").status_code == 403
    with app.app_context():
        victim = db.session.get(User, victim_id)
        assert victim.role == "member" and victim.active


def test_admin_creates_user_with_one_time_password_shown_once(app, login_as, client):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={"email": "New.Person@Example.com", "display_name": "New Person",
              "role": "hr", "department_id": 0, "password": ""},
    )
    assert response.status_code == 200
    page = response.data.decode()
    password = re.search(r'data-testid="one-time-password">([^<]+)<', page).group(1)
    assert len(password) >= 12
    assert password not in client.get("/admin/users").data.decode()
    client.post("/logout")
    login = client.post("/login", data={"email": "new.person@example.com", "password": password})
    assert login.status_code == 302


def test_admin_sets_a_password(app, login_as, client):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={"email": "set@example.com", "display_name": "Set", "role": "member",
              "department_id": 0, "password": "a long enough password"},
    )
    assert b"The password you set is in place" in response.data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, b"Invalid email address"),
        ({"email": "Existing@example.com"}, b"already exists"),
        ({"password": "short"}, b"at least 12 characters"),
        ({"role": "overlord"}, b"Not a valid choice"),
        ({"department_id": 9999}, b"Not a valid choice"),
        ({"display_name": ""}, b"This field is required"),
    ],
)
def test_bad_user_input_gets_a_clear_error_and_stores_nothing(app, login_as, client, data, message):
    with app.app_context():
        factories.make_user("member", email="existing@example.com")
        db.session.commit()
    login_as("admin")
    before = user_count(app)
    form = {"email": "fresh@example.com", "display_name": "Fresh", "role": "member",
            "department_id": 0, "password": "", **data}
    response = client.post("/admin/users/new", data=form)
    assert response.status_code == 200
    assert message in response.data
    assert user_count(app) == before


def test_admin_changes_role_and_department(app, login_as, client):
    with app.app_context():
        sales = factories.make_department("Sales")
        user = factories.make_user("member")
        db.session.commit()
        user_id, sales_id = user.id, sales.id
    login_as("admin")
    response = client.post(
        f"/admin/users/{user_id}",
        data={"display_name": "Renamed", "role": "executive", "department_id": sales_id},
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.role, user.department_id, user.display_name) == ("executive", sales_id, "Renamed")


def test_last_admin_cannot_be_demoted_or_deactivated(app, login_as, client):
    admin = login_as("admin")
    response = client.post(
        f"/admin/users/{admin.id}", data={"display_name": "Me", "role": "member", "department_id": 0}
    )
    assert b"last active admin" in response.data
    client.post(f"/admin/users/{admin.id}/active")
    with app.app_context():
        stored = db.session.get(User, admin.id)
        assert stored.role == "admin" and stored.active


def test_second_admin_can_be_demoted(app, login_as, client):
    login_as("admin")
    with app.app_context():
        other = factories.make_user("admin")
        db.session.commit()
        other_id = other.id
    client.post(f"/admin/users/{other_id}", data={"display_name": "X", "role": "member", "department_id": 0})
    with app.app_context():
        assert db.session.get(User, other_id).role == "member"


def test_deactivate_and_reactivate_keep_the_account(app, login_as, client):
    login_as("admin")
    with app.app_context():
        user = factories.make_user("member", email="temp@example.com")
        db.session.commit()
        user_id = user.id
    client.post(f"/admin/users/{user_id}/active")
    with app.app_context():
        assert db.session.get(User, user_id).active is False
    assert b"Deactivated" in client.get("/admin/users").data
    client.post(f"/admin/users/{user_id}/active")
    with app.app_context():
        assert db.session.get(User, user_id).active is True


def test_unknown_user_id_is_404(login_as, client):
    login_as("admin")
    assert client.get("/admin/users/424242").status_code == 404


def test_admin_adds_department_and_duplicate_is_refused(app, login_as, client):
    login_as("admin")
    assert client.post("/admin/departments", data={"name": "Sales"}).status_code == 302
    response = client.post("/admin/departments", data={"name": "sales"})
    assert b"already exists" in response.data
    assert client.get("/admin/departments").data.count(b"<li>Sales</li>") == 1


def test_user_changes_own_password(app, login_as, client):
    user = login_as("member")
    bad = client.post("/account/password", data={"pw-current_password": "wrong",
                                                 "pw-new_password": "another long password"})
    assert b"current password is not correct" in bad.data
    short = client.post("/account/password", data={"pw-current_password": factories.DEFAULT_PASSWORD,
                                                   "pw-new_password": "short"})
    assert b"at least 12 characters" in short.data
    ok = client.post("/account/password", data={"pw-current_password": factories.DEFAULT_PASSWORD,
                                                "pw-new_password": "another long password"})
    assert ok.status_code == 302
    client.post("/logout")
    login = client.post("/login", data={"email": user.email, "password": "another long password"})
    assert login.status_code == 302


def test_user_changes_own_timezone_and_unknown_zone_is_refused(app, login_as, client):
    user = login_as("member")
    bad = client.post("/account/timezone", data={"tz-timezone": "Mars/Olympus"})
    assert b"Unknown timezone" in bad.data
    ok = client.post("/account/timezone", data={"tz-timezone": "Europe/Berlin"})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).timezone == "Europe/Berlin"


def test_user_names_are_escaped(app, login_as, client):
    with app.app_context():
        factories.make_user("member", name="<script>alert(1)</script>")
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/users").data
    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_user_list_shows_50_people_a_page_in_the_same_queries(app, login_as, client):
    login_as("admin")
    with app.app_context():
        for n in range(3):
            factories.make_user("member", name=f"Person {n:03d}")
        db.session.commit()
    with count_queries(app) as small:
        assert client.get("/admin/users").status_code == 200
    with app.app_context():
        for n in range(3, 60):
            factories.make_user("member", name=f"Person {n:03d}")
        db.session.commit()
    with count_queries(app) as large:
        first = client.get("/admin/users").data.decode()
    assert large() == small()
    # The admin signed in is one of the 50.
    assert "Person 000" in first and "Person 048" in first and "Person 049" not in first
    assert "Page 1 of 2" in first and "page=2" in first
    second = client.get("/admin/users?page=2").data.decode()
    assert "Person 049" in second and "Person 059" in second and "Person 000" not in second
