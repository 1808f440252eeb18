"""Behaviour pages: the list of targets and no-nos, one behaviour, the form."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import transaction
from tracker.auth.policy import may, permission_required
from tracker.behaviours import bp, services
from tracker.behaviours.forms import BehaviourForm
from tracker.behaviours.models import Behaviour
from tracker.extensions import db
from tracker.history.services import events_for, readable_changes
from tracker.initiatives.models import Initiative, initiative_behaviour
from tracker.metrics.models import Metric, metric_behaviour
from tracker.validation import populate_errors


@bp.get("/")
@login_required
def index():
    metric_count = (
        select(func.count())
        .select_from(metric_behaviour)
        .where(metric_behaviour.c.behaviour_id == Behaviour.id)
        .scalar_subquery()
    )
    initiative_count = (
        select(func.count())
        .select_from(initiative_behaviour)
        .where(initiative_behaviour.c.behaviour_id == Behaviour.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Behaviour, metric_count.label("metrics"), initiative_count.label("initiatives"))
        .order_by(func.lower(Behaviour.name), Behaviour.id)
    ).all()
    return render_template(
        "behaviours/list.html",
        targets=[row for row in rows if not row.Behaviour.is_no_no],
        no_nos=[row for row in rows if row.Behaviour.is_no_no],
        can_manage=may(current_user, "manage_behaviours"),
    )


@bp.get("/<int(max=2147483647):behaviour_id>")
@login_required
def detail(behaviour_id: int):
    behaviour = db.get_or_404(Behaviour, behaviour_id)
    metrics = db.session.scalars(
        select(Metric)
        .join(metric_behaviour, metric_behaviour.c.metric_id == Metric.id)
        .where(metric_behaviour.c.behaviour_id == behaviour.id)
        .options(selectinload(Metric.owner), selectinload(Metric.department))
        .order_by(Metric.name)
    ).all()
    initiatives = db.session.scalars(
        select(Initiative)
        .join(initiative_behaviour, initiative_behaviour.c.initiative_id == Initiative.id)
        .where(initiative_behaviour.c.behaviour_id == behaviour.id)
        .options(selectinload(Initiative.owner))
        .order_by(Initiative.start_date.desc(), Initiative.id.desc())
    ).all()
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
                actor=current_user._get_current_object(), **form.data_for_service()
            )
        except services.BehaviourError as e:
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Added {behaviour.kind_label.lower()} “{behaviour.name}”.", "success")
            return redirect(url_for("behaviours.detail", behaviour_id=behaviour.id))
    return render_template("behaviours/form.html", form=form, behaviour=None)


@bp.route("/<int(max=2147483647):behaviour_id>/edit", methods=["GET", "POST"])
@permission_required("manage_behaviours")
def edit(behaviour_id: int):
    behaviour = db.get_or_404(Behaviour, behaviour_id)
    form = BehaviourForm(obj=behaviour)
    if form.validate_on_submit():
        try:
            services.update_behaviour(
                behaviour, actor=current_user._get_current_object(), **form.data_for_service()
            )
        except services.BehaviourError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Saved “{behaviour.name}”.", "success")
            return redirect(url_for("behaviours.detail", behaviour_id=behaviour.id))
    return render_template("behaviours/form.html", form=form, behaviour=behaviour)
