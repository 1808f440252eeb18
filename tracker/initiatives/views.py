"""Initiative pages: the list, one initiative, and the forms that change it."""

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import Row, select

from tracker import charts, transaction
from tracker.accounts.forms import EmptyForm
from tracker.accounts.models import Department, User
from tracker.auth.policy import ensure, may
from tracker.behaviours.models import Behaviour
from tracker.checkins import saydo
from tracker.checkins import services as checkin_services
from tracker.db import utcnow
from tracker.extensions import db
from tracker.history import services as history
from tracker.initiatives import bp
from tracker.initiatives import services as initiatives
from tracker.initiatives.forms import (
    SORT_LABELS,
    InitiativeForm,
    LinkMetricForm,
    StatusForm,
    filters_from_args,
)
from tracker.initiatives.models import (
    EXPECTED_DIRECTIONS,
    INITIATIVE_KINDS,
    STATUSES,
    Initiative,
    InitiativeMetric,
)
from tracker.metrics.models import Metric
from tracker.metrics.services import reading_points, readings_for
from tracker.paging import page_from_args
from tracker.people import services as people_services
from tracker.people.services import decision_counts_for_initiatives
from tracker.validation import populate_errors

PER_PAGE = 50
TIMELINE_LIMIT = 40
# Each linked metric's table lists its newest readings; the metric's own
# readings page has them all.
READINGS_SHOWN = 30
# Flask's int converter accepts any length; ids beyond a 32-bit key are 404, not a database error.
ID = "int(max=2147483647)"


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
    departments = db.session.execute(
        select(Department.id, Department.name).order_by(Department.name)).all()
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


def _detail_url_prefix() -> str:
    """The detail page's URL up to the id: a row appends its id, instead of
    one url_for per row (a tenth of the page's rendering time)."""
    return url_for("initiatives.detail", initiative_id=0).removesuffix("0")


def _form_choices(form: InitiativeForm) -> None:
    users = db.session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name)
    ).all()
    leaders = [u for u in users if may(u, "sponsor_initiatives")]
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    behaviours = db.session.scalars(select(Behaviour).order_by(Behaviour.name)).all()
    form.set_choices(users, leaders, departments, behaviours)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = InitiativeForm()
    _form_choices(form)
    if not form.is_submitted():
        form.owner_id.data = current_user.id
        form.department_id.data = current_user.department_id or 0
        form.start_date.data = current_user.local_date(utcnow())
    if form.validate_on_submit():
        try:
            initiative = initiatives.create_initiative(actor=_actor(), data=form.to_input())
        except initiatives.InitiativeError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Logged {initiative.title}. Link a metric: until then it is still talk.",
                  "success")
            return redirect(url_for("initiatives.detail", initiative_id=initiative.id))
    return render_template("initiatives/form.html", form=form, initiative=None)


@bp.route(f"/<{ID}:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int):
    initiative = _get_or_404(initiative_id)
    ensure(may(_actor(), "edit_initiative", initiative))
    form = InitiativeForm(obj=initiative)
    _form_choices(form)
    if not form.is_submitted():
        form.sponsor_id.data = initiative.sponsor_id or 0
        form.department_id.data = initiative.department_id or 0
        form.behaviour_ids.data = [b.id for b in initiative.behaviours]
    if form.validate_on_submit():
        try:
            initiatives.update_initiative(initiative, actor=_actor(), data=form.to_input())
        except initiatives.InitiativeError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash("Saved.", "success")
            return redirect(url_for("initiatives.detail", initiative_id=initiative_id))
    return render_template("initiatives/form.html", form=form, initiative=initiative)


@dataclass
class TimelineEntry:
    """One line of the timeline: something done (an event) or something seen (a reading)."""

    day: date
    kind: str  # "event" or "reading"
    label: str
    text: str
    detail: str = ""
    movement: str = ""  # for readings: "toward" or "away" from the target, or ""
    order: float = 0.0


def _unit_suffix(unit: str) -> str:
    return unit if unit.startswith("%") or not unit else f" {unit}"


def _quantity(value: float, unit: str) -> str:
    """"80%", "12 days": a number for people, with its unit."""
    return charts.format_number(value) + _unit_suffix(unit)


def _signed(value: float, unit: str) -> str:
    """A change: "+3%", "-2 days"."""
    return ("+" if value > 0 else "") + _quantity(value, unit)


def _movement(metric: Metric, previous: float | None, value: float) -> str:
    if previous is None or value == previous:
        return ""
    better = value > previous if metric.direction == "higher" else value < previous
    return "toward" if better else "away"


# A plain word per kind of event. Never "done": a check-in full of talk is not progress.
EVENT_LABELS = {"created": "Logged", "updated": "Edited", "status": "Status",
                "metric linked": "Metric", "metric unlinked": "Metric", "check-in": "Check-in",
                "amendment": "Check-in", "review": "Review"}


def _event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action.replace("_", " ").capitalize())


