"""Initiative pages: the list, one initiative, and the forms that change it."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import clock, transaction
from tracker.accounts.forms import EmptyForm
from tracker.accounts.models import User
from tracker.accounts.services import active_users, list_departments
from tracker.auth.policy import ensure, may, roles_that_may
from tracker.behaviours.services import list_behaviours
from tracker.checkins import saydo
from tracker.checkins import services as checkin_services
from tracker.concurrency import EditConflict
from tracker.history import services as history
from tracker.incentives import services as incentive_services
from tracker.initiatives import bp, picker
from tracker.initiatives import services as initiatives
from tracker.initiatives.forms import (
    SORT_LABELS,
    InitiativeForm,
    LinkMetricForm,
    NewInitiativeForm,
    StatusForm,
    filters_from_args,
)
from tracker.initiatives.models import (
    EXPECTED_DIRECTIONS,
    INITIATIVE_KINDS,
    STATUSES,
    Initiative,
)
from tracker.initiatives.timeline import TIMELINE_PER_PAGE, build_timeline, linked_metrics, quantity, signed
from tracker.metrics.services import reading_points, readings_for
from tracker.organisation import services as organisation
from tracker.paging import Page, page_from_args
from tracker.people import services as people_services
from tracker.people.services import decision_counts_for_initiatives
from tracker.validation import populate_errors

PER_PAGE = 50
# Each linked metric's table lists its newest readings; the metric's own
# readings page has them all.
READINGS_SHOWN = 30
# Flask's int converter accepts any length; ids beyond a 32-bit key are 404, not a database error.


def _actor() -> User:
    return current_user._get_current_object()


def _get_or_404(initiative_id: int) -> Initiative:
    initiative = initiatives.get_initiative_for_page(initiative_id)
    if initiative is None:
        abort(404)
    return initiative


@bp.get("/")
@login_required
def index():
    filters = filters_from_args(request.args)
    page = initiatives.list_page(filters, page_from_args(request.args), PER_PAGE)
    departments = list_departments()
    # Page links keep the filters that were understood, and only those.
    args = {k: v for k, v in (("status", filters.status), ("kind", filters.kind),
                              ("department_id", filters.department_id),
                              ("owner_id", filters.owner_id), ("owner", filters.owner),
                              ("unmeasured", 1 if filters.unmeasured else None),
                              ("sort", filters.sort if filters.sort != "updated" else None)) if v}
    # A link to one owner's initiatives (owner_id) shows that owner's name in
    # the owner box; applying the form then searches by that name.
    owner = filters.owner or (page.items[0].owner_name if filters.owner_id and page.items else "")
    return render_template(
        "initiatives/list.html", page=page, filters=filters, owner=owner,
        departments=departments, kinds=INITIATIVE_KINDS, statuses=STATUSES, sorts=SORT_LABELS,
        args=args, detail_url=_detail_url_prefix(),
    )


@bp.get("/search.json")
@login_required
def search():
    """Suggestions for an initiative field (static/js/picker.js): at most 20
    initiatives whose title holds `?q=`, or whose number it is. Whoever is
    signed in sees every initiative's title on the list, so anyone may ask."""
    response = jsonify(picker.search_initiatives(request.args.get("q", "")))
    response.headers["Cache-Control"] = "no-store"
    return response


def _detail_url_prefix() -> str:
    """The detail page's URL up to the id: a row appends its id, instead of
    one url_for per row (a tenth of the page's rendering time)."""
    return url_for("initiatives.detail", initiative_id=0).removesuffix("0")


