from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import clock, transaction
from tracker.auth.policy import permission_required
from tracker.outbox import bp, services
from tracker.outbox.forms import ResendForm
from tracker.outbox.models import STATES
from tracker.paging import page_from_args

PER_PAGE = 50


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        abort(400)
    return value


@bp.get("/")
@permission_required("read_outbox")
def index():
    """Every message the app sends later, newest first, by state and kind."""
    state, kind = _choice("state", STATES), _choice("kind", services.KINDS)
    page = services.messages_page(state=state, kind=kind, page=page_from_args(request.args),
                                  per_page=PER_PAGE)
    return render_template("outbox/index.html", page=page, counts=services.state_counts(kind),
                           state=state, kind=kind, states=STATES, kinds=services.KINDS,
                           resendable=services.RESENDABLE,
                           args={k: v for k, v in (("state", state), ("kind", kind)) if v})


@bp.route("/<id:message_id>/resend", methods=["GET", "POST"])
@permission_required("resend_mail")
def resend(message_id: int):
    """A warning first (it may already have been delivered), then the resend on POST."""
    message = services.get_message(message_id)
    if message is None:
        abort(404)
    form = ResendForm()
    if form.validate_on_submit():
        try:
            services.resend(message, actor=current_user._get_current_object(), now=clock.now())
        except services.OutboxError as e:
            transaction.rollback()
            flash(str(e), "error")
        else:
            transaction.commit()
            flash(f"The {message.kind} to {message.recipient} is queued again; "
                  "the scheduler's next run sends it.", "success")
            return redirect(url_for("outbox.index", state="queued"))
    return render_template("outbox/resend.html", message=message, form=form,
                           resendable=services.RESENDABLE)
