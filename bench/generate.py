"""Generate a large organisation into a fresh database for the benchmark.

    python -m bench.generate [--database URL] [--force] [--seed N]

The schema comes from the Alembic migrations (tables the migrations do not
cover yet are created from the models, with a warning). Rows are inserted
with SQLAlchemy Core, executemany in chunks, never one ORM object per row.
The data is deterministic for a seed and a day: dates run up to today, so
the app sees a live organisation (this week's check-ins open, the rest
submitted or missed).
"""

import argparse
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice

from sqlalchemy import create_engine, func, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.schema import CreateColumn

from bench import content
from bench.database import (
    DEFAULT_DATABASE,
    generation_record,
    kind,
    resolve_url,
    row_counts,
    sqlite_path,
)
from tracker import create_app
from tracker.accounts.passwords import hash_password
from tracker.checkins.classifier import classify
from tracker.extensions import db
from tracker.organisation.jobs import refresh_statistics

USERS = 2_000
METRICS = 500
READINGS_PER_METRIC = 400
INITIATIVES = 5_000
CHECKINS = 150_000
ENTRIES = 400_000
DECISIONS = 5_000
INCENTIVES_PER_DEPARTMENT = 24
TOKENS_PER_ADMIN = 4
WEBHOOK_ENDPOINTS = 4
WEBHOOK_MESSAGES = 2_500
CHUNK = 10_000

# A throwaway database on 127.0.0.1: the password is printed for the benchmark to use.
PASSWORD = "bench-password-2026"  # noqa: S105
# (role, email, name, department): the logins the benchmark and a curious reader use.
LOGINS = (
    ("executive", "bench-exec@example.com", "Bench Executive", None),
    ("hr", "bench-hr@example.com", "Bench HR", "HR"),
    ("member", "bench-member@example.com", "Bench Member", "Customer Service"),
    ("admin", "bench-admin@example.com", "Bench Admin", None),
)
EXECUTIVES, HR_PEOPLE, ADMINS = 30, 20, 5

STATUS_WEIGHTS = {"in_progress": 40, "announced": 14, "done": 20, "abandoned": 10, "proposed": 16}
# How owners behave: the chance a check-in is missed, that an entry is an
# action, that an action carries evidence.
HABITS = {
    "acts": (0.04, 0.70, 0.85),
    "mixed": (0.10, 0.45, 0.50),
    "talks": (0.10, 0.08, 0.20),
    "quiet": (0.35, 0.35, 0.50),
}
HABIT_WEIGHTS = (35, 40, 15, 10)
DUE_WEEKDAY = 4  # Friday, the organisation's default
# Which roles a kind of people decision names (as tracker.people.decisions asks).
DECISION_ROLES = {"hire": ("role_to",), "promotion": ("role_from", "role_to"),
                  "lateral_move": ("role_from", "role_to"), "demotion": ("role_from", "role_to"),
                  "exit": ("role_from",), "recognition": ()}
