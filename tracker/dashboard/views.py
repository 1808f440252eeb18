from flask import render_template
from flask_login import login_required
from sqlalchemy import select, text

from tracker.dashboard import bp
from tracker.extensions import csrf, db


@bp.get("/")
@login_required
def index():
    return render_template("dashboard/index.html")


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """For load balancers: answers 200 when the database answers."""
    db.session.execute(select(text("1")))
    return {"status": "ok"}
