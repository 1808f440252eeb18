"""Check-in pages: my check-ins, one check-in (submit, amend), the review
queue and the say/do pages. Thin: the rules live in `services` and `saydo`."""

import hmac
import json

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from tracker import clock, transaction
from tracker.accounts.models import Department, User
from tracker.auth.policy import ensure, may, permission_required
from tracker.behaviours.services import list_behaviours
from tracker.calendar import Period
from tracker.checkins import bp, cues, replies, saydo, services
from tracker.checkins.evaluation import KINDS, percent
from tracker.checkins.forms import (
    DEFAULT_ROWS,
    AmendForm,
    CheckInForm,
    CueChangeForm,
    CuePhraseForm,
    ReviewForm,
    behaviour_choices,
)
from tracker.checkins.models import CuePhrase, Entry
from tracker.extensions import csrf, db
from tracker.organisation import services as organisation
from tracker.paging import page_from_args
from tracker.validation import populate_errors

# Postgres integers stop here; a larger id in a URL is simply not found.
MAX_CLASSIFY = 5000
OWNERS_PER_PAGE = 50
INITIATIVES_PER_PAGE = 50
REVIEWS_PER_PAGE = 50
ALREADY_SUBMITTED = "This check-in was already submitted; nothing was changed."


@bp.app_context_processor
def saydo_words() -> dict:
    """The say/do wording, for `checkins/_saydo.html` wherever it is included,
    and the one wording of a check-in's due day (dashboard banner, check-in
    pages) and of its distance from today (after the date on a check-in's page)."""
    return {"saydo_flag_text": saydo.FLAG_TEXT, "saydo_flag_why": saydo.FLAG_WHY,
            "saydo_explanation": saydo.EXPLANATION, "saydo_ranking": saydo.RANKING_EXPLANATION,
            "due_wording": services.due_wording, "due_distance": services.due_distance}


@bp.app_template_global("checkin_reply_address")
def checkin_reply_address(checkin) -> str | None:
    """The address a check-in's owner replies to by email (digests, reminders); None when off."""
    return replies.reply_address(checkin)


@bp.app_template_filter("checkin_period")
def checkin_period(checkin) -> str:
    """'02 Mar – 08 Mar 2026', or 'March 2026' for a monthly check-in."""
    return Period(checkin.period_start, checkin.period_end, checkin.due_on).label


def _actor() -> User:
    return current_user._get_current_object()


# --- my check-ins ------------------------------------------------------------

@bp.get("/")
@login_required
def mine():
    checkins = services.checkins_for_owner(_actor())
    today = organisation.today(clock.now())
    return render_template(
        "checkins/mine.html",
        open_checkins=[c for c in checkins if c.state == "open"],
        closed_checkins=[c for c in checkins if c.state != "open"],
        today=today,
    )


# --- one check-in ------------------------------------------------------------

def _checkin_or_404(checkin_id: int):
    checkin = services.get_checkin_for_page(checkin_id)
    if checkin is None:
        abort(404)
    return checkin


def _metric_rows(checkin, user: User):
    """(metric, recordable) for each metric linked to the initiative."""
    return [(link.metric, may(user, "record_reading", link.metric))
            for link in checkin.initiative.metric_links]


def _blank_checkin_form(checkin, user: User, rows: int, draft=None) -> CheckInForm:
    """The form to report on `checkin`, filled with the lines of an emailed
    reply kept as a draft (`replies.email_draft`), if there is one."""
    today = organisation.today(clock.now())
    owner_name = checkin.initiative.owner.display_name
    drafted = [{"kind": line.kind, "text": line.text, "happened_on": line.happened_on,
                "done_by": line.done_by or owner_name, "evidence": line.evidence}
               for line in (draft[1] if draft else [])]
    return CheckInForm(data={
        "entries": drafted + [{"done_by": owner_name} for _ in range(max(rows - len(drafted), 1))],
        "readings": [{"metric_id": metric.id, "observed_on": today}
                     for metric, recordable in _metric_rows(checkin, user) if recordable],
    })


def _amend_form(checkin, threads: list[services.Thread], behaviours, *, formdata: bool) -> AmendForm:
    kwargs = {} if formdata else {"done_by": checkin.initiative.owner.display_name}
    form = AmendForm(**kwargs)
    choices = [SelectChoice(0, "None: add an entry that was left out")]
    for number, thread in enumerate(threads, start=1):
        current = thread.current
        text = current.text if len(current.text) <= 70 else current.text[:67] + "…"
        choices.append(SelectChoice(current.id, f"Entry {number} ({current.effective_kind}): {text}"))
    form.amends_id.choices = choices
    form.amends_id.validate_choice = False  # the service says why an entry cannot be amended
    form.behaviour_id.choices = behaviour_choices(behaviours)
    return form


