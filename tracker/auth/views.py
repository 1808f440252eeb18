import math

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import clock, transaction
from tracker.accounts import services as accounts
from tracker.auth import bp, throttle
from tracker.auth.forms import LoginForm
from tracker.auth.policy import may_sign_in_with_password
from tracker.auth.redirects import safe_next_url
from tracker.auth.sessions import end_session, start_session

LOGIN_FAILED = "That email and password do not match an active account."
PASSWORD_SIGN_IN_OFF = "Password sign-in is switched off here: sign in with {provider} instead."  # noqa: S105


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        now, address = clock.now(), request.remote_addr
        wait = throttle.seconds_to_wait(email=form.email.data, address=address, now=now)
        if wait:
            return _paused(form, wait)
        try:
            user = accounts.authenticate(form.email.data, form.password.data, now=now)
        except accounts.TemporaryPasswordExpired as e:
            return _login_page(form, expired_at=e.expired_at)
        if user is None:
            throttle.record_failure(email=form.email.data, address=address, now=now)
            transaction.commit()
            form.form_errors.append(LOGIN_FAILED)
        elif not may_sign_in_with_password(user, password_sign_in=current_app.config["PASSWORD_SIGN_IN"],
                                           break_glass_admin=current_app.config["BREAK_GLASS_ADMIN"]):
            # Said only to whoever knows the password, so it names no account.
            throttle.forget_failures(form.email.data)
            transaction.commit()
            form.form_errors.append(PASSWORD_SIGN_IN_OFF.format(
                provider=current_app.config["OIDC_PROVIDER_NAME"]))
        else:
            throttle.forget_failures(form.email.data)
            transaction.commit()  # also keeps a re-hashed password
            start_session(user, remember=form.remember.data)
            if user.password_must_change:
                return redirect(url_for("accounts.new_password"))
            flash(f"Welcome, {user.display_name}.", "success")
            return redirect(safe_next_url(form.next.data) or url_for("dashboard.index"))
    return _login_page(form)


def _login_page(form: LoginForm, status: int = 200, **context):
    """The sign-in page: the provider's button when single sign-on is on, and
    the password form (folded away when only the break-glass admin uses it)."""
    config = current_app.config
    return render_template("auth/login.html", form=form,
                           provider_name=config["OIDC_PROVIDER_NAME"] if config["OIDC_ISSUER"] else None,
                           password_sign_in=config["PASSWORD_SIGN_IN"], **context), status


# What someone who must replace a temporary password may still reach.
# The health check too: load balancers carry no session, and a browser that
# does must not make it load an account.
ALLOWED_BEFORE_NEW_PASSWORD = frozenset({"accounts.new_password", "auth.logout", "static",
                                         "dashboard.healthz"})


@bp.before_app_request
def hold_until_password_is_replaced():
    """Send a signed-in user whose password is temporary to choose their own,
    from every page until they have. An unknown URL (no endpoint) is a 404
    without loading the account; if the database is away, loading it raises
    and the error handlers answer 503."""
    if request.endpoint is None or request.endpoint in ALLOWED_BEFORE_NEW_PASSWORD:
        return None
    if current_user.is_authenticated and current_user.password_must_change:
        return redirect(url_for("accounts.new_password"))
    return None


def _paused(form: LoginForm, wait_seconds: int):
    minutes = math.ceil(wait_seconds / 60)
    form.form_errors.append(
        "Too many failed sign-ins for this account or from this network. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, or ask an admin to let you in sooner."
    )
    response = make_response(_login_page(form, 429))
    response.headers["Retry-After"] = str(wait_seconds)
    return response


@bp.post("/logout")
@login_required
def logout():
    # CSRFProtect has already checked the token: a forged sign-out gets 400.
    # The token is per person, so signing out here ends their other sessions too:
    # a copied cookie must not outlive the sign-out that was meant to end it.
    accounts.end_all_sessions(current_user)
    transaction.commit()
    return finish_sign_out("You are signed out.")


def finish_sign_out(message: str):
    """Sign this browser out and say `message` on the sign-in page. A session
    begun at the identity provider ends there too (RP-initiated logout): a
    page hands the browser over to the provider's sign-out, which sends it
    back to the sign-in page. A redirect cannot: the Content-Security-Policy
    (`form-action 'self'`) stops a sign-out post from leaving the site."""
    provider_sign_out = end_session()
    if provider_sign_out is None:
        flash(message, "info")
        return redirect(url_for("auth.login"))
    page = render_template("auth/signed_out.html", provider_sign_out=provider_sign_out,
                           provider_name=current_app.config["OIDC_PROVIDER_NAME"])
    flash(message, "info")  # after the page: it shows when the provider sends the browser back
    return page
