from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import clock, transaction
from tracker.auth.policy import ensure, may, permission_required
from tracker.calendar import parse_week
from tracker.digests import bp, services
from tracker.extensions import csrf
from tracker.ids import parse_id
from tracker.security import as_mail_document


def _week_from_query() -> str:
    """`?week=` read by `calendar.parse_week`, or last week when absent.
    ValueError, with the expected form, when it names no week."""
    week = request.args.get("week")
    return parse_week(week) if week else services.last_week(clock.now())


def _person_from_query():
    """The person whose digest is previewed: the signed-in person, or (for an
    admin) the one `?user_id=` names."""
    user_id = request.args.get("user_id")
    if user_id is None:
        return current_user._get_current_object()
    wanted = parse_id(user_id)
    person = services.person(wanted) if wanted is not None else None
    if person is None:
        abort(404)
    ensure(may(current_user, "preview_digest", person))
    return person


@bp.get("/preview")
@login_required
def preview():
    """A person's digest for a week: what was sent (or queued) when there is
    such a message, otherwise the digest as of now; the mail itself is in a
    frame (`preview_mail`)."""
    person = _person_from_query()
    try:
        week = _week_from_query()
    except ValueError as e:
        # The expected form and a week picker, instead of a bare "Bad request".
        return render_template("digests/preview.html", week=services.last_week(clock.now()),
                               preview=None, person=person, week_error=str(e)), 400
    shown = services.preview_for(person, week, now=clock.now())
    frame_args = {"week": week} if person.id == current_user.id else {"week": week, "user_id": person.id}
    return render_template("digests/preview.html", week=week, preview=shown, person=person,
                           subject=shown.stored.subject if shown.stored else services.subject_line(week),
                           frame_args=frame_args)


@bp.get("/preview/mail")
@login_required
def preview_mail():
    """The digest mail's HTML as sent (its links open in the whole tab), under the
    mail document's policy: inline style, no script, framed only by this site."""
    try:
        week = _week_from_query()
    except ValueError:
        abort(400)  # only the preview page frames this, with a week it has checked
    shown = services.preview_for(_person_from_query(), week, now=clock.now())
    return as_mail_document(make_response(services.preview_html(shown)))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # one-click unsubscribe (RFC 8058) posts from the mail client, without a form token
def unsubscribe(token: str):
    """Works without signing in; the signed token only ever unsubscribes its own person."""
    user = services.user_for_token(token)
    if user is None:
        return render_template("digests/unsubscribe.html", user=None), 400
    if request.method == "POST":
        services.set_opt_in(user, False, now=clock.now())
        transaction.commit()
        return render_template("digests/unsubscribe.html", user=user, done=True)
    return render_template("digests/unsubscribe.html", user=user, done=False, token=token)


@bp.post("/subscription")
@login_required
def subscription():
    wanted = request.form.get("digest_opt_in") == "y"
    services.set_opt_in(current_user._get_current_object(), wanted, now=clock.now())
    transaction.commit()
    flash("You will get the weekly digest." if wanted else "You will no longer get the weekly digest.",
          "success")
    return redirect(url_for("accounts.settings"))


@bp.get("/deliveries")
@permission_required("read_outbox")
def deliveries():
    """The digest deliveries page is the outbox's now, showing digests."""
    return redirect(url_for("outbox.index", kind="digest"), code=301)