def _render_checkin(checkin, *, form: CheckInForm | None = None, amend_form: AmendForm | None = None,
                    suggestions: dict | None = None, behaviours=None, email_draft=None):
    user = _actor()
    can_report = may(user, "report_checkin", checkin)
    if behaviours is None:
        # Only the owner's forms offer behaviours; readers need no query for them.
        behaviours = list_behaviours() if can_report and checkin.state != "missed" else []
    threads = services.entry_threads(checkin.entries)
    if checkin.state == "open" and can_report and form is None:
        form = _blank_checkin_form(checkin, user, DEFAULT_ROWS)
    if form is not None:
        form.set_behaviour_choices(behaviour_choices(behaviours))
    if checkin.state == "submitted" and can_report and amend_form is None:
        amend_form = _amend_form(checkin, threads, behaviours, formdata=False)
    today = organisation.today(clock.now())
    metric_rows = _metric_rows(checkin, user)
    return render_template(
        "checkins/detail.html",
        checkin=checkin,
        initiative=checkin.initiative,
        threads=threads,
        can_report=can_report,
        form=form if checkin.state == "open" and can_report else None,
        amend_form=amend_form if checkin.state == "submitted" and can_report else None,
        suggestions=suggestions or {},
        metrics={metric.id: metric for metric, _ in metric_rows},
        unrecordable=[metric for metric, recordable in metric_rows if not recordable],
        evidence_kind=services.evidence_kind,
        today=today,
        more_rows=min(len(form.entries) + DEFAULT_ROWS, services.MAX_ENTRIES) if form else None,
        email_draft=email_draft[0] if email_draft else None,
    )


@bp.get("/<id:checkin_id>")
@login_required
def detail(checkin_id: int):
    """Anyone signed in may read a check-in; only the owner gets the forms."""
    checkin = _checkin_or_404(checkin_id)
    form = None
    if checkin.state == "open" and may(_actor(), "report_checkin", checkin):
        rows = request.args.get("rows", DEFAULT_ROWS, type=int)
        rows = max(1, min(rows, services.MAX_ENTRIES))
        draft = replies.email_draft(checkin)
        form = _blank_checkin_form(checkin, _actor(), rows, draft)
        return _render_checkin(checkin, form=form, email_draft=draft)
    return _render_checkin(checkin, form=form)


def _posted_checkin_form(checkin, behaviours) -> CheckInForm:
    form = CheckInForm()
    form.set_behaviour_choices(behaviour_choices(behaviours))
    return form


def _closed_redirect(checkin):
    """Where a post to a check-in that is no longer open ends up, with why."""
    if checkin.state == "submitted":
        flash(ALREADY_SUBMITTED, "info")
    else:
        flash("This check-in was missed and is closed; add what happened to the next one.", "error")
    return redirect(url_for("checkins.detail", checkin_id=checkin.id))


@bp.post("/<id:checkin_id>/preview")
@login_required
def preview(checkin_id: int):
    """Suggest talk or action for every filled row and show the form again. Stores nothing."""
    checkin = _checkin_or_404(checkin_id)
    ensure(may(_actor(), "report_checkin", checkin))
    if checkin.state != "open":
        return _closed_redirect(checkin)
    behaviours = list_behaviours()
    form = _posted_checkin_form(checkin, behaviours)
    form.validate_on_submit()
    if "add_row" in request.form and len(form.entries) < services.MAX_ENTRIES:
        form.entries.append_entry({"done_by": checkin.initiative.owner.display_name})
        form.set_behaviour_choices(behaviour_choices(behaviours))
    return _render_checkin(checkin, form=form, suggestions=_suggestions(form), behaviours=behaviours)


def _suggestions(form: CheckInForm) -> dict:
    """{row index: Classification} for every filled row of a sensible length."""
    organisation_cues = cues.active_cues()
    return {
        index: cues.suggest(row.form.text.data, organisation_cues)
        for index, row in enumerate(form.entries)
        if not row.form.is_blank and len(row.form.text.data) <= services.MAX_ENTRY
    }


@bp.post("/<id:checkin_id>/submit")
@login_required
def submit(checkin_id: int):
    checkin = _checkin_or_404(checkin_id)
    actor = _actor()
    ensure(may(actor, "report_checkin", checkin))
    if checkin.state != "open":
        return _closed_redirect(checkin)
    behaviours = list_behaviours()
    form = _posted_checkin_form(checkin, behaviours)
    if form.validate_on_submit():
        now = clock.now()
        try:
            services.submit_checkin(checkin, actor=actor, entries=form.entry_inputs(),
                                    readings=form.reading_inputs(), now=now,
                                    today=organisation.today(now))
        except services.AlreadySubmitted:
            transaction.rollback()
            flash(ALREADY_SUBMITTED, "info")
            return redirect(url_for("checkins.detail", checkin_id=checkin_id))
        except services.CheckInError as e:
            transaction.rollback()
            _refused(form, e, "Nothing was submitted")
        else:
            transaction.commit()
            flash("Check-in submitted. Thank you: talk and action are counted apart.", "success")
            return redirect(url_for("checkins.detail", checkin_id=checkin_id))
    else:
        form.form_errors.append("Nothing was submitted: fix what is marked below.")
    return _render_checkin(checkin, form=form, suggestions=_suggestions(form), behaviours=behaviours)


