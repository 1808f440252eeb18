"""A digest is a summary: its size does not grow with the organisation (issue 17)."""

from datetime import UTC, date, datetime

from tests import factories
from tests.conftest import count_queries
from tracker.checkins import services as checkins
from tracker.digests import services as digests
from tracker.digests.content import ITEMS_SHOWN, digest_for, digest_of, gather_week
from tracker.extensions import db
from tracker.incentives import services as incentives
from tracker.metrics import services as metrics
from tracker.metrics.models import Reading
from tracker.organisation.models import OrgSettings
from tracker.people import decisions

WEEK = "2026-W10"  # Monday 2 March to Sunday 8 March 2026
IN_WEEK = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
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


def decide(hr, start: int, stop: int, *, aligned_every: int = 3) -> None:
    """People decisions `start`..`stop`, effective this week; one in
    `aligned_every` cites evidence of a target behaviour (so is aligned)."""
    target = factories.make_behaviour(f"Thanks loyal customers {start}", actor=hr)
    department = factories.make_department(f"Sales {start}")
    for n in range(start, stop):
        evidence = [decisions.EvidenceInput(behaviour_id=target.id, what="Thanked 40 customers",
                                            observed_on=date(2026, 2, 20), where="CRM-77")]
        decisions.create_decision(actor=hr, today=date(2026, 3, 9), now=IN_WEEK, data=decisions.DecisionInput(
            person_name=f"Person {n:04d}", employee_ref=f"E-{n:04d}", kind="promotion",
            effective_date=date(2026, 3, 4), department_id=department.id, decided_by="Board",
            role_from="Agent", role_to="Lead", rationale="Leads by example",
            evidence=evidence if n % aligned_every == 0 else []))


def clash(hr, start: int, stop: int) -> None:
    """Conflicts `start`..`stop`: Operations n pulls against a touchpoint Service n supports."""
    for n in range(start, stop):
        behaviour = factories.make_behaviour(f"Touchpoint {n:04d}")
        for department, verdict in ((f"Operations {n:04d}", "pulls_against"),
                                    (f"Service {n:04d}", "supports")):
            incentive = factories.make_incentive(factories.make_department(department), f"Paid on {n:04d}",
                                                 actor=hr)
            incentives.judge(incentive, actor=hr, behaviour_id=behaviour.id, verdict=verdict,
                             reason="Judged", now=IN_WEEK)


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
        decide(readers[2], 0, 2 * ITEMS_SHOWN)
        clash(readers[2], 0, ITEMS_SHOWN + 2)
        db.session.commit()
        facts = gather_week(WEEK, "UTC")
        for user in [*readers, owner, talker]:
            assert digests.render(digest_of(user, WEEK, "UTC")) == digests.render(digest_for(user, facts))
            assert preview(user) == digests.render(digest_for(user, facts), in_frame=True)[2]
        # Each role reads only its sections: the organisation and conflicts for executives and admins,
        # people decisions for them and HR, never for members.
        for user, organisation, people in ((readers[0], True, True), (readers[1], True, True),
                                           (readers[2], False, True), (readers[3], False, False),
                                           (owner, False, False), (talker, False, False)):
            shown = preview(user)
            assert ("Touchpoint 0001" in shown) is organisation
            assert ("more need attention" in shown) is organisation
            assert ("Person 0001" in shown) is people, user.display_name
        not_aligned = 2 * ITEMS_SHOWN - (2 * ITEMS_SHOWN + 2) // 3
        assert f"and {not_aligned - ITEMS_SHOWN} more not aligned" in preview(readers[2])
        flagged = 2 * ITEMS_SHOWN + 3 + 1  # all unmeasured
        assert f"and {flagged - ITEMS_SHOWN} more need attention" in preview(readers[0])


def test_a_preview_costs_the_same_queries_for_a_small_or_large_organisation(app):
    """Every reader's preview, on the first view after a write (nothing kept),
    the first view after a reading (the kept moves brought up to date) and a
    later one: the same statements with 5 or 160 initiatives, metrics moved
    and missed check-ins, 6 or 60 people decisions and 2 or 20 conflicts."""
    app.config.update(MAIL_OUTBOX=None)
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC"))
        readers = [factories.make_user(role, name=f"{role.title()} Reader")
                   for role in ("executive", "admin", "hr", "member")]
        owner = factories.make_user("member", name="Owen Owner")
        hr = readers[2]
        steady = factories.make_metric("Steady metric", owner=owner)

        def queries() -> list[int]:
            counts = []
            for user in [*readers, owner]:
                app.extensions.pop("tracker_cache", None)  # the first view after a write
                with count_queries(app) as n:
                    preview(user)
                counts.append(n())
                metrics.record_reading(steady, actor=owner, observed_on=date(2026, 3, 5), value=20.0,
                                       now=IN_WEEK, today=IN_WEEK.date())
                db.session.commit()
                for _ in range(2):                         # the first view after a reading, and a later one
                    with count_queries(app) as n:
                        preview(user)
                    counts.append(n())
                db.session.execute(Reading.__table__.delete().where(Reading.metric_id == steady.id))
                db.session.commit()
            return counts

        grow(owner, 0, 5)
        decide(hr, 0, 6)
        clash(hr, 0, 2)
        db.session.commit()
        small = queries()
        for i, other in enumerate(factories.make_user("member") for _ in range(4)):
            grow(other, 1000 + 30 * i, 1030 + 30 * i)
        grow(owner, 5, 40)
        decide(hr, 6, 60)
        clash(hr, 2, 20)
        db.session.commit()
        assert queries() == small


def test_the_preview_shows_a_change_made_a_moment_ago(app):
    """Figures kept from an earlier view never hide a write: after each change
    the preview is what the weekly run would send at that moment."""
    app.config.update(MAIL_OUTBOX=None)
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="UTC"))
        executive, hr = factories.make_user("executive"), factories.make_user("hr")
        owner = factories.make_user("member", name="Owen Owner")
        grow(owner, 0, 3)
        steady = factories.make_metric("Steady metric", owner=owner)
        db.session.add(Reading(metric_id=steady.id, observed_on=date(2026, 2, 20), value=20.0))
        decide(hr, 0, 2)
        clash(hr, 0, 1)
        db.session.commit()

        def as_sent(user) -> str:
            return digests.render(digest_for(user, gather_week(WEEK, "UTC")), in_frame=True)[2]

        assert "Steady metric" not in preview(executive) and "Person 0005" not in preview(hr)
        reading = metrics.record_reading(steady, actor=owner, observed_on=date(2026, 3, 5), value=40.0,
                                         now=IN_WEEK, today=IN_WEEK.date())
        db.session.commit()
        assert "Steady metric" in preview(executive) == as_sent(executive)
        assert "Steady metric" in preview(owner) == as_sent(owner)
        metrics.void_reading(reading, actor=owner, reason="Typed into the wrong metric", now=IN_WEEK)
        db.session.commit()
        assert "Steady metric" not in preview(executive) == as_sent(executive)
        decide(hr, 5, 6, aligned_every=10)  # not aligned
        db.session.commit()
        for user in (hr, executive):
            assert "Person 0005" in preview(user) == as_sent(user)
        assert "Touchpoint 0007" not in preview(executive)
        clash(hr, 7, 8)
        db.session.commit()
        assert "Touchpoint 0007" in preview(executive) == as_sent(executive)
