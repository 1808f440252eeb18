"""Building the demo organisation. Adds and flushes; the CLI commits."""

import math
import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from tracker.accounts import services as accounts
from tracker.accounts.models import Department, User
from tracker.behaviours import services as behaviour_services
from tracker.behaviours.models import Behaviour
from tracker.calendar import periods_between
from tracker.checkins import services as checkin_services
from tracker.demo import content
from tracker.extensions import db
from tracker.history import services as history
from tracker.history.models import SQLITE_TRIGGERS
from tracker.incentives import services as incentive_services
from tracker.incentives.models import Incentive
from tracker.initiatives import services as initiative_services
from tracker.initiatives.models import Initiative
from tracker.metrics import services as metric_services
from tracker.metrics.models import Metric, Reading, better_change
from tracker.organisation.models import OrgSettings
from tracker.organisation.services import today as org_today
from tracker.people.demo import load_demo_people


def database_has_data() -> bool:
    """True when any account exists. Raises click-friendly errors if the schema is missing."""
    try:
        return bool(db.session.scalar(select(func.count()).select_from(User)))
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        raise SchemaMissing(
            "The database has no tables yet: run `flask --app app db upgrade` first."
        ) from None


class SchemaMissing(Exception):
    """The database was never migrated."""


def erase_everything() -> None:
    """Delete every row of every table, history included.

    This is the one operator action that removes history, so it steps
    around the append-only triggers deliberately: TRUNCATE on PostgreSQL
    (row triggers do not fire), dropping and re-creating them on SQLite.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    if db.session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    db.session.execute(text("DROP TRIGGER IF EXISTS history_event_no_update"))
    db.session.execute(text("DROP TRIGGER IF EXISTS history_event_no_delete"))
    for table in tables:
        db.session.execute(delete(table))
    for statement in SQLITE_TRIGGERS:
        db.session.execute(text(statement))
    db.session.flush()


def load_demo(now: datetime) -> list[tuple[str, str, str]]:
    """Create the demo organisation as of `now`; return (role, email, password)
    per login. Passwords are random on every load: no credential lives in the code."""
    settings = OrgSettings(id=1, timezone=DEMO_TZ.key, default_cadence="weekly", default_weekday=4,
                           grace_days=2, reminder_hour=9, digest_weekday=0, digest_hour=8)
    db.session.add(settings)
    logins, users = _people()
    today = org_today(now, settings)
    # The story runs in order: behaviours named, then metrics defined before
    # their first reading, then each initiative logged on its start day.
    behaviours = _behaviours(users["ceo@example.com"], _morning(_month_start(today, 13)))
    rng = random.Random(20261123)
    metrics = _metrics(users, behaviours, today, now, rng)
    initiatives = _initiatives(users, behaviours, metrics, today, now)
    _checkin_history(initiatives, users, now, today, rng)
    _incentives(users, behaviours, metrics, initiatives, today, now)
    load_demo_people(users=users, behaviours=behaviours, initiatives=initiatives, today=today,
                     rng=random.Random(20261124))
    return logins


def _people() -> tuple[list[tuple[str, str, str]], dict[str, User]]:
    departments = {name: accounts.create_department(name) for name in content.DEPARTMENTS}
    logins: list[tuple[str, str, str]] = []
    users: dict[str, User] = {}
    for role, email, name, department in content.PEOPLE:
        password = secrets.token_urlsafe(9)
        users[email] = accounts.create_user(
            email=email,
            display_name=name,
            role=role,
            password=password,
            department_id=departments[department].id if department else None,
            timezone="Australia/Sydney",
        )
        logins.append((role, email, password))
    return logins, users


def _department_id(name: str | None) -> int | None:
    if name is None:
        return None
    return db.session.scalar(select(Department.id).where(Department.name == name))


def _behaviours(author: User, now: datetime) -> dict[str, Behaviour]:
    return {
        key: behaviour_services.create_behaviour(
            actor=author, name=name, kind=kind, from_behaviour=old, to_behaviour=new, now=now
        )
        for key, (name, kind, old, new) in content.BEHAVIOURS.items()
    }


def _morning(day: date, hour: int = 9) -> datetime:
    """`day` at `hour` on the demo organisation's wall clock."""
    return datetime.combine(day, time(hour), tzinfo=DEMO_TZ)


