from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import transaction
from tracker.accounts import services as accounts
from tracker.auth import bp
from tracker.auth.forms import LoginForm
from tracker.auth.redirects import safe_next_url
from tracker.auth.sessions import end_session, start_session

LOGIN_FAILED = "That email and password do not match an active account."


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
            start_session(user, remember=form.remember.data)
            flash(f"Welcome, {user.display_name}.", "success")
            return redirect(safe_next_url(form.next.data) or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # CSRFProtect has already checked the token: a forged sign-out gets 400.
    # The token is per person, so signing out here ends their other sessions too:
    # a copied cookie must not outlive the sign-out that was meant to end it.
    accounts.end_all_sessions(current_user)
    transaction.commit()
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
