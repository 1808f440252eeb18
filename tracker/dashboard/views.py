from flask import render_template, request
from flask_login import current_user, login_required

from tracker import charts, clock
from tracker.accounts.services import list_departments
from tracker.checkins import saydo
from tracker.dashboard import bp, services
from tracker.errors import RETRY_AFTER_SECONDS
from tracker.ids import parse_id
from tracker.organisation import services as organisation


@bp.get("/")
@login_required
def index():
    today = organisation.today(clock.now())
    data = services.build(current_user._get_current_object(), today=today,
                          weeks=parse_id(request.args.get("weeks")) or 13,
                          department_id=parse_id(request.args.get("department_id")))
    labels = [b.label for b in data.bars]
    series = [("Actions", [b.actions for b in data.bars]), ("Talk", [b.talk for b in data.bars])]

    def chart(chart_id: str, width: int, height: int):
        # The card's heading names the chart; the drawing does not say it again.
        return charts.bar_chart(chart_id, "Actions against talk, per week", labels, series,
                                y_label="Entries", width=width, height=height, heading=False,
                                empty="No check-ins reported in these weeks yet")

    # An SVG scales its text with its width: a wide drawing for screens, a
    # narrow one for phones, so the labels stay readable on both.
    drawings = {"wide": chart("actions-vs-talk", 760, 240),
                "narrow": chart("actions-vs-talk-narrow", 330, 220)}
    return render_template("dashboard/index.html", d=data, charts=drawings, sparkline=charts.sparkline,
                           progress=charts.progress_bar, periods=services.PERIODS,
                           departments=list_departments(), standing_text=saydo.STANDING_TEXT,
                           saydo_window=saydo.WINDOW)


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 when the database answers one indexed query,
    503 (JSON, with Retry-After) while it is unavailable."""
    if not services.database_answers():
        return ({"status": "unavailable", "database": "unavailable",
                 "message": "The database is unavailable."},
                503, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return {"status": "ok"}