def build_timeline(events, links, readings: dict[int, list[Row]], day_of,
                   limit: int = TIMELINE_LIMIT, actions=(),
                   reading_totals: dict[int, int] | None = None) -> tuple[list[TimelineEntry], int]:
    """History events and metric readings in one list, newest first, so the
    acts that came before a metric moved are read next to the move. Returns
    the newest `limit` entries and how many there are in all. `day_of` turns
    an event's UTC time into the reader's calendar day.

    `readings` holds each metric's readings oldest first; it may be only the
    newest `limit + 1` of them (no older one can make the newest `limit`),
    with `reading_totals` saying how many each metric has. The oldest of a
    cut-off list is then shown only as the base of the next one's change.
    """
    reading_totals = reading_totals or {}
    entries = [TimelineEntry(day=day_of(e.at), kind="event", label=_event_label(e.action),
                             text=e.summary,
                             detail=e.actor.display_name if e.actor else "System",
                             order=e.at.timestamp())
               for e in events]
    entries += [TimelineEntry(day=a.happened_on, kind="event", label="Action",
                              text=a.text, detail=(a.done_by + (" · " + a.evidence if a.evidence
                                                                else " · no evidence")),
                              order=a.created_at.timestamp())
                for a in actions if a.happened_on]
    total = len(entries)
    # On one day, what was done is listed above what was observed.
    keyed: list[tuple[tuple, object]] = [((e.day, True, e.order), e) for e in entries]
    for link in links:
        previous, series = None, readings.get(link.metric_id, [])
        total += max(reading_totals.get(link.metric_id, 0), len(series))
        if series and reading_totals.get(link.metric_id, 0) > len(series):
            previous, series = series[0].value, series[1:]
        for reading in series:
            keyed.append(((reading.observed_on, False, 0.0), (link.metric, reading, previous)))
            previous = reading.value
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    # Readings are put into words only once they make the cut: most do not.
    return [item if isinstance(item, TimelineEntry) else _reading_entry(*item)
            for _, item in keyed[:limit]], total


def _reading_entry(metric: Metric, reading: Row, previous: float | None) -> TimelineEntry:
    text = f"{metric.name}: {_quantity(reading.value, metric.unit)}"
    if previous is not None:
        text += f" ({_signed(reading.value - previous, metric.unit)})"
    return TimelineEntry(day=reading.observed_on, kind="reading", label="Reading", text=text,
                         detail=reading.note, movement=_movement(metric, previous, reading.value))


@dataclass
class LinkedMetric:
    """A linked metric as the page shows it."""

    link: InitiativeMetric
    readings: list[Row]  # the newest READINGS_SHOWN readings, newest first
    total: int  # how many readings the metric has in all
    chart: str
    markers: list[tuple[date, str]]
    moved: float | None  # change from the last reading at or before the start to the latest

    @property
    def latest(self) -> Row | None:
        return self.readings[0] if self.readings else None


def _linked_metrics(initiative: Initiative, points: dict[int, list[tuple[date, float]]],
                    recent: dict[int, list[Row]], events, day_of,
                    actions) -> list[LinkedMetric]:
    """Each link with its chart (every reading, from `points`) and its table
    (the newest of `recent`, which holds each metric's newest readings)."""
    markers = [(initiative.start_date, f"start of {initiative.title}")]
    markers += [(day_of(e.at), e.summary) for e in events if e.action == "status"]
    # The acts, on the metric charts: did the numbers move after them?
    markers += [(a.happened_on, "action: " + _shorten(a.text)) for a in actions if a.happened_on]
    out = []
    for link in initiative.metric_links:
        metric, series = link.metric, points.get(link.metric_id, [])
        sign = 1 if link.expected_direction == "increase" else -1
        expected = f"expected {_signed(sign * link.expected_amount, metric.unit)}"
        marked = sorted([*markers, (link.expected_by, expected)], key=lambda m: m[0])
        chart = charts.line_chart(
            f"metric-chart-{link.id}", metric.name, series,
            unit=metric.unit, baseline=metric.baseline, target=metric.target,
            target_date=metric.target_date, markers=marked,
        )
        before = [value for day, value in series if day <= initiative.start_date]
        reference = before[-1] if before else metric.baseline
        moved = series[-1][1] - reference if series else None
        shown = recent.get(link.metric_id, [])[-READINGS_SHOWN:][::-1]
        out.append(LinkedMetric(link=link, readings=shown, total=len(series), chart=chart,
                                markers=marked, moved=moved))
    return out


