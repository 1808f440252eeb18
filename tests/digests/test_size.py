"""A digest is a summary: its size does not grow with the organisation (issue 17)."""

from datetime import UTC, date, datetime

from tests import factories
from tests.conftest import count_queries
from tracker.checkins import services as checkins
from tracker.digests import services as digests
from tracker.digests.content import ITEMS_SHOWN, digest_for, digest_of, gather_week
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


def preview(user) -> str:
    return digests.preview_html(digests.preview_for(user, WEEK, now=AFTER_WEEK))


def test_the_preview_builds_the_same_digest_as_the_weekly_run_for_every_role(app):
    app.config.update(MAIL_OUTBOX=None)
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC"))
        readers = [factories.make_user(role, name=f"{role.title()} Reader")
                   for role in ("executive", "admin", "hr", "member")]
        owner, talker = factories.make_user(name="Owen Owner"), factories.make_user(name="Tess Talker")
        grow(owner, 0, 2 * ITEMS_SHOWN)
        grow(readers[3], 100, 103)
        spoken = factories.make_initiative("Customer charter", owner=talker, status="in_progress",
                                           start_date=date(2026, 1, 5))
        checkins.submit_checkin(factories.make_checkin(spoken, period_start=date(2026, 3, 2)), actor=talker,
                                entries=[factories.talk(), factories.action(on=date(2026, 3, 3))],
                                now=datetime(2026, 3, 5, 10, tzinfo=UTC), today=date(2026, 3, 5))
        db.session.commit()
        facts = gather_week(WEEK, "UTC")
        for user in [*readers, owner, talker]:
            assert digests.render(digest_of(user, WEEK, "UTC")) == digests.render(digest_for(user, facts))
            assert preview(user) == digests.render(digest_for(user, facts), in_frame=True)[2]
        flagged = 2 * ITEMS_SHOWN + 3 + 1  # all unmeasured
        assert f"and {flagged - ITEMS_SHOWN} more need attention" in preview(readers[0])


def test_a_preview_costs_the_same_queries_for_a_small_or_large_organisation(app):
    app.config.update(MAIL_OUTBOX=None)
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC"))
        executive = factories.make_user("executive", name="Eve Executive")
        owner = factories.make_user("member", name="Owen Owner")

        def queries() -> list[int]:
            counts = []
            for user in (executive, owner):
                app.extensions.pop("tracker_cache", None)  # the first view after a write
                for _ in range(2):                        # and a later one
                    with count_queries(app) as n:
                        preview(user)
                    counts.append(n())
            return counts

        grow(owner, 0, 5)
        db.session.commit()
        small = queries()
        others = [factories.make_user("member") for _ in range(4)]
        for i, other in enumerate(others):
            grow(other, 1000 + 30 * i, 1030 + 30 * i)
        grow(owner, 5, 40)
        db.session.commit()
        assert queries() == small
