"""Plain builder functions for tests. They add and flush; the test commits."""

import itertools
from datetime import UTC, datetime

from tracker.accounts import services as accounts
from tracker.accounts.models import Department, User
from tracker.extensions import db

_counter = itertools.count(1)

DEFAULT_PASSWORD = "correct horse battery staple"
# The moment builders and service tests act at, instead of the clock: a
# Wednesday in the week of the default check-in period (2 to 8 March 2026).
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def make_department(name: str | None = None) -> Department:
    return accounts.create_department(name or f"Department {next(_counter)}")


def make_user(
    role: str = "member",
    *,
    email: str | None = None,
    name: str | None = None,
    department: Department | None = None,
    password: str = DEFAULT_PASSWORD,
    active: bool = True,
) -> User:
    n = next(_counter)
    user = accounts.create_user(
        email=email or f"{role}{n}@example.com",
        display_name=name or f"{role.title()} {n}",
        role=role,
        password=password,
        department_id=department.id if department else None,
    )
    if not active:
        user.active = False
    db.session.flush()
    return user


def make_behaviour(name: str | None = None, *, kind: str = "target", actor: User | None = None):
    from tracker.behaviours import services as behaviours

    actor = actor or make_user("executive")
    return behaviours.create_behaviour(
        actor=actor, name=name or f"Behaviour {next(_counter)}", kind=kind,
        from_behaviour="Agents read the rule book to customers",
        to_behaviour="Agents bend the rule when it serves the customer", now=NOW,
    )


def make_metric(
    name: str | None = None,
    *,
    owner: User | None = None,
    direction: str = "higher",
    baseline: float = 10.0,
    target: float = 50.0,
    source: str = "customer",
    behaviours=(),
    department: Department | None = None,
    standard: str = "80% of customers rate their last contact 4 or 5 out of 5, measured monthly",
):
    from datetime import date

    from tracker.metrics import services as metrics

    owner = owner or make_user("member")
    return metrics.create_metric(
        actor=owner,
        data=metrics.MetricInput(
            name=name or f"Metric {next(_counter)}", unit="%", direction=direction,
            baseline=baseline, target=target, target_date=date(2027, 6, 30), cadence="monthly",
            source=source, standard=standard, owner_id=owner.id,
            department_id=department.id if department else None,
            behaviour_ids=tuple(b.id for b in behaviours),
        ),
        now=NOW,
    )


def make_initiative(
    title: str | None = None,
    *,
    owner: User | None = None,
    actor: User | None = None,
    kind: str = "contract_termination",
    status: str = "proposed",
    department: Department | None = None,
    behaviours=(),
    start_date=None,
):
    from datetime import date

    from tracker.initiatives import services as initiatives

    owner = owner or make_user("member")
    actor = actor or owner
    initiative = initiatives.create_initiative(
        actor=actor,
        data=initiatives.InitiativeInput(
            title=title or f"Initiative {next(_counter)}", kind=kind,
            burning_platform="Customers leave us for rivals who answer the phone.",
            owner_id=owner.id, start_date=start_date or date(2026, 1, 5),
            department_id=department.id if department else None,
            behaviour_ids=tuple(b.id for b in behaviours),
        ),
        now=NOW, today=NOW.date(),
    )
    path = {"proposed": [], "announced": ["announced"], "in_progress": ["in_progress"],
            "done": ["in_progress", "done"], "abandoned": ["abandoned"]}[status]
    for step in path:
        initiatives.change_status(initiative, actor=actor, status=step,
                                  reason="No longer needed" if step == "abandoned" else "",
                                  now=NOW, today=NOW.date())
    return initiative


def make_checkin(initiative, *, period_start=None, state: str = "open"):
    from datetime import date

    from tracker.calendar import period_containing
    from tracker.checkins import services as checkins

    period = period_containing(period_start or date(2026, 3, 2), "weekly", 4)
    checkin, _ = checkins.open_checkin(initiative, period, state=state)
    db.session.flush()
    return checkin


def action(text: str = "Terminated the Acme call-centre contract", *, on=None,
           evidence: str = "contract #4471", done_by: str = "Sam"):
    from datetime import date

    from tracker.checkins.services import EntryInput

    return EntryInput(kind="action", text=text, happened_on=on or date(2026, 3, 3),
                      done_by=done_by, evidence=evidence)


def talk(text: str = "We will put the customer first in everything we do"):
    from tracker.checkins.services import EntryInput

    return EntryInput(kind="talk", text=text)


def make_incentive(department: Department, rewards: str = "Cost per contact", *,
                   actor: User | None = None, status: str = "in_effect", metric=None,
                   rewarded_direction: str | None = None, named_group: str = "",
                   weight_percent: float | None = None, role_name: str = "", effective_from=None):
    from datetime import date

    from tracker.incentives import services as incentives

    actor = actor or make_user("hr")
    return incentives.create_incentive(actor=actor, data=incentives.IncentiveInput(
        department_id=department.id, rewards=rewards, source="pay_plan", owner_id=actor.id,
        status=status, effective_from=(effective_from or date(2026, 1, 1)) if status == "in_effect" else None,
        role_name=role_name, named_group=named_group, metric_id=metric.id if metric else None,
        rewarded_direction=rewarded_direction, weight_percent=weight_percent), now=NOW)
