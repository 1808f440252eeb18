from flask_login import login_required

from tracker.initiatives import bp, models  # noqa: F401


@bp.get("/")
@login_required
def index():
    return "placeholder"
