"""The tokens page of the account (create, shown once, revoke) and the admin's list of every token."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import clock, transaction
from tracker.auth.policy import ensure, may, permission_required
from tracker.paging import page_from_args
from tracker.tokens import bp, services
from tracker.tokens.forms import RevokeForm, TokenForm
from tracker.validation import populate_errors


def _token_form() -> TokenForm:
    form = TokenForm()
    form.scopes.choices = list(services.scopes_offered(current_user).items())
    return form


@bp.get("/account/tokens")
@login_required
def token_list():
    return _tokens_page(_token_form())


def _tokens_page(form: TokenForm, new_secret: str | None = None, status: int = 200):
    return render_template("tokens/list.html", form=form, tokens=services.tokens_of(current_user),
                           new_secret=new_secret, button=RevokeForm(), now=clock.now(),
                           scopes=services.SCOPES), status


@bp.post("/account/tokens")
@login_required
def token_create():
    form = _token_form()
    if form.validate_on_submit():
        try:
            created = services.create_token(current_user, name=form.name.data, scopes=form.scopes.data,
                                            days=form.days.data, now=clock.now())
        except services.TokenError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            # The secret is in this page only: it is stored nowhere but as its hash.
            return _tokens_page(_token_form(), new_secret=created.secret)
    return _tokens_page(form)


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def token_revoke(token_id: int):
    _revoke(token_id)
    return redirect(url_for("tokens.token_list"))


@bp.get("/admin/tokens")
@permission_required("manage_api_tokens")
def admin_tokens():
    """Every person's tokens, newest first, 50 a page."""
    return render_template("tokens/admin.html", page=services.every_token(page_from_args(request.args)),
                           button=RevokeForm(), now=clock.now())


@bp.post("/admin/tokens/<id:token_id>/revoke")
@permission_required("manage_api_tokens")
def admin_token_revoke(token_id: int):
    _revoke(token_id)
    return redirect(url_for("tokens.admin_tokens"))


def _revoke(token_id: int) -> None:
    token = services.get_token(token_id)
    if token is None:
        abort(404)
    ensure(token.user_id == current_user.id or may(current_user, "manage_api_tokens"))
    if RevokeForm().validate_on_submit():
        services.revoke(token, actor=current_user, now=clock.now())
        transaction.commit()
        flash(f"The token “{token.name}” is revoked: it no longer works.", "success")
