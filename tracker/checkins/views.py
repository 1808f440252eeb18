from flask_login import login_required

from tracker.checkins import bp, models  # noqa: F401


@bp.get("/")
@login_required
def mine():
    return "placeholder"