def _refused(form, error: services.CheckInError, nothing_done: str) -> None:
    """Each problem beside its field; above the form, what was not done and
    whatever no one field is to blame for."""
    populate_errors(form, error)
    if any(problem.field for problem in error.errors):
        form.form_errors.insert(0, f"{nothing_done}: fix what is marked below.")
    else:
        form.form_errors.insert(0, f"{nothing_done}.")


@bp.post("/<id:checkin_id>/amend")
@login_required
def amend(checkin_id: int):
    checkin = _checkin_or_404(checkin_id)
    actor = _actor()
    ensure(may(actor, "report_checkin", checkin))
    if checkin.state != "submitted":
        flash("Only a submitted check-in is amended; an open one is simply submitted.", "error")
        return redirect(url_for("checkins.detail", checkin_id=checkin_id))
    behaviours = list_behaviours()
    form = _amend_form(checkin, services.entry_threads(checkin.entries), behaviours, formdata=True)
    if form.validate_on_submit():
        now = clock.now()
        try:
            entry = services.amend(checkin, actor=actor, data=form.to_input(), note=form.note.data,
                                   amends_id=form.amends_id.data or None, now=now,
                                   today=organisation.today(now))
        except services.CheckInError as e:
            transaction.rollback()
            _refused(form, e, "Nothing was amended")
        else:
            transaction.commit()
            flash("Amendment added. The original stays visible beside it.", "success")
            return redirect(url_for("checkins.detail", checkin_id=checkin_id, _anchor=f"entry-{entry.id}"))
    else:
        form.form_errors.append("Nothing was amended: fix what is marked below.")
    return _render_checkin(checkin, amend_form=form, behaviours=behaviours)


@bp.post("/classify")
def classify_text():
    """The live suggestion: JSON {"text": ...} in, {"kind", "reasons"} out."""
    if not current_user.is_authenticated:
        return jsonify(error="Sign in first."), 401
    payload = request.get_json(silent=True)
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str):
        return jsonify(error='Send JSON like {"text": "what happened"}.'), 400
    if len(text) > MAX_CLASSIFY:
        return jsonify(error=f"At most {MAX_CLASSIFY:,} characters."), 400
    suggestion = cues.suggest(text)
    return jsonify(kind=suggestion.kind, reasons=list(suggestion.reasons))


# --- review queue ------------------------------------------------------------

@bp.get("/review")
@permission_required("review_checkins")
def review():
    page = services.review_queue(page_from_args(request.args), REVIEWS_PER_PAGE)
    return render_template("checkins/review.html", page=page, form=ReviewForm())


