"""Conflicts between departments in the weekly digest: open ones and those
resolved that week, for executives and admins only, capped like every list,
never naming a weight or a named group."""

from datetime import UTC, date, datetime

import pytest

from tests import factories
from tracker.checkins import services as checkins
from tracker.digests import services as digests
from tracker.digests.content import ITEMS_SHOWN, digest_for, digest_of, gather_week
from tracker.extensions import db
from tracker.incentives import services as incentives
from tracker.organisation.models import OrgSettings

WEEK = "2026-W10"  # Monday 2 March to Sunday 8 March 2026
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
GROUP = "Operations leadership bonus pool"


def conflict(hr, behaviour, n: int, *, group: str = "", weight: float | None = None):
    """Operations n pulls against `behaviour` (a new one when None), which Service n supports."""
    behaviour = behaviour or factories.make_behaviour(f"Touchpoint {n:03d}")
    pulling = factories.make_incentive(factories.make_department(f"Operations {n:03d}"),
                                       f"Cost per contact {n:03d}", actor=hr, named_group=group,
                                       weight_percent=weight)
    supporting = factories.make_incentive(factories.make_department(f"Service {n:03d}"),
                                          f"Net Promoter Score {n:03d}", actor=hr)
    incentives.judge(pulling, actor=hr, behaviour_id=behaviour.id, verdict="pulls_against",
                     reason="Cheaper vendor", now=NOW)
    incentives.judge(supporting, actor=hr, behaviour_id=behaviour.id, verdict="supports",
                     reason="Customers recommend us", now=NOW)
    return pulling


@pytest.fixture
def world(ctx):
    db.session.add(OrgSettings(id=1, timezone="UTC"))
    hr = factories.make_user("hr")
    behaviour = factories.make_behaviour("Call centre in-sourced")
    changed = conflict(hr, behaviour, 1, group=GROUP, weight=37.5)
    conflict(hr, behaviour, 2)
    owner = factories.make_user("member")
    initiative = factories.make_initiative("Drop cost per contact", owner=owner,
                                           kind="incentive_change", status="in_progress")
    incentives.name_change(initiative, actor=hr, incentive_id=changed.id, replacement_id=None, now=NOW)
    checkin = factories.make_checkin(initiative, period_start=date(2026, 3, 2))
    checkins.submit_checkin(checkin, actor=owner, entries=[factories.action(
        "Signed the new Operations pay plan", on=date(2026, 3, 4), evidence="PAY-2026-07")],
        now=NOW, today=NOW.date())
    db.session.commit()
    return {"hr": hr, "owner": owner, "behaviour": behaviour}


@pytest.mark.parametrize("role", ["admin", "executive", "hr", "member"])
def test_only_executives_and_admins_read_the_conflicts_and_nobody_a_weight_or_group(world, role):
    reader = factories.make_user(role)
    for digest in (digest_for(reader, gather_week(WEEK, "UTC")), digest_of(reader, WEEK, "UTC")):
        _, text, html = digests.render(digest)
        shown = "Open: Operations 002 against Service 002" in text
        assert shown is (role in ("admin", "executive"))
        assert ("Resolved Wed 04 Mar: Operations 001 against Service 001" in text) is shown
        for part in (text, html):
            assert GROUP not in part and "37.5" not in part


def test_a_conflict_resolved_another_week_is_not_listed_as_resolved(world):
    executive = factories.make_user("executive")
    _, text, _ = digests.render(digest_of(executive, "2026-W11", "UTC"))
    assert "Operations 002 against Service 002" in text and "Resolved" not in text


def test_the_digest_names_ten_open_conflicts_and_counts_the_rest(world):
    for n in range(3, 3 + 2 * ITEMS_SHOWN):
        conflict(world["hr"], None, n)
    db.session.commit()
    executive = factories.make_user("executive")
    _, text, html = digests.render(digest_of(executive, WEEK, "UTC"))
    total = len(incentives.open_conflicts())
    assert total == 2 * ITEMS_SHOWN + 2  # Operations 002 against both services, and the 20 added
    assert text.count("  Open: ") == ITEMS_SHOWN
    assert f"and {total - ITEMS_SHOWN} more open conflicts" in text
    assert f"and {total - ITEMS_SHOWN} more open conflicts" in html
