from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import clock, transaction
from tracker.accounts import bp, picker, services
from tracker.accounts.forms import (
    DepartmentForm,
    EmptyForm,
    LiftPauseForm,
    PasswordChangeForm,
    TimezoneForm,
    UserCreateForm,
    UserEditForm,
    department_choices,
)
from tracker.accounts.models import User
from tracker.auth import throttle
from tracker.auth.policy import may, permission_required
from tracker.auth.sessions import renew_session
from tracker.auth.views import finish_sign_out
from tracker.concurrency import EditConflict
from tracker.extensions import db
from tracker.history import services as history
from tracker.paging import page_from_args
from tracker.validation import populate_errors

USERS_PER_PAGE = 50


@bp.get("/admin/users")
@permission_required("manage_users")
def user_list():
    now = clock.now()
    paused_accounts, paused_addresses = throttle.paused(now)
    page = services.users_page(page_from_args(request.args), USERS_PER_PAGE)
    return render_template("accounts/user_list.html", page=page, button=EmptyForm(),
                           now=now, paused_accounts=paused_accounts, paused_addresses=paused_addresses)


@bp.post("/admin/users/sign-in-pause/lift")
@permission_required("manage_users")
def lift_sign_in_pause():
    form = LiftPauseForm()
    if form.validate_on_submit():
        throttle.forget_failures(form.email.data)
        transaction.commit()
        flash(f"{form.email.data} can try to sign in again.", "success")
    return redirect(url_for("accounts.user_list"))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@permission_required("manage_users")
def user_create():
    form = UserCreateForm()
    form.department_id.choices = department_choices(services.list_departments())
    if form.validate_on_submit():
        password = form.password.data or services.generate_one_time_password()
        try:
            user = services.create_user(
                email=form.email.data,
                display_name=form.display_name.data,
                role=form.role.data,
                department_id=form.department_id.data,
                password=password,
            )
            # Whoever the admin is, the password is theirs, not the new user's.
            expires_at = services.make_password_temporary(user, now=clock.now())
            services.record_created(user, actor=current_user, now=clock.now())
        except services.AccountError as e:
            populate_errors(form, e)
        else:
            transaction.commit()
            # Rendered, not flashed: the session cookie is signed, not secret.
            return render_template(
                "accounts/user_created.html",
                user=user,
                one_time_password=None if form.password.data else password,
                expires_at=expires_at,
            )
    return render_template("accounts/user_form.html", form=form, user=None)


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@permission_required("manage_users")
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _user_edit_form(user, posted=True)
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                role=form.role.data,
                department_id=form.department_id.data,
                display_name=form.display_name.data,
                actor=current_user,
                now=clock.now(),
                version=form.expected_version(),
            )
        except EditConflict as e:
            transaction.rollback()
            form.reconcile(_user_edit_form(user, posted=False), user.version)
            populate_errors(form, e)
        except services.AccountError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Saved {user.display_name}.", "success")
            return redirect(url_for("accounts.user_list"))
    # Who created the account, every change an admin made, one-time
    # passwords, and roles the identity provider's groups set (tracker.sso).
    events = history.events_for("user", user.id)
    return render_template("accounts/user_form.html", form=form, user=user, button=EmptyForm(),
                           events=events, history_changes=history.readable_changes(events))


def _user_edit_form(user: User, *, posted: bool) -> UserEditForm:
    """The edit form: as posted, or as it opens now (stamped with the stored version)."""
    form = UserEditForm(obj=user) if posted else UserEditForm(formdata=None, obj=user)
    form.department_id.choices = department_choices(services.list_departments())
    if not (posted and form.is_submitted()):
        form.department_id.data = user.department_id or 0
        form.stamp(user.version)
    return form


@bp.post("/admin/users/<id:user_id>/one-time-password")
@permission_required("manage_users")
def user_issue_password(user_id: int):
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("accounts.user_edit", user_id=user.id))
    password = services.issue_temporary_password(user, actor=current_user, now=clock.now())
    transaction.commit()
    return render_template("accounts/user_created.html", user=user, one_time_password=password,
                           expires_at=user.password_expires_at, reissued=True)


