"""Metric pages: the list, one metric with its chart and readings, the form,
recording a reading, every reading page by page, and importing readings from CSV."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import clock, transaction
from tracker.accounts.models import User
from tracker.accounts.services import list_departments
from tracker.auth.policy import ensure, may
from tracker.behaviours.services import list_behaviours
from tracker.charts import format_number, line_chart, sparkline
from tracker.concurrency import EditConflict
from tracker.history.services import events_for, readable_changes
from tracker.ids import parse_id
from tracker.initiatives.services import links_to_metric
from tracker.metrics import bp, services
from tracker.metrics.forms import (
    CorrectReadingForm,
    MetricForm,
    ReadingForm,
    ReadingsImportForm,
    VoidReadingForm,
)
from tracker.metrics.models import SOURCES, Metric, Reading
from tracker.metrics.readings_csv import MAX_UPLOAD_BYTES
from tracker.metrics.standards import check_standard
from tracker.options import kept_markup
from tracker.organisation import services as organisation
from tracker.paging import page_from_args
from tracker.validation import populate_errors

SPARKLINE_READINGS = 12
# The list draws one page of sparklines at a time.
METRICS_PER_PAGE = 50
# The metric page's table lists the newest readings; all of them are a link away.
READINGS_SHOWN = 30
READINGS_PER_PAGE = 100


@bp.app_template_filter("format_number")
def format_number_filter(value) -> str:
    return format_number(value)


def _actor() -> User:
    return current_user._get_current_object()


def _today():
    """The organisation's date: 'the future' starts at its midnight."""
    return organisation.today(clock.now())


@bp.get("/")
@login_required
def index():
    source = request.args.get("source", "")
    source = source if source in SOURCES else ""
    department_id = parse_id(request.args.get("department"))
    page = services.metrics_page(source=source, department_id=department_id,
                                 page=page_from_args(request.args), per_page=METRICS_PER_PAGE)
    metrics = page.items
    recent = services.readings_for([m.id for m in metrics], SPARKLINE_READINGS)
    rows = [
        {
            "metric": m,
            "latest": recent[m.id][-1] if recent[m.id] else None,
            "sparkline": sparkline(
                f"spark-{m.id}", f"Latest readings of {m.name}", [r.value for r in recent[m.id]],
                baseline=m.baseline, target=m.target,
            ) if recent[m.id] else None,
            "vague": bool(check_standard(m.standard)),
        }
        for m in metrics
    ]
    return render_template(
        "metrics/list.html",
        rows=rows,
        page=page,
        sources=SOURCES,
        departments=list_departments(),
        source=source,
        department_id=department_id,
        filtered=bool(source or department_id),
    )


def _metric_or_404(metric_id: int) -> Metric:
    metric = services.get_metric_for_page(metric_id)
    if metric is None:
        abort(404)
    return metric


def _detail_page(metric: Metric, reading_form: ReadingForm):
    actor = _actor()
    points = services.reading_points([metric.id])[metric.id]
    readings = services.latest_readings(metric, READINGS_SHOWN)
    links = links_to_metric(metric.id)
    markers = [(link.initiative.start_date, link.initiative.title, "Initiative started")
               for link in links]

    def chart(chart_id: str, width: int, height: int):
        # The page's heading names the metric: the drawing does not repeat it.
        return line_chart(chart_id, metric.name, points, unit=metric.unit, baseline=metric.baseline,
                          target=metric.target, target_date=metric.target_date, markers=markers,
                          width=width, height=height, heading=False)

    # An SVG scales its text with its width: a wide drawing for screens, a
    # narrow one for phones, so the labels stay readable on both.
    charts = {"wide": chart("metric-chart", 960, 320), "narrow": chart("metric-chart-narrow", 400, 280)}
    latest = readings[0] if readings else None
    events = events_for("metric", metric.id)
    return render_template(
        "metrics/detail.html",
        metric=metric,
        findings=services.standard_findings(metric),
        readings=readings,
        readings_total=len(points),
        latest=latest,
        progress=metric.progress(latest.value) if latest else None,
        charts=charts,
        links=links,
        reading_form=reading_form,
        today=_today(),
        can_edit=may(actor, "edit_metric", metric),
        can_record=may(actor, "record_reading", metric),
        events=events,
        history_changes=readable_changes(events),
    )


