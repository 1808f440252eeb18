"""Behaviour pages: the list of targets and no-nos, one behaviour, the form."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import clock, transaction
from tracker.auth.policy import may, permission_required
from tracker.behaviours import bp, services
from tracker.behaviours.forms import BehaviourForm
from tracker.behaviours.models import Behaviour
from tracker.concurrency import EditConflict
from tracker.extensions import db
from tracker.history.services import events_for, readable_changes
from tracker.initiatives.services import initiatives_for_behaviour
from tracker.metrics.services import metrics_for_behaviour
from tracker.paging import page_from_args
from tracker.validation import populate_errors


@bp.get("/")
@login_required
def index():
    rows = services.behaviours_with_counts()
    return render_template(
        "behaviours/list.html",
        targets=[row for row in rows if not row.Behaviour.is_no_no],
        no_nos=[row for row in rows if row.Behaviour.is_no_no],
        can_manage=may(current_user, "manage_behaviours"),
    )


INITIATIVES_PER_PAGE = 50


@bp.get("/<id:behaviour_id>")
@login_required
def detail(behaviour_id: int):
    behaviour = db.get_or_404(Behaviour, behaviour_id)
    metrics = metrics_for_behaviour(behaviour.id)
    initiatives = initiatives_for_behaviour(behaviour.id, page=page_from_args(request.args),
                                            per_page=INITIATIVES_PER_PAGE)
    events = events_for("behaviour", behaviour.id)
    return render_template(
        "behaviours/detail.html",
        behaviour=behaviour,
        metrics=metrics,
        initiatives=initiatives,
        events=events,
        history_changes=readable_changes(events),
        can_manage=may(current_user, "manage_behaviours"),
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("manage_behaviours")
def create():
    form = BehaviourForm()
    if form.validate_on_submit():
        try:
            behaviour = services.create_behaviour(
                actor=current_user._get_current_object(), **form.data_for_service(), now=clock.now()
            )
        except services.BehaviourError as e:
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Added {behaviour.kind_label.lower()} “{behaviour.name}”.", "success")
            return redirect(url_for("behaviours.detail", behaviour_id=behaviour.id))
    return render_template("behaviours/form.html", form=form, behaviour=None)


@bp.route("/<id:behaviour_id>/edit", methods=["GET", "POST"])
@permission_required("manage_behaviours")
def edit(behaviour_id: int):
    behaviour = db.get_or_404(Behaviour, behaviour_id)
    form = BehaviourForm(obj=behaviour)
    if not form.is_submitted():
        form.stamp(behaviour.version)
    if form.validate_on_submit():
        try:
            services.update_behaviour(
                behaviour, actor=current_user._get_current_object(), **form.data_for_service(),
                now=clock.now(), version=form.expected_version()
            )
        except EditConflict as e:
            transaction.rollback()
            current = BehaviourForm(formdata=None, obj=behaviour)
            form.reconcile(current, behaviour.version)
            populate_errors(form, e)
        except services.BehaviourError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Saved “{behaviour.name}”.", "success")
            return redirect(url_for("behaviours.detail", behaviour_id=behaviour.id))
    return render_template("behaviours/form.html", form=form, behaviour=behaviour)
