from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from tracker import transaction
from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.auth import bp
from tracker.auth.forms import LoginForm
from tracker.auth.redirects import safe_next_url
from tracker.extensions import db, login_manager

LOGIN_FAILED = "That email and password do not match an active account."


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    # A deactivated user's open sessions end at their next request.
    return user if user is not None and user.active else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(LOGIN_FAILED)
        else:
            transaction.commit()  # keeps a re-hashed password
            # A fresh session on sign-in: nothing planted before survives it.
            session.clear()
            login_user(user, remember=form.remember.data)
            flash(f"Welcome, {user.display_name}.", "success")
            return redirect(safe_next_url(form.next.data) or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # CSRFProtect has already checked the token: a forged sign-out gets 400.
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
