"""People-decision pages: the list, one decision, the form, the alignment
report and the CSV downloads. HR, executives and admins only; members get
403 everywhere here, and executives read without editing."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import charts, clock, transaction
from tracker.accounts.models import User
from tracker.accounts.services import list_departments
from tracker.auth.policy import ensure, may, permission_required
from tracker.calendar import Quarter
from tracker.concurrency import EditConflict
from tracker.history import services as history
from tracker.organisation import services as organisation
from tracker.paging import page_from_args
from tracker.people import bp, decisions, export, queries
from tracker.people.forms import (
    DecisionForm,
    department_from_args,
    filters_from_args,
    rows_from_args,
)
from tracker.people.models import DECISION_KINDS, PeopleDecision
from tracker.people.report import PeopleReport, build_report
from tracker.validation import populate_errors

PER_PAGE = 50
# Flask's int converter accepts any length; ids beyond a 32-bit key are 404, not a database error.


def _actor() -> User:
    return current_user._get_current_object()


def _today():
    return organisation.today(clock.now())


def _decision_or_404(decision_id: int) -> PeopleDecision:
    decision = queries.decision_for_page(decision_id)
    if decision is None:
        abort(404)
    return decision


@bp.get("/")
@permission_required("read_people")
def index():
    filters = filters_from_args(request.args)
    page = queries.decisions_page(filters, page_from_args(request.args), PER_PAGE)
    return render_template(
        "people/list.html", page=page, filters=filters, args=filters.as_args(),
        departments=list_departments(), kinds=DECISION_KINDS,
        quarters=queries.quarter_choices(_today()),
        can_edit=may(_actor(), "edit_people"),
    )


def _blank_evidence(rows: int) -> list[dict]:
    return [{} for _ in range(rows)]


def _with_choices(form: DecisionForm) -> DecisionForm:
    choices = queries.form_choices()
    form.set_choices(choices.departments, choices.behaviours, choices.customer_metrics)
    return form


def _posted_form() -> DecisionForm:
    form = DecisionForm()
    if "add_row" in request.form and len(form.evidence) < decisions.MAX_EVIDENCE:
        form.evidence.append_entry({})
    return _with_choices(form)


def _render_form(form: DecisionForm, decision: PeopleDecision | None):
    return render_template(
        "people/form.html", form=form, decision=decision,
        today=_today(), can_add_row=len(form.evidence) < decisions.MAX_EVIDENCE,
    )


def _save(form: DecisionForm, decision: PeopleDecision | None):
    """Validate and store the posted form; a redirect on success, else the
    form again with each problem beside its field (nothing stored)."""
    if "add_row" in request.form:
        return _render_form(form, decision)
    if form.validate_on_submit():
        actor, now = _actor(), clock.now()
        try:
            if decision is None:
                decision = decisions.create_decision(actor=actor, data=form.to_input(),
                                                     today=organisation.today(now), now=now)
            else:
                decisions.update_decision(decision, actor=actor, data=form.to_input(),
                                          today=organisation.today(now), now=now,
                                          version=form.expected_version())
        except EditConflict as e:
            transaction.rollback()
            assert decision is not None  # only an edit is refused as stale
            decision = queries.decision_for_page(decision.id)
            assert decision is not None  # decisions are never deleted
            form.reconcile(_opened_form(decision), decision.version)
            populate_errors(form, e)
            return _render_form(form, decision)
        except decisions.PeopleError as e:
            transaction.rollback()
            populate_errors(form, e)
            if not form.form_errors:
                form.form_errors.append("Nothing was saved: fix what is marked below.")
            decision = queries.decision_for_page(decision.id) if decision and decision.id else None
        else:
            transaction.commit()
            verdict = "aligned" if decision.aligned else "not aligned: " + "; ".join(
                decision.alignment_reasons)
            flash(f"Saved the {decision.kind_label.lower()} for {decision.person_name}. "
                  f"It is {verdict}.", "success" if decision.aligned else "warning")
            return redirect(url_for("people.detail", decision_id=decision.id))
    else:
        form.form_errors.append("Nothing was saved: fix what is marked below.")
    return _render_form(form, decision)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("read_people")
def create():
    ensure(may(_actor(), "edit_people"))
    if request.method == "POST":
        return _save(_posted_form(), None)
    form = _with_choices(DecisionForm(data={
        "evidence": _blank_evidence(rows_from_args(request.args)),
        "effective_date": _today(),
        "department_id": _actor().department_id or 0,
    }))
    return _render_form(form, None)


@bp.route("/<id:decision_id>/edit", methods=["GET", "POST"])
@permission_required("read_people")
def edit(decision_id: int):
    ensure(may(_actor(), "edit_people"))
    decision = _decision_or_404(decision_id)
    if request.method == "POST":
        return _save(_posted_form(), decision)
    return _render_form(_opened_form(decision), decision)


def _opened_form(decision: PeopleDecision) -> DecisionForm:
    """The edit form as it opens: the stored decision, stamped with its version."""
    evidence = [{"behaviour_id": e.behaviour_id, "what": e.what, "observed_on": e.observed_on,
                 "where": e.where_recorded, "customer_metric_id": e.customer_metric_id or 0,
                 "customer_words": e.customer_words} for e in decision.evidence]
    wanted = max(rows_from_args(request.args, default=1), len(evidence) + 1)
    evidence += _blank_evidence(min(wanted, decisions.MAX_EVIDENCE) - len(evidence))
    form = _with_choices(DecisionForm(formdata=None, data={
        "person_name": decision.person_name, "employee_ref": decision.employee_ref,
        "user_id": decision.user_id or 0, "kind": decision.kind,
        "effective_date": decision.effective_date, "role_from": decision.role_from,
        "role_to": decision.role_to, "department_id": decision.department_id,
        "decided_by": decision.decided_by, "rationale": decision.rationale,
        "initiative_id": decision.initiative_id or 0, "evidence": evidence,
    }))
    form.stamp(decision.version)
    return form


@bp.get("/<id:decision_id>")
@permission_required("read_people")
def detail(decision_id: int):
    decision = _decision_or_404(decision_id)
    events = history.events_for(decisions.SUBJECT, decision.id)
    return render_template(
        "people/detail.html", decision=decision,
        others=queries.other_decisions_for_person(decision),
        events=events, history_changes=history.readable_changes(events),
        can_edit=may(_actor(), "edit_people"),
    )


def _report_from_args(*, paged: bool) -> PeopleReport:
    """The report the query string asks for; on the page, one page of its
    not-aligned decisions (the CSV has them all)."""
    quarter = Quarter.parse(request.args.get("quarter")) or Quarter.containing(_today())
    if paged:
        return build_report(quarter, department_from_args(request.args),
                            page=page_from_args(request.args), per_page=PER_PAGE)
    return build_report(quarter, department_from_args(request.args))


def _report_args(report: PeopleReport) -> dict[str, str | int]:
    args: dict[str, str | int] = {"quarter": report.quarter.key}
    if report.department:
        args["department_id"] = report.department.id
    return args


@bp.get("/report")
@permission_required("read_people")
def report():
    report = _report_from_args(paged=True)
    labels = [t.label for t in report.trend]
    series = [("Aligned", [t.aligned for t in report.trend]),
              ("Not aligned", [t.not_aligned for t in report.trend])]

    def trend(chart_id: str, width: int, height: int):
        # The card's heading names the chart; a wide drawing for screens, a
        # narrow one for phones, so the labels stay readable on both.
        return charts.bar_chart(chart_id, "Aligned and not aligned decisions, last four quarters",
                                labels, series, y_label="Decisions", width=width, height=height,
                                heading=False, empty="No people decisions in these four quarters yet")

    return render_template(
        "people/report.html", report=report,
        trend_charts={"wide": trend("people-trend", 640, 240),
                      "narrow": trend("people-trend-narrow", 330, 220)},
        quarters=queries.quarter_choices(_today()), args=_report_args(report),
        # A decision's URL is this prefix and its id: one url_for, not one per listed decision.
        detail_url=url_for("people.detail", decision_id=0).removesuffix("0"),
    )


def _csv_download(body: str, filename: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # HR records: no shared cache keeps a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/report.csv")
@permission_required("read_people")
def report_csv():
    report = _report_from_args(paged=False)
    suffix = f"-department-{report.department.id}" if report.department else ""
    return _csv_download(export.report_csv(report),
                         f"people-report-{report.quarter.key}{suffix}.csv")


@bp.get("/decisions.csv")
@permission_required("read_people")
def decisions_csv():
    chosen = queries.decisions_for_export(filters_from_args(request.args))
    return _csv_download(export.decisions_csv(chosen), "people-decisions.csv")
