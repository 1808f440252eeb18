from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup

from tracker import clock, transaction
from tracker.accounts.services import valid_timezones
from tracker.auth.policy import permission_required
from tracker.concurrency import EditConflict
from tracker.organisation import bp, services
from tracker.organisation.forms import SettingsForm
from tracker.validation import populate_errors


@bp.app_template_filter("local_time")
def local_time(moment: datetime | None) -> Markup:
    """The one way a template shows a moment: a <time> element on the
    organisation's wall clock with the zone's abbreviation ('29 Nov 2026
    14:05 AEDT'), machine-readable in UTC; '—' for no moment. The zone is read
    once per request."""
    if moment is None:
        return Markup("—")
    zone = g.get("organisation_zone")
    if zone is None:
        zone = g.organisation_zone = ZoneInfo(services.get_settings().timezone)
    label = services.time_label(moment, zone)
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat(), label)


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("manage_settings")
def settings():
    current = services.get_settings()
    form = SettingsForm(obj=current)
    if not form.is_submitted():
        form.stamp(current.version or 0)
    if form.validate_on_submit():
        try:
            services.update_settings(actor=current_user._get_current_object(),
                                     data=services.SettingsInput(**{
                                         name: getattr(form, name).data for name in services.FIELDS}),
                                     now=clock.now(), version=form.expected_version())
        except EditConflict as e:
            transaction.rollback()
            stored = services.get_settings()
            form.reconcile(SettingsForm(formdata=None, obj=stored), stored.version or 0)
            populate_errors(form, e)
        except services.SettingsError as e:
            transaction.rollback()
            populate_errors(form, e)
        else:
            transaction.commit()
            flash("Organisation settings saved.", "success")
            return redirect(url_for("organisation.settings"))
    return render_template("organisation/settings.html", form=form,
                           timezones=sorted(valid_timezones()))


@bp.get("/scheduler")
@permission_required("read_job_status")
def scheduler():
    from tracker.scheduler import JOBS, interval

    now = clock.now()
    every = interval(current_app)
    health = services.scheduler_health(now=now, every=every)
    jobs = [(name, purpose, health.records.get(name)) for name, (_, purpose) in JOBS.items()]
    return render_template("organisation/scheduler.html", jobs=jobs, now=now, every=every,
                           last_seen=health.last_seen, stale=health.stale)
