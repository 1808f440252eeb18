from flask import abort, flash, redirect, request, session, url_for

from tracker import clock, transaction
from tracker.auth.redirects import safe_next_url
from tracker.auth.sessions import start_session
from tracker.sso import bp, client, services

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


# A link, not a form: the Content-Security-Policy's `form-action 'self'` stops
# a form post that redirects to another site, and starting a sign-in changes
# nothing here but this browser's own session (the provider then signs in
# whoever the browser already is there, so there is nothing to forge).
@bp.get("/login/sso")
def start():
    """The "Sign in with <provider>" button: off to the provider's sign-in page."""
    provider = _provider()
    session[NEXT] = safe_next_url(request.args.get("next")) or ""
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