def _month_start(today: date, months_ago: int) -> date:
    month_index = today.year * 12 + today.month - 1 - months_ago
    return date(month_index // 12, month_index % 12 + 1, 1)


def _series(trend: str, baseline: float, target: float, count: int, rng: random.Random) -> list[float]:
    """`count` monthly values from baseline, shaped by `trend`, with some noise."""
    span = target - baseline
    noise = abs(span) * 0.04
    values = []
    for i in range(count):
        t = i / max(count - 1, 1)
        if trend == "improving":
            value = baseline + span * (0.85 * t ** 1.3)
        elif trend == "worse":
            value = baseline - span * 0.35 * t
        elif trend == "believed":
            value = baseline + span * (0.3 + 0.5 * t)
        else:
            value = baseline + span * 0.05 * math.sin(i)
        values.append(round(value + rng.uniform(-noise, noise), 1))
    return values


def _metrics(users: dict[str, User], behaviours: dict[str, Behaviour], today: date, now: datetime,
             rng: random.Random) -> dict[str, Metric]:
    metrics = {}
    for key, row in content.METRICS.items():
        (name, unit, direction, baseline, target, months, cadence, source, standard, owner,
         department, behaviour_keys, trend) = row
        metric = metric_services.create_metric(
            actor=users["ceo@example.com"],
            data=metric_services.MetricInput(
                name=name, unit=unit, direction=direction, baseline=baseline, target=target,
                target_date=_month_start(today, -months), cadence=cadence, source=source,
                standard=standard, owner_id=users[owner].id,
                department_id=_department_id(department),
                behaviour_ids=tuple(behaviours[k].id for k in behaviour_keys),
            ),
            now=_morning(_month_start(today, 13), 10),
        )
        # A year of monthly readings, each on the first of the month and
        # recorded that day.
        values = _series(trend, baseline, target, 12, rng)
        for months_ago, value in zip(range(11, -1, -1), values, strict=True):
            observed = _month_start(today, months_ago)
            db.session.add(Reading(
                metric=metric, observed_on=observed, value=value,
                note="", recorded_by_id=users[owner].id, recorded_at=min(_morning(observed), now),
            ))
        history.record("metric", metric.id, "reading", "Recorded 12 monthly readings",
                       actor=users[owner], now=min(_morning(_month_start(today, 0)), now))
        metrics[key] = metric
    db.session.flush()
    return metrics


def _initiatives(users: dict[str, User], behaviours: dict[str, Behaviour], metrics: dict[str, Metric],
                 today: date, now: datetime) -> list[Initiative]:
    created = []
    for row in content.INITIATIVES:
        (title, kind, status, owner, sponsor, department, started, due, behaviour_keys, links,
         statement, description, abandon_reason) = row
        executive = users["ceo@example.com"]
        start_date = _month_start(today, started) + timedelta(days=6)
        logged = min(_morning(start_date), now)  # logged on its start day, before any check-in
        initiative = initiative_services.create_initiative(
            actor=executive,
            data=initiative_services.InitiativeInput(
                title=title, kind=kind, burning_platform=statement, description=description,
                owner_id=users[owner].id, sponsor_id=users[sponsor].id if sponsor else None,
                department_id=_department_id(department),
                start_date=start_date,
                due_date=_month_start(today, -due) if due > -started else None,
                behaviour_ids=tuple(behaviours[k].id for k in behaviour_keys),
            ),
            now=logged, today=org_today(logged),
        )
        for metric_key, amount in links:
            metric = metrics[metric_key]
            initiative_services.link_metric(
                initiative, actor=executive, metric_id=metric.id,
                expected_direction=better_change(metric.direction),
                expected_amount=amount, expected_by=metric.target_date, now=logged,
            )
        path = {"proposed": [], "announced": ["announced"],
                "in_progress": ["announced", "in_progress"],
                "done": ["announced", "in_progress", "done"],
                "abandoned": ["announced", "abandoned"]}[status]
        for minutes, step in enumerate(path, start=1):
            moment = logged + timedelta(minutes=minutes)
            if step == "done" and initiative.due_date:
                moment = max(moment, min(_morning(initiative.due_date, 17), now))  # finished when due
            initiative_services.change_status(initiative, actor=executive, status=step,
                                              reason=abandon_reason, now=moment,
                                              today=org_today(moment))
        created.append(initiative)
    return created


DEMO_TZ = ZoneInfo("Australia/Sydney")
TALK_FOLLOW_UP = "Updated the leadership team on progress."


def _checkin_history(initiatives: list[Initiative], users: dict[str, User], now: datetime,
                     today: date, rng: random.Random) -> None:
    """Sixteen weeks of weekly check-ins for every active initiative: the
    current one open, the rest submitted or missed according to the owner's
    habit, so the say/do record tells who acts and who only talks."""
    by_id = {u.id: u for u in users.values()}
    for initiative in initiatives:
        if initiative.status not in ("announced", "in_progress"):
            continue
        owner = by_id[initiative.owner_id]
        habit = content.OWNER_HABITS.get(owner.email, "mixed")
        cadence, weekday = checkin_services.schedule_for(initiative)
        first = max(initiative.start_date, today - timedelta(weeks=16))
        # The tracker has been recording since then: the scheduler starts there too.
        initiative.active_since = first
        periods = periods_between(first, today, cadence, weekday)
        actions = list(content.ACTION_LINES.get(initiative.title, ()))
        for index, period in enumerate(periods):
            is_current = period.end >= today
            weeks_left = len(periods) - 1 - index
            if is_current:
                checkin_services.open_checkin(initiative, period)
                continue
            missed = (habit == "quiet" and weeks_left <= 3) or rng.random() < 0.08
            if missed:
                checkin_services.open_checkin(initiative, period, state="missed")
                continue
            checkin, _ = checkin_services.open_checkin(initiative, period)
            db.session.flush()
            entries = []
            if habit != "acts" or rng.random() < 0.5:
                entries.append(checkin_services.EntryInput(kind="talk",
                                                           text=rng.choice(content.TALK_LINES)))
            happened = max(period.start, initiative.start_date)
            wants_action = {"acts": 0.8, "mixed": 0.45, "quiet": 0.3, "talks": 0.0}[habit]
            # Spread the acts over the weeks instead of using them all up early.
            wants_action = min(wants_action, len(actions) / max(weeks_left, 1))
            if actions and rng.random() < wants_action:
                text, evidence = actions.pop(0)  # each act happens, and is reported, once
                if habit == "mixed" and rng.random() < 0.4:
                    evidence = ""
                entries.append(checkin_services.EntryInput(
                    kind="action", text=text, happened_on=happened,
                    done_by=owner.display_name, evidence=evidence))
            if habit == "talks" and rng.random() < 0.3 and weeks_left > 4:
                # Talk dressed up as action: the classifier flagged it, and the
                # CEO's review (below) counted it as the talk it is.
                entries.append(checkin_services.EntryInput(
                    kind="action", text="We will launch the new programme with a kickoff next month.",
                    happened_on=happened, done_by=owner.display_name, evidence=""))
            if habit == "mixed" and weeks_left == 2:
                entries.append(checkin_services.EntryInput(
                    kind="action", text=content.PREPARATION_AS_ACTION, happened_on=happened,
                    done_by=owner.display_name, evidence=""))
            if not entries:
                entries.append(checkin_services.EntryInput(kind="talk", text=TALK_FOLLOW_UP))
            submitted_at = datetime.combine(period.due_on, time(7, 0), tzinfo=UTC)
            checkin_services.submit_checkin(checkin, actor=owner, entries=entries,
                                            now=submitted_at, today=period.end)
            if weeks_left > 4:
                # The CEO has worked through the older flagged entries.
                for entry in checkin.entries:
                    if entry.review_state == "pending":
                        checkin_services.review_entry(entry, actor=users["ceo@example.com"],
                                                      verdict=entry.suggested_kind,
                                                      now=submitted_at + timedelta(days=3))


def _incentives(users: dict[str, User], behaviours: dict[str, Behaviour], metrics: dict[str, Metric],
                initiatives: list[Initiative], today: date, now: datetime) -> None:
    """The five incentives of the seed article, recorded and judged by HR six
    months ago; Sales' named by its announced incentive-change initiative (not
    changed yet: only talked about), Operations' changed by an initiative whose
    check-in reported the new bonus plan as an action with evidence."""
    hr = users["hr@example.com"]
    recorded = min(_morning(_month_start(today, 6)), now)
    made: dict[str, Incentive] = {}
    for key, row in content.INCENTIVES.items():
        department, rewards, role, group, source, weight, metric_key, way, status = row
        made[key] = incentive_services.create_incentive(actor=hr, data=incentive_services.IncentiveInput(
            department_id=_department_id(department), rewards=rewards, source=source, owner_id=hr.id,
            status=status, effective_from=_month_start(today, 24) if status == "in_effect" else None,
            role_name=role, named_group=group, metric_id=metrics[metric_key].id if metric_key else None,
            rewarded_direction=way, weight_percent=weight), now=recorded)
    for minutes, (key, behaviour_key, verdict, reason) in enumerate(content.JUDGEMENTS, start=1):
        incentive_services.judge(made[key], actor=hr, behaviour_id=behaviours[behaviour_key].id,
                                 verdict=verdict, reason=reason, now=recorded + timedelta(minutes=minutes))
    retention = next(i for i in initiatives if i.kind == incentive_services.CHANGE_KIND
                     and i.status == "announced")
    incentive_services.name_change(retention, actor=hr, incentive_id=made["sales"].id,
                                   replacement_id=None,
                                   now=min(retention.created_at + timedelta(minutes=30), now))
    _incentive_change(users, behaviours, metrics, made, today, now)


def _incentive_change(users: dict[str, User], behaviours: dict[str, Behaviour],
                      metrics: dict[str, Metric], made: dict[str, Incentive], today: date,
                      now: datetime) -> None:
    """An initiative that changed Operations' bonus: announced (talk), then the
    new plan signed (an action with evidence), which ended the old incentive,
    brought in its replacement and resolved its conflict with Customer Service."""
    title, owner_email, started, statement, talk, (action, evidence) = content.INCENTIVE_CHANGE
    owner, ceo = users[owner_email], users["ceo@example.com"]
    start_date = _month_start(today, started) + timedelta(days=6)
    logged = min(_morning(start_date), now)
    initiative = initiative_services.create_initiative(
        actor=ceo, now=logged, today=org_today(logged), data=initiative_services.InitiativeInput(
            title=title, kind=incentive_services.CHANGE_KIND, burning_platform=statement,
            owner_id=owner.id, sponsor_id=ceo.id, department_id=_department_id("Operations"),
            start_date=start_date, due_date=_month_start(today, started - 3),
            behaviour_ids=(behaviours["insource"].id, behaviours["handle_time"].id)))
    complaints = metrics["complaints"]
    initiative_services.link_metric(initiative, actor=ceo, metric_id=complaints.id,
                                    expected_direction="decrease", expected_amount=5,
                                    expected_by=complaints.target_date, now=logged)
    incentive_services.name_change(initiative, actor=users["hr@example.com"],
                                   incentive_id=made["operations"].id,
                                   replacement_id=made["operations_new"].id,
                                   now=logged + timedelta(minutes=1))
    for minutes, step in enumerate(("announced", "in_progress"), start=2):
        moment = logged + timedelta(minutes=minutes)
        initiative_services.change_status(initiative, actor=ceo, status=step, now=moment,
                                          today=org_today(moment))
    cadence, weekday = checkin_services.schedule_for(initiative)
    # The first three periods due after it was logged.
    periods = [p for p in periods_between(start_date, start_date + timedelta(weeks=5), cadence, weekday)
               if p.due_on > start_date][:3]
    reports = ([checkin_services.EntryInput(kind="talk", text=talk)],
               [checkin_services.EntryInput(kind="talk", text=TALK_FOLLOW_UP)],
               [checkin_services.EntryInput(kind="action", text=action, done_by=owner.display_name,
                                            happened_on=max(periods[2].start, start_date),
                                            evidence=evidence)])
    for period, entries in zip(periods, reports, strict=False):
        checkin, _ = checkin_services.open_checkin(initiative, period)
        db.session.flush()
        checkin_services.submit_checkin(checkin, actor=owner, entries=entries,
                                        now=datetime.combine(period.due_on, time(7, 0), tzinfo=UTC),
                                        today=period.end)
    finished = min(_morning(periods[2].due_on + timedelta(days=7), 17), now)
    initiative_services.change_status(initiative, actor=ceo, status="done", now=finished,
                                      today=org_today(finished))
