"""A digest is a summary: its size does not grow with the organisation (issue 17)."""

from datetime import UTC, date, datetime

from tests import factories
from tracker.digests import services as digests
from tracker.digests.content import ITEMS_SHOWN, digest_for, gather_week
from tracker.extensions import db
from tracker.metrics.models import Reading
from tracker.organisation.models import OrgSettings

WEEK = "2026-W10"  # Monday 2 March to Sunday 8 March 2026
AFTER_WEEK = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def grow(owner, start: int, stop: int) -> None:
    """Initiatives `start`..`stop` of `owner`: in progress, unmeasured (so
    flagged), each with a check-in missed this week and a metric that moved."""
    for n in range(start, stop):
        initiative = factories.make_initiative(f"Initiative {n:04d}", owner=owner, status="in_progress",
                                               start_date=date(2026, 1, 5))
        factories.make_checkin(initiative, period_start=date(2026, 3, 2), state="missed")
        metric = factories.make_metric(f"Metric {n:04d}", owner=owner)
        before, after = (20.0, 30.0) if n % 2 else (21.0, 15.0)  # half toward the target, half away
        db.session.add_all([Reading(metric_id=metric.id, observed_on=date(2026, 2, 20), value=before),
                            Reading(metric_id=metric.id, observed_on=date(2026, 3, 4), value=after)])
    db.session.flush()


def rendered(user) -> tuple[str, str]:
    _, text, html = digests.render(digest_for(user, gather_week(WEEK, "UTC")))
    return text, html


def test_a_digest_names_the_top_items_and_counts_the_rest_at_any_size(app):
    app.config.update(MAIL_OUTBOX=None)
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC"))
        executive = factories.make_user("executive", name="Eve Executive")
        owner = factories.make_user("member", name="Owen Owner")
        grow(owner, 0, 3 * ITEMS_SHOWN)
        small = {who: rendered(who) for who in (executive, owner)}
        grow(owner, 3 * ITEMS_SHOWN, 12 * ITEMS_SHOWN)
        large = {who: rendered(who) for who in (executive, owner)}
        for who in (executive, owner):
            for before, after in zip(small[who], large[who], strict=True):
                # Only the counts and ids grow by a digit or two, never the number of items named.
                assert len(after) <= len(before) * 1.02, (who.display_name, len(before), len(after))
        text, html = large[executive]
        total = 12 * ITEMS_SHOWN
        assert f"Check-ins missed this week: {total}" in text
        assert f"and {total - ITEMS_SHOWN} more missed: http" in text
        assert f"and {total - ITEMS_SHOWN} more need attention</a>" in html
        assert text.count("Initiative 0") == html.count(">Initiative 0") == 2 * ITEMS_SHOWN
        text, html = large[owner]
        assert f"and {total - ITEMS_SHOWN} more of your initiatives: " in text
        assert f"/initiatives/?owner_id={owner.id}" in text
