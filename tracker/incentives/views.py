"""Incentive pages: the map, one incentive, recording, judging, and naming
the incentive an initiative changes."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import clock, transaction
from tracker.accounts.services import list_departments
from tracker.auth.policy import may, permission_required
from tracker.behaviours.models import Behaviour
from tracker.extensions import db
from tracker.history.services import events_for, readable_changes
from tracker.incentives import bp, services
from tracker.incentives.forms import ChangeForm, IncentiveForm, JudgementForm
from tracker.incentives.models import VERDICTS, Incentive
from tracker.initiatives.models import Initiative
from tracker.organisation import services as organisation
from tracker.paging import Page, page_from_args
from tracker.validation import populate_errors

# History labels of the fields only hr, executives and admins may read.
PRIVATE_LABELS = frozenset({"Named group", "Weight (%)"})
PER_PAGE = 50


def _actor():
    return current_user._get_current_object()


@bp.get("/")
@login_required
def index():
    """The map, the conflicts (50 a page, `conflicts_page`) and every
    incentive (50 a page, `page`)."""
    incentive_map = services.incentive_map()
    conflicts_page = page_from_args({"page": request.args.get("conflicts_page", "")})
    conflicts = Page.of(incentive_map.conflicts, conflicts_page, PER_PAGE)
    incentives = services.incentives_page(page_from_args(request.args), PER_PAGE)
    return render_template("incentives/map.html", map=incentive_map, conflicts=conflicts,
                           open_count=sum(1 for c in incentive_map.conflicts if c.is_open),
                           incentives=incentives, verdicts=VERDICTS,
                           can_manage=may(_actor(), "manage_incentives"),
                           can_see_details=may(_actor(), "read_incentive_details"))


@bp.route("/new", methods=["GET", "POST"])
@permission_required("manage_incentives")
def create():
    form = IncentiveForm()
    if not form.is_submitted():
        form.owner_id.data = current_user.id
        form.effective_from.data = organisation.today(clock.now())
    form.set_choices(list_departments(), services.metric_choices())
    if form.validate_on_submit():
        try:
            incentive = services.create_incentive(actor=_actor(), data=form.to_input(),
                                                  now=clock.now())
        except services.IncentiveError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash("Recorded the incentive. Now judge it against the behaviours.", "success")
            return redirect(url_for("incentives.detail", incentive_id=incentive.id))
    return render_template("incentives/form.html", form=form)


def _get_or_404(incentive_id: int) -> Incentive:
    incentive = services.get_incentive(incentive_id)
    if incentive is None:
        return db.get_or_404(Incentive, incentive_id)
    return incentive


@bp.get("/<id:incentive_id>")
@login_required
def detail(incentive_id: int):
    incentive = _get_or_404(incentive_id)
    events = events_for("incentive", incentive.id)
    changes = readable_changes(events)
    if not may(_actor(), "read_incentive_details"):
        changes = {event_id: [c for c in found if c.label not in PRIVATE_LABELS]
                   for event_id, found in changes.items()}
    return render_template("incentives/detail.html", incentive=incentive, events=events,
                           history_changes=changes, verdicts=VERDICTS,
                           **services.incentive_options(incentive),
                           can_manage=may(_actor(), "manage_incentives"),
                           can_see_details=may(_actor(), "read_incentive_details"))


@bp.route("/<id:incentive_id>/edit", methods=["GET", "POST"])
@permission_required("manage_incentives")
def edit(incentive_id: int):
    incentive = _get_or_404(incentive_id)
    form = IncentiveForm(obj=incentive)
    if not form.is_submitted():
        form.metric_id.data = incentive.metric_id or 0
        form.rewarded_direction.data = incentive.rewarded_direction or ""
    form.set_choices(list_departments(), services.metric_choices())
    if form.validate_on_submit():
        try:
            services.update_incentive(incentive, actor=_actor(), data=form.to_input(),
                                      now=clock.now())
        except services.IncentiveError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash("Saved the incentive. Its history keeps what it said before.", "success")
            return redirect(url_for("incentives.detail", incentive_id=incentive.id))
    return render_template("incentives/form.html", form=form, incentive=incentive)


@bp.route("/<id:incentive_id>/judge/<id:behaviour_id>", methods=["GET", "POST"])
@permission_required("manage_incentives")
def judge(incentive_id: int, behaviour_id: int):
    incentive = _get_or_404(incentive_id)
    behaviour = db.get_or_404(Behaviour, behaviour_id)
    suggestion = services.suggestions_for(incentive, [behaviour])[behaviour.id]
    current = services.judgements_of(incentive.id).get(behaviour.id)
    form = JudgementForm()
    if not form.is_submitted():
        form.verdict.data = current.verdict if current else suggestion.verdict
        form.reason.data = current.reason if current else suggestion.reason
    form.behaviour_id.data = str(behaviour.id)
    if form.validate_on_submit():
        try:
            services.judge(incentive, actor=_actor(), behaviour_id=behaviour.id,
                           verdict=form.verdict.data, reason=form.reason.data or "",
                           now=clock.now())
        except services.IncentiveError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Judged against “{behaviour.name}”: {VERDICTS[form.verdict.data].lower()}.",
                  "success")
            return redirect(url_for("incentives.detail", incentive_id=incentive_id,
                                    _anchor="judgements"))
    return render_template("incentives/judge.html", incentive=incentive, behaviour=behaviour,
                           suggestion=suggestion, current=current, form=form, verdicts=VERDICTS)


@bp.route("/changes/<id:initiative_id>", methods=["GET", "POST"])
@permission_required("manage_incentives")
def name_change(initiative_id: int):
    initiative = db.get_or_404(Initiative, initiative_id)
    existing = services.change_of(initiative.id)
    form = ChangeForm()
    if not form.is_submitted() and existing is not None:
        form.incentive_id.data = existing.incentive_id
        form.replacement_id.data = existing.replacement_id or 0
    form.set_choices(*services.changeable_incentives())
    if form.validate_on_submit():
        try:
            services.name_change(initiative, actor=_actor(), incentive_id=form.incentive_id.data,
                                 replacement_id=form.replacement_id.data or None, now=clock.now())
        except services.IncentiveError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash("Named the incentive this initiative changes. It changes when a check-in "
                  "reports the change as an action with evidence.", "success")
            return redirect(url_for("initiatives.detail", initiative_id=initiative_id))
    return render_template("incentives/change.html", initiative=initiative, existing=existing,
                           form=form)