@bp.get("/<id:metric_id>")
@login_required
def detail(metric_id: int):
    metric = _metric_or_404(metric_id)
    return _detail_page(metric, ReadingForm(observed_on=_today()))


@bp.get("/<id:metric_id>/readings")
@login_required
def all_readings(metric_id: int):
    """Every reading of a metric, newest first, a page at a time."""
    metric = _metric_or_404(metric_id)
    page = services.readings_page(metric, page_from_args(request.args), READINGS_PER_PAGE)
    return render_template("metrics/readings.html", metric=metric, page=page,
                           args={"metric_id": metric.id})


@bp.post("/<id:metric_id>/readings")
@login_required
def record_reading(metric_id: int):
    metric = _metric_or_404(metric_id)
    actor = _actor()
    ensure(may(actor, "record_reading", metric))
    form = ReadingForm()
    if form.validate_on_submit():
        now = clock.now()
        try:
            reading = services.record_reading(
                metric, actor=actor, observed_on=form.observed_on.data, value=form.value.data,
                note=form.note.data or "", now=now, today=organisation.today(now),
            )
        except services.MetricError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Recorded {format_number(reading.value)} for {reading.observed_on.isoformat()}.",
                  "success")
            return redirect(url_for("metrics.detail", metric_id=metric.id))
    return _detail_page(metric, form)


def _reading_or_404(reading_id: int) -> Reading:
    reading = services.get_reading(reading_id)
    if reading is None:
        abort(404)
    ensure(may(_actor(), "correct_reading", reading))
    return reading


def _correction_page(reading: Reading, correct_form: CorrectReadingForm, void_form: VoidReadingForm):
    return render_template("metrics/correct.html", reading=reading, metric=reading.metric,
                           correct_form=correct_form, void_form=void_form)


@bp.route("/readings/<id:reading_id>/correct", methods=["GET", "POST"])
@login_required
def correct_reading(reading_id: int):
    """Correct a reading: a new one supersedes it; the original stays in history."""
    reading = _reading_or_404(reading_id)
    form = CorrectReadingForm()
    if form.validate_on_submit():
        try:
            correction = services.correct_reading(reading, actor=_actor(), value=form.value.data,
                                                  reason=form.reason.data or "", now=clock.now())
        except services.MetricError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Corrected the reading of {reading.observed_on.isoformat()} to "
                  f"{format_number(correction.value)}.", "success")
            return redirect(url_for("metrics.all_readings", metric_id=reading.metric_id))
    return _correction_page(reading, form, VoidReadingForm(prefix="void", formdata=None))


@bp.post("/readings/<id:reading_id>/void")
@login_required
def void_reading(reading_id: int):
    """Void a reading: it counts nowhere; it stays in history, struck through."""
    reading = _reading_or_404(reading_id)
    form = VoidReadingForm(prefix="void")
    if form.validate_on_submit():
        try:
            services.void_reading(reading, actor=_actor(), reason=form.reason.data or "",
                                  now=clock.now())
        except services.MetricError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Voided the reading of {reading.observed_on.isoformat()}.", "success")
            return redirect(url_for("metrics.all_readings", metric_id=reading.metric_id))
    return _correction_page(reading, CorrectReadingForm(formdata=None), form)


def _fill_choices(form: MetricForm) -> None:
    """The departments and behaviours to choose from. The owner is typed (a
    picker); the service says who may be named (leaders: anyone active;
    everyone else: themselves)."""
    # {value: label}: WTForms' shorthand for choices.
    form.department_id.choices = {0: "— none —", **{d.id: d.name for d in list_departments()}}
    form.behaviour_ids.choices = {
        b.id: f"{b.name} (no-no)" if b.is_no_no else b.name for b in list_behaviours()
    }


