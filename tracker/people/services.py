"""What other domains ask of people decisions: summaries for the weekly
digest and the initiative page.

The rest of the domain lives beside it: the alignment rule (`alignment`),
recording decisions (`decisions`), reading them (`queries`), the report
(`report`) and the CSV downloads (`export`). Who may read or edit them is
answered by `tracker.auth.policy`.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.people.models import PeopleDecision
from tracker.people.report import share


def people_summary(start: date, end: date, *, timezone: str = "UTC", named: int = 10) -> dict[str, Any]:
    """The people decisions effective, or recorded, between `start` and `end`
    (inclusive; recorded times read in `timezone`): how many, how many
    aligned, the share, how many are not aligned and the first `named` of
    those (by effective date) with their reasons. Plain values only, ready
    for an email template. Two queries, whatever the number of decisions."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    since = datetime.combine(start, time.min, tzinfo=zone).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    in_week = or_(and_(PeopleDecision.effective_date >= start, PeopleDecision.effective_date <= end),
                  and_(PeopleDecision.created_at >= since, PeopleDecision.created_at < until))
    count, aligned = db.session.execute(
        select(func.count(), func.count(case((PeopleDecision.aligned, 1)))).where(in_week)).one()
    not_aligned = db.session.scalars(
        select(PeopleDecision).options(joinedload(PeopleDecision.department))
        .where(in_week, PeopleDecision.aligned == false())
        .order_by(PeopleDecision.effective_date, PeopleDecision.id).limit(named)
    ).all()
    return {
        "start": start,
        "end": end,
        "count": count,
        "aligned": aligned,
        "share": share(aligned, count),
        "not_aligned": [
            {"id": d.id, "person_name": d.person_name, "employee_ref": d.employee_ref,
             "kind": d.kind, "kind_label": d.kind_label, "effective_date": d.effective_date,
             "department": d.department.name, "reasons": list(d.alignment_reasons or [])}
            for d in not_aligned
        ],
        "not_aligned_count": count - aligned,
    }


def decision_counts_for_initiatives(initiative_ids: Iterable[int]) -> dict[int, int]:
    """{initiative id: number of people decisions linked to it}, in one query
    (none for no ids); initiatives with no decision are left out."""
    ids = sorted({int(i) for i in initiative_ids})
    if not ids:
        return {}
    return dict(db.session.execute(  # type: ignore[arg-type]  # ids given: never None
        select(PeopleDecision.initiative_id, func.count(PeopleDecision.id))
        .where(PeopleDecision.initiative_id.in_(ids))
        .group_by(PeopleDecision.initiative_id)
    ).all())


def decisions_for_initiative(initiative_id: int) -> list[PeopleDecision]:
    """The people decisions linked to an initiative, newest first: for readers
    allowed to see people decisions only (the caller checks may(user, "read_people"))."""
    return list(db.session.scalars(
        select(PeopleDecision).where(PeopleDecision.initiative_id == initiative_id)
        .order_by(PeopleDecision.effective_date.desc(), PeopleDecision.id.desc())
    ))