def _form_choices(form: InitiativeForm) -> None:
    # The owner is typed (a picker); sponsors are the few who may sponsor.
    leaders = active_users(roles=roles_that_may("sponsor_initiatives"))
    form.set_choices(leaders, list_departments(), list_behaviours())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = NewInitiativeForm()
    _form_choices(form)
    form.set_metrics(initiatives.metrics_to_link())
    if not form.is_submitted():
        form.owner_id.data = current_user.id
        form.department_id.data = current_user.department_id or 0
        form.start_date.data = organisation.today(clock.now())
    if form.validate_on_submit():
        now = clock.now()
        try:
            initiative = initiatives.create_initiative(
                actor=_actor(), data=form.to_input(), status=form.status.data,
                metric_link=form.metric_link(), now=now, today=organisation.today(now))
        except initiatives.InitiativeError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Logged {initiative.title}." if initiative.metric_links else
                  f"Logged {initiative.title}. Link a metric: until then it is still talk.", "success")
            return redirect(url_for("initiatives.detail", initiative_id=initiative.id))
    return render_template("initiatives/form.html", form=form, initiative=None)


@bp.route("/<id:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int):
    initiative = _get_or_404(initiative_id)
    ensure(may(_actor(), "edit_initiative", initiative))
    form = _edit_form(initiative, posted=True)
    if form.validate_on_submit():
        try:
            initiatives.update_initiative(initiative, actor=_actor(), data=form.to_input(),
                                          now=clock.now(), version=form.expected_version())
        except EditConflict as e:
            transaction.rollback()
            form.reconcile(_edit_form(initiative, posted=False), initiative.version)
            populate_errors(form, e)
        except initiatives.InitiativeError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash("Saved.", "success")
            return redirect(url_for("initiatives.detail", initiative_id=initiative_id))
    return render_template("initiatives/form.html", form=form, initiative=initiative)


def _edit_form(initiative: Initiative, *, posted: bool) -> InitiativeForm:
    """The edit form: as posted, or as it opens now (stamped with the stored version)."""
    form = InitiativeForm(obj=initiative) if posted else InitiativeForm(formdata=None, obj=initiative)
    _form_choices(form)
    if not (posted and form.is_submitted()):
        form.sponsor_id.data = initiative.sponsor_id or 0
        form.department_id.data = initiative.department_id or 0
        form.behaviour_ids.data = [b.id for b in initiative.behaviours]
        form.stamp(initiative.version)
    return form


def _detail_page(initiative: Initiative, *, status_form: StatusForm | None = None):
    """The detail page, with a blank status form unless the caller passes one
    with errors; the timeline's page is `?page=`."""
    events = history.events_for("initiative", initiative.id)
    metric_ids = [link.metric_id for link in initiative.metric_links]
    timeline_page = page_from_args(request.args)
    # The timeline up to the end of the asked page, and the page cut from it.
    timeline_limit = timeline_page * TIMELINE_PER_PAGE
    # Every reading as a bare (date, value) for the charts; as rows with their
    # notes only the newest few, enough for the tables and the timeline.
    points = reading_points(metric_ids)
    recent = readings_for(metric_ids, limit_per_metric=max(timeline_limit + 1, READINGS_SHOWN))
    settings = organisation.get_settings()

    def day_of(moment):
        """The organisation's date at `moment`, for every date on the page."""
        return organisation.today(moment, settings)

    checkins = checkin_services.recent_checkins(initiative.id)
    actions = checkin_services.standing_actions(checkins)
    timeline, timeline_total = build_timeline(
        events, initiative.metric_links, recent, day_of, limit=timeline_limit, actions=actions,
        reading_totals={metric_id: len(series) for metric_id, series in points.items()})
    start = (timeline_page - 1) * TIMELINE_PER_PAGE
    timeline_shown = Page(timeline[start:], timeline_total, timeline_page, TIMELINE_PER_PAGE)
    today = day_of(clock.now())
    record = saydo.record_of(initiative, checkins, points, today=today)
    decision_count = decision_counts_for_initiatives([initiative.id]).get(initiative.id, 0)
    decisions = (people_services.decisions_for_initiative(initiative.id)
                 if decision_count and may(_actor(), "read_people") else [])
    incentive_change = (incentive_services.change_of(initiative.id)
                        if initiative.kind == incentive_services.CHANGE_KIND else None)
    can_edit = may(_actor(), "edit_initiative", initiative)
    if can_edit:
        status_form = status_form or StatusForm(formdata=None)
        status_form.offer(initiative.status, initiatives.TRANSITIONS)
    return render_template(
        "initiatives/detail.html", initiative=initiative, events=events, timeline=timeline_shown,
        history_changes=history.readable_changes(events),
        metrics=linked_metrics(initiative, points, recent, events, day_of, actions, READINGS_SHOWN),
        record=record, checkins=checkins[:8], decision_count=decision_count, decisions=decisions,
        checkin_counts={c.id: checkin_services.kind_counts(c) for c in checkins[:8]},
        can_edit=can_edit, status_form=status_form, button=EmptyForm(),
        incentive_change=incentive_change,
        directions=EXPECTED_DIRECTIONS, signed=signed, quantity=quantity, today=today,
    )


@bp.get("/<id:initiative_id>")
@login_required
def detail(initiative_id: int):
    return _detail_page(_get_or_404(initiative_id))


@bp.post("/<id:initiative_id>/status")
@login_required
def change_status(initiative_id: int):
    initiative = _get_or_404(initiative_id)
    ensure(may(_actor(), "edit_initiative", initiative))
    form = StatusForm()
    if form.validate_on_submit():
        new_status, now = form.status.data, clock.now()
        try:
            initiatives.change_status(initiative, actor=_actor(), status=new_status,
                                      reason=form.reason.data or "", now=now,
                                      today=organisation.today(now))
        except initiatives.InitiativeError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"The initiative is now {STATUSES[new_status].lower()}.", "success")
            return redirect(url_for("initiatives.detail", initiative_id=initiative_id))
    return _detail_page(_get_or_404(initiative_id), status_form=form)