def _flash_saved(metric: Metric, verb: str) -> None:
    if services.standard_findings(metric):
        flash(f"{verb} “{metric.name}”. Its standard is not precise yet: see what to change below.",
              "warning")
    else:
        flash(f"{verb} “{metric.name}”. Its standard reads as precise.", "success")


def _form_page(form: MetricForm, metric: Metric | None):
    # The vague-word check on the standard as it stands, so the form teaches.
    findings = check_standard(form.standard.data) if form.standard.data else []
    return render_template("metrics/form.html", form=form, metric=metric, findings=findings)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    actor = _actor()
    form = MetricForm()
    _fill_choices(form)
    if not form.is_submitted():
        form.owner_id.data = actor.id
        form.department_id.data = actor.department_id or 0
    if form.validate_on_submit():
        try:
            metric = services.create_metric(actor=actor, data=form.data_for_service(), now=clock.now())
        except services.MetricError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            _flash_saved(metric, "Created")
            return redirect(url_for("metrics.detail", metric_id=metric.id))
    return _form_page(form, None)


@bp.route("/<id:metric_id>/edit", methods=["GET", "POST"])
@login_required
def edit(metric_id: int):
    metric = _metric_or_404(metric_id)
    actor = _actor()
    ensure(may(actor, "edit_metric", metric))
    form = _edit_form(metric, actor, posted=True)
    if form.validate_on_submit():
        try:
            services.update_metric(metric, actor=actor, data=form.data_for_service(), now=clock.now(),
                                   version=form.expected_version())
        except EditConflict as e:
            transaction.rollback()
            form.reconcile(_edit_form(metric, actor, posted=False), metric.version)
            populate_errors(form, e)
        except services.MetricError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            _flash_saved(metric, "Saved")
            return redirect(url_for("metrics.detail", metric_id=metric.id))
    return _form_page(form, metric)


def _edit_form(metric: Metric, actor: User, *, posted: bool) -> MetricForm:
    """The edit form: as posted, or as it opens now (stamped with the stored version)."""
    form = MetricForm(obj=metric) if posted else MetricForm(formdata=None, obj=metric)
    _fill_choices(form)
    if not (posted and form.is_submitted()):
        form.department_id.data = metric.department_id or 0
        form.behaviour_ids.data = [b.id for b in metric.behaviours]
        form.stamp(metric.version)
    return form


@bp.route("/readings/import", methods=["GET", "POST"])
@login_required
def import_readings():
    actor = _actor()
    form = ReadingsImportForm()
    errors, more_errors = [], 0
    if form.validate_on_submit():
        # One byte over the cap is enough for the parser to say "too large".
        data = form.file.data.stream.read(MAX_UPLOAD_BYTES + 1)
        now = clock.now()
        result = services.import_readings(data, actor=actor, now=now, today=organisation.today(now))
        if result.ok:
            transaction.commit()
            count = len(result.readings)
            flash(f"Imported {count} reading{'' if count == 1 else 's'}.", "success")
            return redirect(url_for("metrics.index"))
        transaction.rollback()
        errors, more_errors = result.errors, result.more_errors
    return render_template(
        "metrics/import.html",
        form=form,
        errors=errors,
        errors_total=len(errors) + more_errors,
        errors_hidden=more_errors,
        max_bytes=MAX_UPLOAD_BYTES,
        max_rows=current_app.config["READINGS_IMPORT_MAX_ROWS"],
        metrics_table=_importable_metrics(services.recording_scope(actor)),
        today=_today(),
    )


def _importable_metrics(owner_id: int | None):
    """The table of the metrics one may import readings for (every metric,
    for most who import), rendered once until the data changes."""
    return kept_markup("importable_metrics", lambda: render_template(
        "metrics/_importable.html", metrics=services.recordable_metrics(owner_id)), key=owner_id)