@bp.post("/admin/users/<id:user_id>/active")
@permission_required("manage_users")
def user_toggle_active(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.set_active(user, not user.active, actor=current_user, now=clock.now())
        except services.AccountError as e:
            transaction.rollback()
            flash(str(e), "error")
        else:
            transaction.commit()
            state = "reactivated" if user.active else "deactivated"
            flash(f"{user.display_name} is {state}.", "success")
    return redirect(url_for("accounts.user_list"))


@bp.route("/admin/departments", methods=["GET", "POST"])
@permission_required("manage_departments")
def departments():
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            department = services.create_department(form.name.data)
        except services.AccountError as e:
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Added {department.name}.", "success")
            return redirect(url_for("accounts.departments"))
    return render_template(
        "accounts/departments.html", form=form, departments=services.list_departments()
    )


@bp.get("/accounts/people.json")
@login_required
def people_search():
    """Suggestions for a person field (static/js/picker.js): at most 20 accounts
    whose name or email holds `?q=`. Everyone who may open a form naming an
    owner may ask; accounts no longer active only those who read people
    decisions (HR links a decision to someone who has left)."""
    found = picker.search_accounts(request.args.get("q", ""),
                                   include_inactive=may(current_user, "read_people"))
    response = jsonify(found)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account")
@login_required
def settings():
    password_form = PasswordChangeForm(prefix="pw")
    timezone_form = TimezoneForm(prefix="tz", timezone=current_user.timezone)
    return _settings_page(password_form, timezone_form)


def _settings_page(password_form: PasswordChangeForm, timezone_form: TimezoneForm):
    return render_template(
        "accounts/settings.html",
        password_form=password_form,
        timezone_form=timezone_form,
        timezones=sorted(services.valid_timezones()),
        button=EmptyForm(),
    )


@bp.post("/account/password")
@login_required
def change_password():
    password_form = PasswordChangeForm(prefix="pw")
    timezone_form = TimezoneForm(prefix="tz", timezone=current_user.timezone)
    if password_form.validate_on_submit():
        try:
            services.change_own_password(
                current_user,
                current_password=password_form.current_password.data,
                new_password=password_form.new_password.data,
            )
        except services.AccountError as e:
            populate_errors(password_form, e)
        else:
            transaction.commit()
            renew_session(current_user._get_current_object())
            flash("Your password is changed. Every other device you were signed in on is signed out.",
                  "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(password_form, timezone_form)


@bp.route("/account/new-password", methods=["GET", "POST"])
@login_required
def new_password():
    """Where a temporary password is replaced; nothing else opens until it is."""
    if not current_user.password_must_change:
        return redirect(url_for("accounts.settings"))
    form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.change_own_password(
                current_user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
            )
        except services.AccountError as e:
            populate_errors(form, e)
        else:
            transaction.commit()
            user = current_user._get_current_object()  # the user, not the proxy that login_user replaces
            renew_session(user)
            flash(f"Welcome, {user.display_name}. Your own password is set.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("accounts/new_password.html", form=form)


@bp.post("/account/timezone")
@login_required
def change_timezone():
    password_form = PasswordChangeForm(prefix="pw")
    timezone_form = TimezoneForm(prefix="tz")
    if timezone_form.validate_on_submit():
        try:
            services.set_timezone(current_user, timezone_form.timezone.data.strip())
        except services.AccountError as e:
            populate_errors(timezone_form, e)
        else:
            transaction.commit()
            flash("Your timezone is saved.", "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(password_form, timezone_form)


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    if EmptyForm().validate_on_submit():
        services.end_all_sessions(current_user)
        transaction.commit()
        return finish_sign_out("You are signed out on every device, this one included.")
    return redirect(url_for("accounts.settings"))
