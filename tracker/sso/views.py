from flask import abort, flash, redirect, session, url_for

from tracker import clock, transaction
from tracker.auth.redirects import safe_next_url
from tracker.auth.sessions import start_session
from tracker.sso import bp, client, services
from tracker.sso.forms import ProviderSignInForm

# Where to go after the provider sends the browser back: kept in the session
# between the two requests, checked again when used.
NEXT = "sso_next"


def _provider():
    provider = client.settings()
    if provider is None:
        abort(404)
    return provider


def _refused(message: str):
    flash(message, "error")
    return redirect(url_for("auth.login"))


@bp.post("/login/sso")
def start():
    """The "Sign in with <provider>" button: off to the provider's sign-in page."""
    provider = _provider()
    form = ProviderSignInForm()
    if not form.validate_on_submit():
        return _refused("That sign-in did not come from this site's sign-in page. Try again.")
    session[NEXT] = safe_next_url(form.next.data) or ""
    try:
        return client.redirect_to_provider(provider, url_for("sso.callback", _external=True))
    except client.SignInFailed as e:
        return _refused(e.message)


@bp.get("/login/sso/callback")
def callback():
    """Where the provider sends the browser back: check what it says, then
    sign the account in with a fresh session."""
    provider = _provider()
    next_url = safe_next_url(session.pop(NEXT, None))
    try:
        claims, id_token = client.claims_from_callback(provider)
        user = services.account_for_sign_in(claims, provider, now=clock.now())
    except (client.SignInFailed, services.SignInRefused) as e:
        transaction.rollback()
        return _refused(e.message)
    transaction.commit()
    start_session(user, remember=False, sign_out_url=client.sign_out_url(
        provider, id_token, url_for("auth.login", _external=True)))
    flash(f"Welcome, {user.display_name}.", "success")
    return redirect(next_url or url_for("dashboard.index"))