def _kind_counts(checkin) -> dict[str, int]:
    counts = {"action": 0, "talk": 0}
    for entry in checkin_services.standing_entries(checkin):
        counts[entry.effective_kind] += 1
    return counts


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _detail_page(initiative: Initiative, *, status_form: StatusForm | None = None):
    """The detail page, with a blank status form unless the caller passes one with errors."""
    events = history.events_for("initiative", initiative.id)
    metric_ids = [link.metric_id for link in initiative.metric_links]
    # Every reading as a bare (date, value) for the charts; as rows with their
    # notes only the newest few, enough for the tables and the timeline.
    points = reading_points(metric_ids)
    recent = readings_for(metric_ids, limit_per_metric=max(TIMELINE_LIMIT + 1, READINGS_SHOWN))
    day_of = _actor().local_date
    checkins = checkin_services.recent_checkins(initiative.id)
    actions = [e for c in checkins for e in checkin_services.standing_entries(c)
               if c.state == "submitted" and e.effective_kind == "action"]
    timeline, timeline_total = build_timeline(
        events, initiative.metric_links, recent, day_of, actions=actions,
        reading_totals={metric_id: len(series) for metric_id, series in points.items()})
    record = saydo.record_of(initiative, checkins, points, today=day_of(utcnow()))
    decision_count = decision_counts_for_initiatives([initiative.id]).get(initiative.id, 0)
    decisions = (people_services.decisions_for_initiative(initiative.id)
                 if decision_count and may(_actor(), "read_people") else [])
    can_edit = may(_actor(), "edit_initiative", initiative)
    if can_edit:
        status_form = status_form or StatusForm(formdata=None)
        status_form.offer(initiative.status, initiatives.TRANSITIONS)
    return render_template(
        "initiatives/detail.html", initiative=initiative, events=events, timeline=timeline,
        history_changes=history.readable_changes(events),
        timeline_total=timeline_total,
        metrics=_linked_metrics(initiative, points, recent, events, day_of, actions),
        record=record, checkins=checkins[:8], decision_count=decision_count, decisions=decisions,
        checkin_counts={c.id: _kind_counts(c) for c in checkins[:8]},
        can_edit=can_edit, status_form=status_form, button=EmptyForm(),
        directions=EXPECTED_DIRECTIONS, signed=_signed, quantity=_quantity,
    )


@bp.get(f"/<{ID}:initiative_id>")
@login_required
def detail(initiative_id: int):
    return _detail_page(_get_or_404(initiative_id))


@bp.post(f"/<{ID}:initiative_id>/status")
@login_required
def change_status(initiative_id: int):
    initiative = _get_or_404(initiative_id)
    ensure(may(_actor(), "edit_initiative", initiative))
    form = StatusForm()
    if form.validate_on_submit():
        new_status = form.status.data
        try:
            initiatives.change_status(initiative, actor=_actor(), status=new_status,
                                      reason=form.reason.data or "",
                                      today=current_user.local_date(utcnow()))
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
    form.set_metrics(initiatives.metrics_to_link(initiative))
    if form.expected_by.data is None and initiative.due_date:
        form.expected_by.data = initiative.due_date
    return render_template("initiatives/link_metric.html", initiative=initiative, link_form=form)


@bp.get(f"/<{ID}:initiative_id>/metrics")
@login_required
def link_metric_form(initiative_id: int):
    initiative = _get_or_404(initiative_id)
    ensure(may(_actor(), "edit_initiative", initiative))
    return _link_page(initiative, LinkMetricForm(formdata=None))


@bp.post(f"/<{ID}:initiative_id>/metrics")
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
                expected_by=form.expected_by.data,
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


@bp.post(f"/<{ID}:initiative_id>/metrics/<{ID}:link_id>/delete")
@login_required
def unlink_metric(initiative_id: int, link_id: int):
    initiative = _get_or_404(initiative_id)
    ensure(may(_actor(), "edit_initiative", initiative))
    if EmptyForm().validate_on_submit():
        try:
            initiatives.unlink_metric(initiative, actor=_actor(), link_id=link_id)
        except initiatives.InitiativeError as e:
            transaction.rollback()
            flash(str(e), "error")
        else:
            transaction.commit()
            flash("Unlinked the metric. Its readings are kept.", "success")
    return redirect(url_for("initiatives.detail", initiative_id=initiative_id, _anchor="metrics"))