@bp.post("/entries/<id:entry_id>/review")
@permission_required("review_checkins")
def review_entry(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.review_entry(entry, actor=_actor(), verdict=form.verdict.data, now=clock.now())
        except services.CheckInError as e:
            transaction.rollback()
            flash(str(e), "error")
        else:
            transaction.commit()
            what = "confirmed" if entry.review_state == "confirmed" else "reclassified"
            flash(f"Entry {what}: it counts as {entry.effective_kind}.", "success")
    else:
        flash("Choose: confirm the owner's choice, count as talk, or count as action.", "error")
    # Back to the page the verdict was given on (the form's action carries it).
    page = page_from_args(request.args)
    return redirect(url_for("checkins.review", page=page) if page > 1 else url_for("checkins.review"))


# --- the classifier's agreement and the organisation's cue phrases ----------

def _render_classifier(add_form: CuePhraseForm, status: int = 200):
    report = cues.kept_agreement_report(clock.now())
    cue_list = cues.list_cues()
    change_forms = {
        cue.id: CueChangeForm(formdata=None, role=cue.role, weight=cue.weight,
                              active="yes" if cue.active else "no")
        for cue in cue_list
    }
    return render_template("checkins/classifier.html", report=report, cues=cue_list, kinds=KINDS,
                           percent=percent, add_form=add_form, change_forms=change_forms), status


@bp.get("/classifier")
@permission_required("manage_classifier")
def classifier():
    return _render_classifier(CuePhraseForm(formdata=None))


@bp.post("/classifier/cues")
@permission_required("manage_classifier")
def add_cue():
    form = CuePhraseForm()
    if form.validate_on_submit():
        try:
            cue = cues.add_cue(actor=_actor(), now=clock.now(), phrase=form.phrase.data, kind=form.kind.data,
                               role=form.role.data, weight=form.weight.data)
        except cues.CueError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash(f"Added the cue phrase '{cue.phrase}': suggestions use it from now on.", "success")
            return redirect(url_for("checkins.classifier", _anchor="cues"))
    return _render_classifier(form, status=400)


@bp.post("/classifier/cues/<id:cue_id>")
@permission_required("manage_classifier")
def change_cue(cue_id: int):
    cue = db.get_or_404(CuePhrase, cue_id)
    form = CueChangeForm()
    if form.validate_on_submit():
        try:
            cues.change_cue(cue, actor=_actor(), now=clock.now(), role=form.role.data,
                            weight=form.weight.data, active=form.active.data == "yes")
        except cues.CueError as e:
            transaction.rollback()
            flash(str(e), "error")
        else:
            transaction.commit()
            flash(f"Saved the cue phrase '{cue.phrase}'.", "success")
    else:
        flash("Choose a role, a weight from 1 to 5 and whether it is in use.", "error")
    return redirect(url_for("checkins.classifier", _anchor="cues"))


# --- say/do ------------------------------------------------------------------

@bp.get("/saydo")
@login_required
def saydo_overview():
    overview = saydo.overview_page(today=organisation.today(clock.now()), page=page_from_args(request.args),
                                   per_page=OWNERS_PER_PAGE)
    return render_template("checkins/saydo.html", owners=overview.owners,
                           departments=overview.departments, shown_flags=overview.shown_flags)


def _saydo_page(title: str, subtitle: str, endpoint_args: dict, **group: int):
    shown = saydo.group_page(today=organisation.today(clock.now()), page=page_from_args(request.args),
                             per_page=INITIATIVES_PER_PAGE, **group)
    return render_template("checkins/saydo_detail.html", title=title, subtitle=subtitle, page=shown.rows,
                           total=shown.total, shown_flags=shown.shown_flags, endpoint_args=endpoint_args)


@bp.get("/saydo/owners/<id:user_id>")
@login_required
def saydo_owner(user_id: int):
    owner = db.get_or_404(User, user_id)
    return _saydo_page(owner.display_name, "Initiatives owned", {"user_id": owner.id}, owner_id=owner.id)


@bp.get("/saydo/departments/<id:department_id>")
@login_required
def saydo_department(department_id: int):
    department = db.get_or_404(Department, department_id)
    return _saydo_page(department.name, "Initiatives in the department", {"department_id": department.id},
                       department_id=department.id)


# Answers to the mail service for what became of a message; anything but
# "too large" is a 200, so the service does not post it again.
INBOUND_STATUS = {"too_large": 413}


@bp.post("/replies/inbound")
@csrf.exempt  # posted by a mail service, never a browser: the shared secret is its authority
def inbound_reply():
    """The inbound-mail webhook: a mail service posts each message sent to a
    reply address, as the raw message (`message/rfc822` body, or an `email`
    field of a form, as SendGrid's raw mode does), with
    `Authorization: Bearer <INBOUND_MAIL_SECRET>`. Off (404) without a secret."""
    secret = current_app.config.get("INBOUND_MAIL_SECRET")
    if not secret:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(errors="replace"), f"Bearer {secret}".encode()):
        abort(403)
    envelope_from: str | None = None
    envelope_to: list[str] = []
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        upload = request.files.get("email")
        raw = upload.read() if upload else request.form.get("email", "").encode("utf-8", "replace")
        envelope_from, envelope_to = _posted_envelope(request.form.get("envelope", ""))
    else:
        raw = request.get_data()
    if not raw.strip():
        return jsonify(error="No message: post the raw message, or an 'email' form field."), 400
    try:
        received = replies.receive_reply(raw, now=clock.now(), envelope_from=envelope_from,
                                         envelope_to=envelope_to)
    except replies.DeliveredTwiceAtOnce:
        transaction.rollback()
        return jsonify(error="This message is being recorded right now; post it again later."), 409
    transaction.commit()
    return jsonify(outcome=received.outcome), INBOUND_STATUS.get(received.outcome, 200)


def _posted_envelope(posted: str) -> tuple[str | None, list[str]]:
    """The SMTP envelope a mail service posts beside the message, as SendGrid
    does (`envelope={"from": "...", "to": ["..."]}`); (None, []) without one."""
    try:
        envelope = json.loads(posted) if posted else {}
    except ValueError:
        return None, []
    if not isinstance(envelope, dict):
        return None, []
    sender = envelope.get("from")
    recipients = envelope.get("to")
    return (sender if isinstance(sender, str) else None,
            [r for r in recipients if isinstance(r, str)] if isinstance(recipients, list) else [])
