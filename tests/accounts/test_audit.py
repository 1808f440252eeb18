"""What an admin does to an account is in the account's history, with who did
it: creating it, its role, department and name, deactivating and reactivating
it, a one-time password. A security review asks "who made this person an
admin?" and the user page answers."""

from sqlalchemy import select

from tests import factories
from tracker.accounts.models import User
from tracker.extensions import db
from tracker.history.models import HistoryEvent


def events(app, user_id):
    with app.app_context():
        return [(e.action, e.summary, e.actor.display_name if e.actor else None, e.changes)
                for e in db.session.scalars(select(HistoryEvent).where(
                    HistoryEvent.subject_type == "user", HistoryEvent.subject_id == user_id)
                    .order_by(HistoryEvent.id))]


def test_every_admin_change_to_an_account_is_recorded_with_who_made_it(app, login_as, client):
    with app.app_context():
        sales = factories.make_department("Sales")
        db.session.commit()
        sales_id = sales.id
    admin = login_as("admin", name="Ada Admin")
    created = client.post("/admin/users/new", data={
        "email": "sam@example.com", "display_name": "Sam Lee", "role": "member",
        "department_id": 0, "password": ""})
    assert created.status_code == 200
    with app.app_context():
        sam_id = db.session.scalar(select(User.id).where(User.email == "sam@example.com"))
    edit = client.get(f"/admin/users/{sam_id}").get_data(as_text=True)
    version = edit.split('name="version" type="hidden" value="')[1].split('"')[0]
    saved = client.post(f"/admin/users/{sam_id}", data={
        "role": "admin", "department_id": sales_id, "display_name": "Sam Lee", "version": version})
    assert saved.status_code == 302
    client.post(f"/admin/users/{sam_id}/active")
    client.post(f"/admin/users/{sam_id}/active")
    client.post(f"/admin/users/{sam_id}/one-time-password")

    recorded = events(app, sam_id)
    assert [(action, summary, actor) for action, summary, actor, _ in recorded] == [
        ("created", "Account created as Member", "Ada Admin"),
        ("updated", "Account changed", "Ada Admin"),
        ("updated", "Deactivated", "Ada Admin"),
        ("updated", "Reactivated", "Ada Admin"),
        ("password_issued", "One-time password issued", "Ada Admin"),
    ]
    assert recorded[1][3] == {"role": ["member", "admin"], "department_id": [None, sales_id]}
    assert all("password" not in str(changes) for *_, changes in recorded)

    # The user page says it in words, newest first.
    page = client.get(f"/admin/users/{sam_id}").get_data(as_text=True)
    assert "Role: <del>Member</del> → <ins>Admin</ins>" in page
    assert "Department: <del>—</del> → <ins>Sales</ins>" in page
    assert page.index("One-time password issued") < page.index("Deactivated") < page.index("Account created")
    assert admin.display_name in page


def test_saving_the_form_unchanged_records_nothing(app, login_as, client):
    login_as("admin")
    with app.app_context():
        sam = factories.make_user("member", name="Sam Lee")
        db.session.commit()
        sam_id = sam.id
    edit = client.get(f"/admin/users/{sam_id}").get_data(as_text=True)
    version = edit.split('name="version" type="hidden" value="')[1].split('"')[0]
    client.post(f"/admin/users/{sam_id}", data={
        "role": "member", "department_id": 0, "display_name": "Sam Lee", "version": version})
    assert events(app, sam_id) == []


def test_the_last_admin_refused_leaves_no_history(app, login_as, client):
    admin = login_as("admin")
    client.post(f"/admin/users/{admin.id}/active")
    assert events(app, admin.id) == []
    with app.app_context():
        assert db.session.get(User, admin.id).active


def test_the_command_line_is_recorded_as_the_system(app):
    with app.app_context():
        admin = factories.make_user("admin", email="root@example.com")
        db.session.commit()
        admin_id = admin.id
    result = app.test_cli_runner().invoke(args=["users", "issue-password", "--email", "root@example.com"])
    assert result.exit_code == 0, result.output
    assert events(app, admin_id) == [("password_issued", "One-time password issued", None, {})]