def _link_page(initiative: Initiative, form: LinkMetricForm):
    """The form that links a metric: its own page, so the initiative page does
    not carry every metric of the organisation in a select."""
    form.set_metrics(initiatives.metrics_to_link(),
                     linked=[link.metric_id for link in initiative.metric_links])
    if form.expected_by.data is None and initiative.due_date:
        form.expected_by.data = initiative.due_date
    return render_template("initiatives/link_metric.html", initiative=initiative, link_form=form)


@bp.get("/<id:initiative_id>/metrics")
@login_required
def link_metric_form(initiative_id: int):
    initiative = _get_or_404(initiative_id)
    ensure(may(_actor(), "edit_initiative", initiative))
    return _link_page(initiative, LinkMetricForm(formdata=None))


@bp.post("/<id:initiative_id>/metrics")
@login_required
def link_metric(initiative_id: int):
    initiative = _get_or_404(initiative_id)
    ensure(may(_actor(), "edit_initiative", initiative))
    form = LinkMetricForm()
    if form.validate_on_submit():
        try:
            link = initiatives.link_metric(
                initiative, actor=_actor(), metric_id=form.metric_id.data,
                expected_direction=form.expected_direction.data,
                expected_amount=form.expected_amount.data.strip(),
                expected_by=form.expected_by.data, now=clock.now(),
            )
        except initiatives.InitiativeError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Linked {link.metric.name}.", "success")
            return redirect(url_for("initiatives.detail", initiative_id=initiative_id,
                                    _anchor="metrics"))
    return _link_page(_get_or_404(initiative_id), form)


@bp.post("/<id:initiative_id>/metrics/<id:link_id>/delete")
@login_required
def unlink_metric(initiative_id: int, link_id: int):
    initiative = _get_or_404(initiative_id)
    ensure(may(_actor(), "edit_initiative", initiative))
    if EmptyForm().validate_on_submit():
        try:
            initiatives.unlink_metric(initiative, actor=_actor(), link_id=link_id, now=clock.now())
        except initiatives.InitiativeError as e:
            transaction.rollback()
            flash(str(e), "error")
        else:
            transaction.commit()
            flash("Unlinked the metric. Its readings are kept.", "success")
    return redirect(url_for("initiatives.detail", initiative_id=initiative_id, _anchor="metrics"))
