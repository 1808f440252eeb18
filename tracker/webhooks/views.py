from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import clock, transaction
from tracker.auth.policy import permission_required
from tracker.outbox.services import RESENDABLE
from tracker.paging import page_from_args
from tracker.validation import populate_errors
from tracker.webhooks import bp, delivery, events, services  # noqa: F401 (events, delivery: listeners and channel)
from tracker.webhooks.forms import ConfirmForm, EnabledForm, EndpointForm
from tracker.webhooks.models import WebhookEndpoint

PER_PAGE = 50


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    endpoint = services.get_endpoint(endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _form(endpoint: WebhookEndpoint | None) -> EndpointForm:
    form = EndpointForm(obj=endpoint) if endpoint else EndpointForm()
    if not form.is_submitted():
        form.owner_id.data = endpoint.owner_id if endpoint else current_user.id
        form.events.data = list(endpoint.events) if endpoint else []
    return form


def _allow_private() -> bool:
    return bool(current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"])


@bp.get("/")
@permission_required("manage_webhooks")
def index():
    """Every endpoint: where it sends, what, to whom, and whether it works."""
    return render_template("webhooks/index.html", endpoints=services.endpoints(), events=services.EVENTS)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("manage_webhooks")
def create():
    form = _form(None)
    if form.validate_on_submit():
        try:
            endpoint = services.create_endpoint(actor=current_user._get_current_object(),
                                                data=form.data_for_service(),
                                                allow_private=_allow_private(), now=clock.now())
        except services.WebhookError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash("Endpoint registered. Give its signing secret (below) to the receiver.", "success")
            return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))
    return render_template("webhooks/form.html", form=form, hook=None)


@bp.route("/<id:endpoint_id>/edit", methods=["GET", "POST"])
@permission_required("manage_webhooks")
def edit(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    form = _form(endpoint)
    if form.validate_on_submit():
        try:
            services.update_endpoint(endpoint, actor=current_user._get_current_object(),
                                     data=form.data_for_service(), allow_private=_allow_private(),
                                     now=clock.now())
        except services.WebhookError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash("Endpoint saved.", "success")
            return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))
    return render_template("webhooks/form.html", form=form, hook=endpoint)


@bp.get("/<id:endpoint_id>")
@permission_required("manage_webhooks")
def detail(endpoint_id: int):
    """An endpoint, its secrets, and the log of every delivery attempt."""
    endpoint = _endpoint_or_404(endpoint_id)
    now = clock.now()
    page = services.deliveries_page(endpoint, page=page_from_args(request.args), per_page=PER_PAGE)
    return render_template("webhooks/detail.html", hook=endpoint, page=page, form=ConfirmForm(),
                           events=services.EVENTS, signing=services.signing_secrets(endpoint, now),
                           resendable=RESENDABLE)


@bp.post("/<id:endpoint_id>/rotate")
@permission_required("manage_webhooks")
def rotate(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    if ConfirmForm().validate_on_submit():
        grace = timedelta(hours=current_app.config["WEBHOOK_ROTATION_GRACE_HOURS"])
        try:
            services.rotate_secret(endpoint, actor=current_user._get_current_object(), grace=grace,
                                   now=clock.now())
        except services.WebhookError as e:
            transaction.rollback()
            flash(str(e), "error")
        else:
            transaction.commit()
            flash("New secret made. Both secrets sign every delivery until the old one expires: "
                  "give the new one to the receiver before then.", "success")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))


@bp.post("/<id:endpoint_id>/enabled")
@permission_required("manage_webhooks")
def set_enabled(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    form = EnabledForm()
    if form.validate_on_submit():
        enabled = form.enabled.data == "y"
        try:
            services.set_enabled(endpoint, actor=current_user._get_current_object(), enabled=enabled,
                                 now=clock.now())
        except services.WebhookError as e:
            transaction.rollback()
            flash(str(e), "error")
        else:
            transaction.commit()
            flash("Endpoint enabled: events from now on are queued for it." if enabled else
                  "Endpoint disabled: nothing more is sent to it.", "success")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))