DECISION_WEIGHTS = {"hire": 25, "promotion": 20, "lateral_move": 10, "demotion": 8, "exit": 12,
                    "recognition": 25}


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def chunked(rows: Iterable[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(slots=True)
class InitiativePlan:
    """What later steps need to know about one generated initiative."""

    id: int
    status: str
    owner_id: int
    sponsor_id: int
    department_id: int
    start_date: date
    created_at: datetime
    behaviour_ids: list[int]
    first_monday: date | None = None
    periods: int = 0
    kind: str = ""


@dataclass(slots=True)
class SubmittedCheckIn:
    id: int
    initiative: InitiativePlan
    period_start: date
    submitted_at: datetime


@dataclass
class Organisation:
    """Builds the rows table by table; each step keeps what the next ones need."""

    rng: random.Random
    now: datetime
    password_hash: str
    with_people: bool
    scale: int = 1  # how many times the 1× organisation (people, metrics, initiatives, history)
    today: date = field(init=False)
    this_monday: date = field(init=False)
    departments: dict[int, str] = field(default_factory=dict)
    users: dict[int, tuple[str, str, int | None]] = field(default_factory=dict)  # role, name, dept
    by_role: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    behaviours: dict[int, str] = field(default_factory=dict)  # id -> kind
    behaviour_names: dict[int, str] = field(default_factory=dict)
    # id -> (name, direction, baseline, target, target date, owner)
    metrics: dict[int, tuple[str, str, float, float, date, int]] = field(default_factory=dict)
    metric_departments: dict[int, int] = field(default_factory=dict)
    initiatives: list[InitiativePlan] = field(default_factory=list)
    habits: dict[int, str] = field(default_factory=dict)
    submitted: list[SubmittedCheckIn] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)

    def __post_init__(self):
        self.today = self.now.date()
        self.this_monday = self.today - timedelta(days=self.today.weekday())

    def event(self, when: datetime, subject_type: str, subject_id: int, action: str, summary: str,
              actor_id: int | None, changes: dict | None = None) -> None:
        self.events.append((when, subject_type, subject_id, action, summary, changes or {}, actor_id))

    # --- people and vocabulary -------------------------------------------------

    def org_settings_rows(self) -> list[dict]:
        return [{"id": 1, "timezone": "UTC", "default_cadence": "weekly",
                 "default_weekday": DUE_WEEKDAY, "grace_days": 2, "reminder_hour": 9,
                 "digest_weekday": 0, "digest_hour": 8}]

    def department_rows(self) -> list[dict]:
        rows = []
        for index, name in enumerate(content.DEPARTMENTS, start=1):
            self.departments[index] = name
            rows.append({"id": index, "name": name, "created_at": self.now - timedelta(days=800)})
        return rows

    def user_rows(self) -> list[dict]:
        rng, rows = self.rng, []
        department_ids = {name: i for i, name in self.departments.items()}
        for index in range(USERS * self.scale):
            user_id = index + 1
            if index < len(LOGINS):
                role, email, name, department = LOGINS[index]
                department_id = department_ids.get(department)
                active, opt_in, timezone = True, True, "UTC"
            else:
                first = content.FIRST_NAMES[index % len(content.FIRST_NAMES)]
                last = content.LAST_NAMES[(index // len(content.FIRST_NAMES)) % len(content.LAST_NAMES)]
                name = f"{first} {last}"
                email = f"{first}.{last}.{user_id}@example.com".lower()
                generated = index - len(LOGINS)
                role = ("executive" if generated < EXECUTIVES
                        else "hr" if generated < EXECUTIVES + HR_PEOPLE
                        else "admin" if generated < EXECUTIVES + HR_PEOPLE + ADMINS
                        else "member")
                department_id = (department_ids["HR"] if role == "hr"
                                 else None if role == "admin" or (role == "executive" and rng.random() < 0.3)
                                 else rng.choice(list(self.departments)))
                active = rng.random() > 0.02
                opt_in = rng.random() > 0.08
                timezone = "UTC" if rng.random() < 0.7 else rng.choice(content.TIMEZONES)
            self.users[user_id] = (role, name, department_id)
            if active:
                self.by_role[role].append(user_id)
            rows.append({"id": user_id, "email": email, "display_name": name, "role": role,
                         "department_id": department_id, "active": active, "timezone": timezone,
                         "digest_opt_in": opt_in, "password_hash": self.password_hash,
                         "created_at": self.now - timedelta(days=rng.randint(30, 900))})
        return rows

    def behaviour_rows(self) -> list[dict]:
        author = self.by_role["executive"][0]
        rows = []
        for index, (name, kind_, old, new) in enumerate(content.BEHAVIOURS, start=1):
            self.behaviours[index] = kind_
            self.behaviour_names[index] = name
            rows.append({"id": index, "name": name, "kind": kind_, "from_behaviour": old,
                         "to_behaviour": new, "created_by_id": author,
                         "created_at": self.now - timedelta(days=700)})
        return rows

    # --- metrics ---------------------------------------------------------------

    def metric_rows(self) -> tuple[list[dict], list[dict]]:
        rng = self.rng
        names = [(m, d, r) for m in range(len(content.MEASURES))
                 for d in self.departments for r in content.REGIONS]
        # Metric names are a measure, a department and a region: at most 1,500 of them.
        chosen = rng.sample(names, min(METRICS * self.scale, len(names)))
        owners = self.by_role["member"] + self.by_role["executive"]
        targets = [b for b, k in self.behaviours.items() if k == "target"]
        no_nos = [b for b, k in self.behaviours.items() if k == "no_no"]
        metrics, links = [], []
        for metric_id, (measure, department_id, region) in enumerate(chosen, start=1):
            name, unit, direction, baseline, target, source = content.MEASURES[measure]
            cadence = rng.choices(("weekly", "fortnightly", "monthly", "quarterly"), (4, 2, 3, 1))[0]
            target_date = self.today + timedelta(days=rng.randint(30, 400))
            full_name = f"{name} — {self.departments[department_id]}, {region}"
            standard = (content.VAGUE_STANDARD if rng.random() < 0.1 else
                        f"{name} at {target} {unit} by {target_date:%d %B %Y}, measured {cadence} "
                        f"for every {self.departments[department_id]} site in the {region}.")
            owner_id = rng.choice(owners)
            created_at = at(self.today - timedelta(days=READINGS_PER_METRIC + rng.randint(1, 60)))
            self.metrics[metric_id] = (full_name, direction, baseline, target, target_date, owner_id)
            self.metric_departments[metric_id] = department_id
            metrics.append({"id": metric_id, "name": full_name, "unit": unit, "direction": direction,
                            "baseline": baseline, "target": target, "target_date": target_date,
                            "cadence": cadence, "source": source, "standard": standard,
                            "owner_id": owner_id, "department_id": department_id,
                            "created_at": created_at})
            pool = no_nos if direction == "lower" and rng.random() < 0.5 else targets
            for behaviour_id in rng.sample(pool, rng.randint(1, 2)):
                links.append({"metric_id": metric_id, "behaviour_id": behaviour_id})
            self.event(created_at, "metric", metric_id, "created", "Created metric", owner_id,
                       {"name": full_name, "baseline": baseline, "target": target})
            self.event(created_at + timedelta(days=READINGS_PER_METRIC), "metric", metric_id, "reading",
                       f"Imported {READINGS_PER_METRIC} readings", owner_id)
        return metrics, links

    def reading_rows(self) -> Iterator[dict]:
        """400 daily readings per metric up to today, each shaped by a trend."""
        rng = self.rng
        first_day = self.today - timedelta(days=READINGS_PER_METRIC - 1)
        for metric_id, (_, _, baseline, target, _, owner_id) in self.metrics.items():
            trend = rng.choices(("improving", "flat", "worse", "believed"), (45, 30, 15, 10))[0]
            span = target - baseline
            noise = abs(span) * 0.04 or 0.5
            for day in range(READINGS_PER_METRIC):
                t = day / (READINGS_PER_METRIC - 1)
                if trend == "improving":
                    value = baseline + span * 0.85 * t ** 1.3
                elif trend == "worse":
                    value = baseline - span * 0.35 * t
                elif trend == "believed":
                    value = baseline + span * (0.3 + 0.5 * t)
                else:
                    value = baseline + span * 0.05 * math.sin(day / 7)
                observed_on = first_day + timedelta(days=day)
                yield {"metric_id": metric_id, "observed_on": observed_on,
                       "value": round(value + rng.uniform(-noise, noise), 2),
                       "note": "Imported from the survey tool" if day % 50 == 0 else "",
                       "recorded_by_id": owner_id, "recorded_at": min(at(observed_on, 18), self.now)}

    # --- initiatives -------------------------------------------------------------

    def initiative_rows(self) -> tuple[list[dict], list[dict], list[dict]]:
        rng = self.rng
        members = self.by_role["member"]
        owners = [self.by_role["member"][0]] + rng.sample(members[1:], 700 * self.scale)
        for owner in owners:
            self.habits[owner] = rng.choices(list(HABITS), HABIT_WEIGHTS)[0]
        sponsors = self.by_role["executive"]
        statuses = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()),
                               k=INITIATIVES * self.scale)
        # The bench member owns a dozen live initiatives: its pages and digest have something to show.
        for index in range(12):
            statuses[index] = "in_progress"
        with_checkins = sum(1 for s in statuses if s != "proposed")
        per_initiative, extra = divmod(CHECKINS * self.scale, with_checkins)
        metric_ids = list(self.metrics)
        behaviour_ids = list(self.behaviours)
        rows, metric_links, behaviour_links = [], [], []
        seen_with_checkins = 0
        for index, status in enumerate(statuses):
            initiative_id = index + 1
            owner_id = owners[0] if index < 12 else rng.choice(owners)
            sponsor_id = rng.choice(sponsors)
            owner_department = self.users[owner_id][2]
            department_id = owner_department or rng.choice(list(self.departments))
            kind_ = rng.choice(list(content.TITLES))
            words = {"dept": self.departments[department_id], "region": rng.choice(content.REGIONS),
                     "amount": rng.choice((12, 20, 35, 50, 200))}
            title = rng.choice(content.TITLES[kind_]).format(**words)
            periods = 0
            first_monday = None
            if status != "proposed":
                periods = per_initiative + (1 if seen_with_checkins < extra else 0)
                seen_with_checkins += 1
                if status in ("announced", "in_progress"):
                    last_monday = self.this_monday
                else:
                    last_monday = self.this_monday - timedelta(weeks=rng.randint(1, 26))
                first_monday = last_monday - timedelta(weeks=periods - 1)
                start_date = first_monday - timedelta(days=rng.randint(0, 60))
            else:
                start_date = self.today + timedelta(days=rng.randint(-30, 60))
            created_at = at(min(start_date, self.today) - timedelta(days=rng.randint(1, 30)), 10)
            chosen_behaviours = rng.sample(behaviour_ids, rng.randint(1, 3))
            plan = InitiativePlan(initiative_id, status, owner_id, sponsor_id, department_id,
                                  start_date, created_at, chosen_behaviours, first_monday, periods)
            plan.kind = kind_
            self.initiatives.append(plan)
            updated_at = self._status_history(plan, rng)
            rows.append({
                "id": initiative_id, "title": title, "kind": kind_,
                "description": f"{title}. Owned by {self.users[owner_id][1]}.",
                "burning_platform": rng.choice(content.BURNING_PLATFORMS).format(**words),
                "status": status,
                "abandon_reason": rng.choice(content.ABANDON_REASONS) if status == "abandoned" else "",
                "owner_id": owner_id, "sponsor_id": sponsor_id, "department_id": department_id,
                "start_date": start_date,
                "due_date": (start_date + timedelta(days=rng.randint(90, 400))
                             if rng.random() < 0.8 else None),
                "active_since": first_monday, "checkin_cadence": None, "checkin_weekday": None,
                "created_by_id": sponsor_id, "created_at": created_at, "updated_at": updated_at,
            })
            for behaviour_id in chosen_behaviours:
                behaviour_links.append({"initiative_id": initiative_id, "behaviour_id": behaviour_id})
            # About one in ten is unmeasured (more among the merely proposed).
            unmeasured = rng.random() < (0.4 if status == "proposed" else 0.08)
            for metric_id in ([] if unmeasured else rng.sample(metric_ids, rng.choice((1, 1, 2, 2, 3)))):
                name, direction, baseline, target, target_date, _ = self.metrics[metric_id]
                metric_links.append({
                    "initiative_id": initiative_id, "metric_id": metric_id,
                    "expected_direction": "increase" if direction == "higher" else "decrease",
                    "expected_amount": round(abs(target - baseline) * rng.uniform(0.1, 0.5), 1) or 1.0,
                    "expected_by": target_date,
                })
                self.event(created_at + timedelta(hours=1), "initiative", initiative_id,
                           "metric linked", f"Linked metric {name}", sponsor_id,
                           {"metric_id": metric_id})
        return rows, metric_links, behaviour_links

    def _status_history(self, plan: InitiativePlan, rng: random.Random) -> datetime:
        """History events for creation and each status change; returns the last change."""
        self.event(plan.created_at, "initiative", plan.id, "created", "Logged the initiative",
                   plan.sponsor_id, {"status": "proposed", "owner_id": plan.owner_id})
        if plan.status == "proposed":
            return plan.created_at
        steps = {"announced": ["announced"], "in_progress": ["announced", "in_progress"],
                 "done": ["announced", "in_progress", "done"],
                 "abandoned": ["announced", "abandoned"]}[plan.status]
        when = at(plan.first_monday, 8)
        last_day = plan.first_monday + timedelta(weeks=plan.periods)
        old = "proposed"
        for number, step in enumerate(steps):
            if number == len(steps) - 1 and step in ("done", "abandoned"):
                when = at(min(last_day, self.today), 16)
            elif number:
                when = when + timedelta(days=rng.randint(3, 20))
            self.event(when, "initiative", plan.id, "status",
                       f"Status {old.replace('_', ' ').capitalize()} → "
                       f"{step.replace('_', ' ').capitalize()}", plan.sponsor_id,
                       {"status": [old, step]})
            old = step
        return when

    # --- check-ins -------------------------------------------------------------

    def checkin_rows(self) -> Iterator[dict]:
        """One check-in per initiative and week: this week's open for live
        initiatives, the earlier ones submitted or missed by the owner's habit."""
        rng = self.rng
        checkin_id = 0
        for plan in self.initiatives:
            miss_rate = HABITS[self.habits[plan.owner_id]][0]
            live = plan.status in ("announced", "in_progress")
            for week in range(plan.periods):
                checkin_id += 1
                start = plan.first_monday + timedelta(weeks=week)
                due_on = start + timedelta(days=DUE_WEEKDAY)
                row = {"id": checkin_id, "initiative_id": plan.id, "period_start": start,
                       "period_end": start + timedelta(days=6), "due_on": due_on, "state": "open",
                       "submitted_at": None, "submitted_by_id": None, "created_at": at(start, 0, 5)}
                if live and week == plan.periods - 1:
                    yield row
                    continue
                if rng.random() < miss_rate:
                    row["state"] = "missed"
                else:
                    submitted_at = min(at(due_on - timedelta(days=rng.randint(0, 2)),
                                          rng.randint(7, 18), rng.randint(0, 59)), self.now)
                    row.update(state="submitted", submitted_at=submitted_at,
                               submitted_by_id=plan.owner_id)
                    self.submitted.append(SubmittedCheckIn(checkin_id, plan, start, submitted_at))
                yield row

    def entry_rows(self) -> Iterator[dict]:
        """Exactly ENTRIES entries: one per submitted check-in, the rest spread at random."""
        rng = self.rng
        counts = [1] * len(self.submitted)
        for _ in range(ENTRIES * self.scale - len(self.submitted)):
            counts[rng.randrange(len(counts))] += 1
        suggestions = {}
        reviewers = self.by_role["executive"]
        recent = self.now - timedelta(weeks=4)
        entry_id = 0
        for checkin, count in zip(self.submitted, counts, strict=True):
            plan = checkin.initiative
            _, action_rate, evidence_rate = HABITS[self.habits[plan.owner_id]]
            owner_name = self.users[plan.owner_id][1]
            actions = 0
            for _ in range(count):
                entry_id += 1
                if rng.random() < action_rate:
                    kind_ = "action"
                    text_, evidence = rng.choice(content.ACTION_LINES)
                    evidence = evidence if rng.random() < evidence_rate else ""
                elif self.habits[plan.owner_id] == "talks" and rng.random() < 0.15:
                    kind_, text_, evidence = "action", rng.choice(content.TALK_LINES), ""  # talk dressed up
                else:
                    kind_, text_, evidence = "talk", rng.choice(content.TALK_LINES), ""
                if text_ not in suggestions:
                    suggestions[text_] = classify(text_)
                suggestion = suggestions[text_]
                happened_on = None
                if kind_ == "action":
                    actions += 1
                    happened_on = min(checkin.period_start + timedelta(days=rng.randint(0, 4)),
                                      checkin.submitted_at.date())
                review = {"review_state": "none", "reviewed_kind": None, "reviewed_by_id": None,
                          "reviewed_at": None}
                if suggestion.kind != kind_:
                    reviewed_at = checkin.submitted_at + timedelta(days=3)
                    if checkin.submitted_at < recent:
                        verdict = kind_ if rng.random() < 0.6 else suggestion.kind
                        review = {"review_state": "confirmed" if verdict == kind_ else "reclassified",
                                  "reviewed_kind": verdict, "reviewed_by_id": rng.choice(reviewers),
                                  "reviewed_at": reviewed_at}
                    else:
                        review["review_state"] = "pending"
                yield {"id": entry_id, "checkin_id": checkin.id, "kind": kind_, "text": text_,
                       "happened_on": happened_on,
                       "done_by": owner_name if kind_ == "action" else "", "evidence": evidence,
                       "behaviour_id": rng.choice(plan.behaviour_ids) if rng.random() < 0.4 else None,
                       "suggested_kind": suggestion.kind, "reasons": list(suggestion.reasons),
                       **review, "amends_id": None, "amendment_note": "", "is_amendment": False,
                       "created_by_id": plan.owner_id, "created_at": checkin.submitted_at}
            self.event(checkin.submitted_at, "initiative", plan.id, "check-in",
                       f"Check-in for {checkin.period_start:%d %b %Y} submitted: "
                       f"{actions} action{'s' if actions != 1 else ''}, {count - actions} talk",
                       plan.owner_id, {"checkin_id": checkin.id})

    # --- people decisions --------------------------------------------------------

    def decision_rows(self) -> tuple[list[dict], list[dict]]:
        from tracker.people.alignment import EvidenceFact, alignment

        rng = self.rng
        refs = 3_500
        linked_users = list(self.users)[len(LOGINS):len(LOGINS) + 1_500]
        hr = self.by_role["hr"]
        targets = [b for b, k in self.behaviours.items() if k == "target"]
        no_nos = [b for b, k in self.behaviours.items() if k == "no_no"]
        decisions, evidence = [], []
        facts: dict[int, list] = {}
        evidence_id = 0
        for decision_id in range(1, DECISIONS * self.scale + 1):
            ref = rng.randrange(refs)
            user_id = linked_users[ref] if ref < len(linked_users) else None
            if user_id:
                name, department_id = self.users[user_id][1], self.users[user_id][2]
            else:
                name = (f"{content.FIRST_NAMES[ref % len(content.FIRST_NAMES)]} "
                        f"{content.LAST_NAMES[(ref * 7) % len(content.LAST_NAMES)]}")
                department_id = None
            department_id = department_id or rng.choice(list(self.departments))
            kind_ = rng.choices(list(DECISION_WEIGHTS), list(DECISION_WEIGHTS.values()))[0]
            effective = self.today - timedelta(days=rng.randint(0, 729))
            roles = DECISION_ROLES[kind_]
            created_at = min(at(effective - timedelta(days=rng.randint(0, 10)), 11), self.now)
            decisions.append({
                "id": decision_id, "person_name": name, "employee_ref": f"E-{10_000 + ref}",
                "user_id": user_id, "kind": kind_, "effective_date": effective,
                "role_from": rng.choice(content.ROLES) if "role_from" in roles else "",
                "role_to": rng.choice(content.ROLES) if "role_to" in roles else "",
                "department_id": department_id, "decided_by": rng.choice(content.DECIDERS),
                "rationale": f"{kind_.replace('_', ' ').capitalize()} decided after review.",
                "initiative_id": (rng.randint(1, INITIATIVES) if rng.random() < 0.4 else None),
                "aligned": False, "alignment_reasons": [], "created_by_id": rng.choice(hr),
                "created_at": created_at, "updated_at": created_at,
            })
            removes = kind_ in ("demotion", "exit")
            facts[decision_id] = []
            for _ in range(rng.randint(1, 3)):
                evidence_id += 1
                wants_no_no = rng.random() < (0.85 if removes else 0.12)
                behaviour_id = rng.choice(no_nos if wants_no_no else targets)
                observed_on = effective - timedelta(days=rng.randint(3, 90))
                where = (rng.choice(content.WHERE_RECORDED).format(n=rng.randint(1000, 99999))
                         if rng.random() < 0.9 else "")
                what = f"{self.behaviour_names[behaviour_id]}: seen by the team on {observed_on:%d %b}"
                evidence.append({"id": evidence_id, "decision_id": decision_id,
                                 "behaviour_id": behaviour_id, "what": what,
                                 "observed_on": observed_on, "where_recorded": where})
                facts[decision_id].append(EvidenceFact(
                    behaviour=self.behaviour_names[behaviour_id],
                    behaviour_kind=self.behaviours[behaviour_id], what=what,
                    observed_on=observed_on, where=where))
        # The stored alignment, by the app's own rule: each decision sees the
        # person's no-no evidence from their other decisions up to its date.
        by_person = defaultdict(list)
        for row in decisions:
            by_person[row["employee_ref"]].append(row)
        for group in by_person.values():
            for row in group:
                prior = [fact for other in group if other is not row for fact in facts[other["id"]]
                         if fact.behaviour_kind == "no_no" and fact.observed_on <= row["effective_date"]]
                result = alignment(row["kind"], facts[row["id"]], prior)
                row["aligned"], row["alignment_reasons"] = result.aligned, list(result.reasons)
        for row in decisions:
            self.event(row["created_at"], "people_decision", row["id"], "created",
                       f"Recorded {row['kind'].replace('_', ' ')} of {row['person_name']}",
                       row["created_by_id"], {"kind": row["kind"], "aligned": row["aligned"]})
        return decisions, evidence

    # --- incentives, API tokens, webhooks ------------------------------------------

    def incentive_rows(self) -> tuple[list[dict], list[dict], list[dict]]:
        """INCENTIVES_PER_DEPARTMENT × scale incentives in each department
        (most in effect, some proposed, some ended and replaced), each in
        effect or ended one judged against a few behaviours by a person, and
        the incentive-change initiatives naming the incentive they change."""
        rng = self.rng
        managers = self.by_role["executive"] + self.by_role["hr"]
        behaviour_ids = list(self.behaviours)
        department_metrics: dict[int, list[int]] = defaultdict(list)
        for metric_id, row in self.metric_departments.items():
            department_metrics[row].append(metric_id)
        incentives, judgements = [], []
        incentive_id = 0
        by_department: dict[int, list[dict]] = defaultdict(list)
        for department_id, department in self.departments.items():
            for n in range(INCENTIVES_PER_DEPARTMENT * self.scale):
                incentive_id += 1
                rewards, role_name, direction = content.INCENTIVES[n % len(content.INCENTIVES)]
                status = rng.choices(("in_effect", "proposed", "ended"), (70, 15, 15))[0]
                effective_from = (self.today - timedelta(days=rng.randint(60, 700))
                                  if status != "proposed" else None)
                ended_on = (min(effective_from + timedelta(days=rng.randint(30, 400)), self.today)
                            if status == "ended" else None)
                owner_id = rng.choice(managers)
                created_at = at(effective_from or self.today - timedelta(days=rng.randint(1, 60)), 11)
                metrics = department_metrics.get(department_id) or [None]
                row = {"id": incentive_id, "department_id": department_id,
                       "role_name": role_name if rng.random() < 0.6 else "",
                       "named_group": (f"The {self.today.year} {department} top tier"
                                       if rng.random() < 0.15 else ""),
                       "rewards": f"{rewards} ({n // len(content.INCENTIVES) + 1})"
                       if n >= len(content.INCENTIVES) else rewards,
                       "metric_id": rng.choice(metrics) if rng.random() < 0.8 else None,
                       "rewarded_direction": direction, "weight_percent": rng.choice((5, 10, 15, 20, 25, 40)),
                       "source": rng.choice(("pay_plan", "scorecard", "objective")), "status": status,
                       "effective_from": effective_from, "ended_on": ended_on, "replaced_by_id": None,
                       "owner_id": owner_id, "created_by_id": owner_id, "created_at": created_at}
                if row["metric_id"] is None:
                    row["rewarded_direction"] = None
                incentives.append(row)
                by_department[department_id].append(row)
                self.event(created_at, "incentive", incentive_id, "created", "Recorded the incentive",
                           owner_id, {"rewards": row["rewards"], "status": status})
                if status == "proposed":
                    continue
                for behaviour_id in rng.sample(behaviour_ids, rng.randint(3, 8)):
                    verdict = rng.choices(("supports", "neutral", "pulls_against"), (40, 35, 25))[0]
                    judged_at = created_at + timedelta(days=rng.randint(1, 30))
                    judger = rng.choice(managers)
                    judgements.append({
                        "incentive_id": incentive_id, "behaviour_id": behaviour_id, "verdict": verdict,
                        "reason": rng.choice(content.JUDGEMENT_REASONS[verdict]),
                        "suggested_verdict": verdict if rng.random() < 0.6 else "neutral",
                        "judged_by_id": judger, "judged_at": judged_at})
                    self.event(judged_at, "incentive", incentive_id, "updated",
                               f"Judged against “{self.behaviour_names[behaviour_id]}”: "
                               f"{verdict.replace('_', ' ')}", judger, {"verdict": [None, verdict]})
        # An ended incentive was replaced by one in effect of its department
        # (one inserted before it: the foreign key is checked row by row).
        for rows in by_department.values():
            for row in rows:
                live = [r for r in rows if r["status"] == "in_effect" and r["id"] < row["id"]]
                if row["status"] == "ended" and live:
                    row["replaced_by_id"] = rng.choice(live)["id"]
        changes = []
        proposed = [r for r in incentives if r["status"] == "proposed"]
        in_effect = [r for r in incentives if r["status"] == "in_effect"]
        for plan in self.initiatives:
            if plan.kind != "incentive_change" or not in_effect:
                continue
            changed = next((r for r in by_department[plan.department_id] if r["status"] == "in_effect"),
                           rng.choice(in_effect))
            replacement = rng.choice(proposed) if proposed and rng.random() < 0.5 else None
            changes.append({"initiative_id": plan.id, "incentive_id": changed["id"],
                            "replacement_id": replacement and replacement["id"], "applied_on": None,
                            "applied_evidence": "", "created_by_id": plan.sponsor_id,
                            "created_at": plan.created_at + timedelta(days=1)})
        return incentives, judgements, changes

    def token_rows(self) -> list[dict]:
        """A few API tokens per admin (the bench admin's among them) and one
        for about one person in fifty: some revoked, some expired, most used."""
        rng, rows = self.rng, []
        holders = [(user_id, TOKENS_PER_ADMIN) for user_id in self.by_role["admin"]]
        holders += [(user_id, 1) for user_id in self.users if user_id % 50 == 7]
        token_id = 0
        for user_id, count in holders:
            for n in range(count):
                token_id += 1
                created_at = self.now - timedelta(days=rng.randint(1, 300))
                expires_at = created_at + timedelta(days=rng.choice((30, 90, 365)))
                rows.append({
                    "id": token_id, "user_id": user_id,
                    "name": content.TOKEN_NAMES[n % len(content.TOKEN_NAMES)],
                    "token_hash": f"{token_id:064x}", "hint": f"bpt_{token_id:06d}",
                    "scopes": rng.choice(("read", "read readings:write", "read write", "read people:read")),
                    "created_at": created_at, "expires_at": expires_at,
                    "last_used_at": (min(created_at + timedelta(days=rng.randint(0, 30)), self.now)
                                     if rng.random() < 0.8 else None),
                    "revoked_at": (min(created_at + timedelta(days=rng.randint(1, 60)), self.now)
                                   if rng.random() < 0.15 else None),
                    "revoked_by_id": None})
        return rows

    def webhook_rows(self) -> tuple[list[dict], list[dict], list[dict]]:
        """WEBHOOK_ENDPOINTS endpoints owned by admins and WEBHOOK_MESSAGES ×
        scale messages sent to them over the last months (the outbox rows of
        kind "webhook"), each with its delivery attempts: most delivered at
        once, some after a retry or two, a few failed for good. The first
        endpoint receives every event, so it has the longest log."""
        rng = self.rng
        admins = self.by_role["admin"]
        event_names = ("checkin.submitted", "checkin.missed", "initiative.flagged", "reading.recorded",
                       "decision.recorded")
        endpoints = []
        for endpoint_id in range(1, WEBHOOK_ENDPOINTS + 1):
            retired = endpoint_id == WEBHOOK_ENDPOINTS
            url, description = content.WEBHOOKS[(endpoint_id - 1) % len(content.WEBHOOKS)]
            endpoints.append({
                "id": endpoint_id, "url": url, "description": description,
                "events": list(event_names) if endpoint_id == 1 else rng.sample(event_names[:4], 2),
                "owner_id": admins[0], "secret": f"whsec_bench{endpoint_id:08d}", "previous_secret": None,
                "previous_secret_expires_at": None, "enabled": not retired,
                "failing_since": None, "last_success_at": self.now - timedelta(minutes=endpoint_id),
                "disabled_at": self.now - timedelta(days=3) if retired else None,
                "disabled_reason": "Every delivery failed for 3 days." if retired else "",
                "created_by_id": admins[0], "created_at": self.now - timedelta(days=200),
                "updated_at": self.now - timedelta(days=3)})
        messages, deliveries = [], []
        count = WEBHOOK_MESSAGES * self.scale
        span = timedelta(days=120).total_seconds()
        for message_id in range(1, count + 1):
            endpoint = endpoints[0] if rng.random() < 0.6 else rng.choice(endpoints)
            event = rng.choice(endpoint["events"])
            created_at = self.now - timedelta(seconds=span * (count - message_id) / count)
            fate = rng.choices(("sent", "retried", "failed", "unknown_outcome"), (85, 10, 4, 1))[0]
            attempts = 1 if fate in ("sent", "unknown_outcome") else rng.randint(2, 3)
            webhook_id = f"msg_bench{message_id:010d}"
            state = "sent" if fate in ("sent", "retried") else fate
            messages.append({
                "id": message_id, "kind": "webhook", "dedupe_key": f"webhook:{endpoint['id']}:{webhook_id}",
                "recipient": endpoint["url"], "endpoint_id": endpoint["id"], "subject": event,
                "body_text": json.dumps({"type": event, "id": webhook_id, "data": {"id": message_id}}),
                "body_html": None, "message_id": webhook_id, "headers": {}, "state": state,
                "attempts": attempts, "next_attempt_at": None, "claimed_at": None,
                "handed_over_at": created_at, "sent_at": created_at if state == "sent" else None,
                "last_error": "" if state == "sent" else "HTTP 503 from the endpoint",
                "created_at": created_at, "updated_at": created_at})
            for attempt in range(1, attempts + 1):
                last = attempt == attempts
                outcome = ("sent" if last and state == "sent" else "unknown" if fate == "unknown_outcome"
                           else "permanent" if last else "temporary")
                deliveries.append({
                    "endpoint_id": endpoint["id"], "outbox_message_id": message_id, "event": event,
                    "webhook_id": webhook_id, "attempt": attempt,
                    "attempted_at": created_at + timedelta(minutes=5 * (attempt - 1)), "url": endpoint["url"],
                    "status_code": {"sent": 200, "temporary": 503, "permanent": 410}.get(outcome),
                    "outcome": outcome,
                    "detail": "" if outcome == "sent" else "the endpoint answered 503 Service Unavailable",
                    "duration_ms": rng.randint(40, 900)})
        return endpoints, messages, deliveries

    def history_rows(self) -> Iterator[dict]:
        """Every event gathered so far, oldest first, as the app would have appended them."""
        self.events.sort(key=lambda e: (e[0], e[1], e[2]))
        for event_id, (when, subject_type, subject_id, action, summary, changes, actor_id) in \
                enumerate(self.events, start=1):
            yield {"id": event_id, "subject_type": subject_type, "subject_id": subject_id,
                   "action": action, "summary": summary[:300], "changes": changes,
                   "actor_id": actor_id, "at": when}


# --- the database ------------------------------------------------------------------


def prepare_database(url: str, force: bool) -> None:
    """Refuse a database that has tables unless `force`; with it, start from nothing."""
    path = sqlite_path(url)
    if path is not None:
        if path.exists():
            if not force and _has_tables(url):
                sys.exit(f"{path} already has tables: pass --force to replace it.")
            for suffix in ("", "-wal", "-shm", "-journal"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if _has_tables(url):
        if not force:
            sys.exit("The database already has tables: pass --force to drop everything in it.")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def _has_tables(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def create_schema() -> None:
    """Run the migrations; add from the models the tables and columns they
    do not cover yet (a model changed before its migration was written)."""
    from flask_migrate import upgrade

    upgrade()
    inspector = inspect(db.engine)
    existing = set(inspector.get_table_names())
    missing = [t for t in db.metadata.sorted_tables if t.name not in existing]
    if missing:
        names = ", ".join(t.name for t in missing)
        print(f"WARNING: the migrations do not create {names}; creating them from the models.")
        db.metadata.create_all(db.engine, tables=missing)
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if table.name not in existing:
                continue
            have = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    print(f"WARNING: the migrations do not add {table.name}.{column.name}; "
                          "adding it from the model.")
                    ddl = CreateColumn(column).compile(dialect=conn.dialect)
                    conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN {ddl}'))


def insert_rows(conn: Connection, table_name: str, rows: Iterable[dict]) -> int:
    table = db.metadata.tables[table_name]
    count = 0
    for chunk in chunked(rows):
        conn.execute(insert(table), chunk)
        count += len(chunk)
    return count


def load(conn: Connection, org: Organisation) -> None:
    steps = [
        ("org_settings", org.org_settings_rows),
        ("department", org.department_rows),
        ("user_account", org.user_rows),
        ("behaviour", org.behaviour_rows),
    ]
    for table_name, build in steps:
        timed_insert(conn, table_name, build())

    metrics, metric_behaviours = org.metric_rows()
    timed_insert(conn, "metric", metrics)
    timed_insert(conn, "metric_behaviour", metric_behaviours)
    timed_insert(conn, "reading", org.reading_rows())

    initiatives, metric_links, behaviour_links = org.initiative_rows()
    timed_insert(conn, "initiative", initiatives)
    timed_insert(conn, "initiative_metric", metric_links)
    timed_insert(conn, "initiative_behaviour", behaviour_links)
    timed_insert(conn, "checkin", org.checkin_rows())
    timed_insert(conn, "checkin_entry", org.entry_rows())
    fill_checkin_tallies(conn)

    if org.with_people:
        decisions, evidence = org.decision_rows()
        timed_insert(conn, "people_decision", decisions)
        timed_insert(conn, "people_evidence", evidence)
    else:
        print("note: no people tables in this schema; people decisions skipped.")
    incentives, judgements, changes = org.incentive_rows()
    timed_insert(conn, "incentive", incentives)
    timed_insert(conn, "incentive_judgement", judgements)
    timed_insert(conn, "incentive_change", changes)
    timed_insert(conn, "api_token", org.token_rows())
    endpoints, messages, deliveries = org.webhook_rows()
    timed_insert(conn, "webhook_endpoint", endpoints)
    timed_insert(conn, "outbox_message", messages)
    timed_insert(conn, "webhook_delivery", deliveries)
    timed_insert(conn, "history_event", org.history_rows())


def fill_checkin_tallies(conn: Connection) -> None:
    """Where check-ins keep tallies of their entries, count them as the app
    does (the reviewer's verdict wins; no generated entry is amended)."""
    checkin, entry = db.metadata.tables["checkin"], db.metadata.tables["checkin_entry"]
    if not {"evidenced_count", "unevidenced_count", "talk_count"} <= set(checkin.c.keys()):
        return
    started = time.perf_counter()
    kind_ = func.coalesce(entry.c.reviewed_kind, entry.c.kind)

    def count(*conditions):
        return (select(func.count()).select_from(entry)
                .where(entry.c.checkin_id == checkin.c.id, *conditions).scalar_subquery())

    conn.execute(update(checkin).where(checkin.c.state == "submitted").values(
        talk_count=count(kind_ == "talk"),
        evidenced_count=count(kind_ == "action", entry.c.evidence != ""),
        unevidenced_count=count(kind_ == "action", entry.c.evidence == ""),
    ))
    conn.commit()
    print(f"  {'checkin tallies':<22} {'':>9}       {time.perf_counter() - started:6.1f} s", flush=True)


def timed_insert(conn: Connection, table_name: str, rows: Iterable[dict]) -> None:
    started = time.perf_counter()
    count = insert_rows(conn, table_name, rows)
    conn.commit()
    print(f"  {table_name:<22} {count:>9,} rows  {time.perf_counter() - started:6.1f} s", flush=True)


def reset_sequences(conn: Connection) -> None:
    """Rows were inserted with explicit ids: move each PostgreSQL sequence past them."""
    for table in db.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key or table.c.id.type.python_type is not int:
            continue
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608 (our tables)
            f"COALESCE(MAX(id), 0) + 1, false) FROM \"{table.name}\""))
    conn.commit()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE,
                        help=f"SQLAlchemy URL (default {DEFAULT_DATABASE})")
    parser.add_argument("--force", action="store_true", help="replace whatever the database holds")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--scale", type=int, default=1,
                        help="times the 1× organisation (4: 8,000 people, 20,000 initiatives, 1.6M entries)")
    args = parser.parse_args(argv)

    url = resolve_url(args.database)
    started = time.perf_counter()
    prepare_database(url, args.force)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-generate"})
    with app.app_context():
        create_schema()
        with_people = "people_decision" in inspect(db.engine).get_table_names()
        schema_seconds = time.perf_counter() - started
        print(f"schema ready in {schema_seconds:.1f} s; generating ({kind(url)})", flush=True)
        org = Organisation(
            rng=random.Random(args.seed), now=datetime.now(UTC).replace(microsecond=0),
            password_hash=hash_password(PASSWORD),
            with_people=with_people, scale=args.scale,
        )
        with db.engine.connect() as conn:
            if kind(url) == "sqlite":
                # A throwaway file: no fsync, and a big page cache while indexes grow.
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
                conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
            load(conn, org)
            if kind(url) == "postgresql":
                reset_sequences(conn)
            else:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            counts = row_counts(conn)
        if kind(url) == "postgresql":
            # What autovacuum reaches soon after a bulk load: statistics for the
            # planner and a visibility map for index-only scans.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            # What the scheduler's first tick does after a bulk load.
            refresh_statistics(datetime.now(UTC))
            db.session.commit()
        db.engine.dispose()
    elapsed = time.perf_counter() - started
    record = generation_record(url)
    record.parent.mkdir(parents=True, exist_ok=True)
    where = make_url(url).render_as_string(hide_password=True)
    record.write_text(json.dumps({"database": where, "seed": args.seed, "seconds": round(elapsed, 1),
                                  "finished_at": datetime.now(UTC).isoformat(timespec="seconds")}))
    print(f"\ngenerated in {elapsed:.1f} s into {where}")
    for name, count in counts.items():
        print(f"  {name:<22} {count:>9,}")
    print("\nlogins (password for all: " + PASSWORD + ")")
    for role, email, _, _ in LOGINS:
        print(f"  {role:<10} {email}")


if __name__ == "__main__":
    main()
