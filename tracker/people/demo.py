"""A year of people decisions for the demo organisation: most in line with
the service culture it wants, some plainly not (a top seller promoted despite
deals loyal customers could not get, recognition for speed on the phone, a
supervisor who punished rule-bending promoted back). Uses the services, so
every decision is validated, aligned and given its history."""

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from tracker.accounts.models import Department, User
from tracker.behaviours.models import Behaviour
from tracker.extensions import db
from tracker.initiatives.models import Initiative
from tracker.people import decisions

CEO = "Morgan Reyes (CEO)"
COO = "Priya Natarajan (COO)"
SERVICE_LEAD = "Sam Whitfield (Customer Service lead)"
HEAD_OF_SALES = "Olivia Grant (Head of Sales)"
OLD_HEAD_OF_SALES = "Derek Vance (Head of Sales until replaced)"

INSOURCING = "Bring the call centre back in-house"
TELEMARKETING = "Terminate the offshore telemarketing contract"
REFUNDS = "Frontline refund authority up to $200"
NEW_HEAD_OF_SALES = "Replace the head of Sales"
HERO_AWARDS = "Monthly service hero awards"
THANK_YOU = "Thank-you gifts for three-year customers"
PERCEIVED = "Customer-perceived quality replaces the internal QA score"
TEAM_LEADS = "Hire service-first team leads"

# (months ago, day of month, name, employee ref, user email or None, kind, role from, role to,
#  department, decided by, rationale, initiative title or None,
#  [(behaviour key, what the person did, days before the decision, where it is recorded)])
DECISIONS: tuple[tuple[Any, ...], ...] = (
    (11, 8, "Dana Price", "E-1550", None, "demotion", "Senior Account Executive",
     "Account Executive", "Sales", OLD_HEAD_OF_SALES,
     "Repeatedly gave sign-up discounts to new customers and refused the same price to "
     "long-standing ones. Demoted after the deal-desk audit.", None,
     [("stranger_deals", "Offered a 40% sign-up discount to new accounts and refused it to a "
                         "six-year customer who asked for the same price", 21,
       "Deal desk log DL-2291; complaint C-5520")]),
    (11, 20, "Brian Holt", "E-1190", None, "exit", "Customer Service Supervisor", "",
     "Customer Service", COO,
     "Issued written warnings to agents who refunded customers without approval. Left the "
     "company after the refund authority was announced.", REFUNDS,
     [("punish", "Gave written warnings to two agents for refunding a $35 and a $60 order "
                 "without a supervisor", 30, "Personnel file warnings W-2209 and W-2214")]),
    (10, 3, "Aisha Rahman", "E-2031", None, "recognition", "Service Agent", "",
     "Customer Service", SERVICE_LEAD,
     "Service hero of the month.", HERO_AWARDS,
     [("bend", "Refunded $180 on the spot to a customer whose parcel was lost twice, without "
               "escalating", 12, "Case CS-48812")]),
    (10, 14, "Tom Becker", "E-2044", None, "recognition", "Service Agent", "", "Customer Service",
     SERVICE_LEAD, "Named by a customer in a thank-you letter.", HERO_AWARDS,
     [("heroes", "Stayed on the line for 50 minutes to rebook a delivery for a customer in "
                 "hospital", 9, "Customer letter filed as HR-REC-0112")]),
    (10, 24, "Karen Walsh", "E-1204", None, "demotion", "Call Centre Manager", "Senior Agent",
     "Customer Service", COO,
     "Kept ranking agents on minutes per call after handle-time targets were dropped from "
     "scorecards.", INSOURCING,
     [("handle_time", "Posted a weekly handle-time league table and moved the slowest agents to "
                      "night shifts", 14, "Operations audit OA-77, photo of the team board")]),
    (9, 6, "Noah Kim", "E-1612", None, "promotion", "Account Executive",
     "Senior Account Executive", "Sales", CEO,
     "Grew renewals rather than new logos; the only rep whose customers' NPS went up.", None,
     [("loyal", "Called 120 customers of three years or more to offer them the new range first",
       40, "CRM campaign RC-14 results"),
      ("perceived", "Asked every renewed customer to rate the call and shared the scores with "
                    "the team", 25, "Survey export SV-2025-09")]),
    (9, 18, "Jake Morrow", "E-1630", None, "exit", "Telemarketing Lead", "", "Sales", CEO,
     "Role ended with the offshore telemarketing contract.", TELEMARKETING,
     [("stranger_deals", "Wrote the cold-call scripts that offered sign-up-only prices", 60,
       "Script archive TM-09")]),
    (8, 4, "Olivia Grant", "E-4001", None, "hire", "", "Head of Sales", "Sales", CEO,
     "Hired to replace the head of Sales who rewarded acquisition deals.", NEW_HEAD_OF_SALES,
     [("loyal", "At her previous employer moved 30% of sales commission to renewals", 45,
       "Reference check RC-4001 (two referees)")]),
    (8, 12, "Marcus Oyelaran", "E-3102", None, "hire", "", "Service Team Lead",
     "Customer Service", SERVICE_LEAD,
     "Ran a hotel front desk where staff could comp a room without sign-off.", TEAM_LEADS,
     [("bend", "Let front-desk staff refund or upgrade guests without a manager", 50,
       "Reference check RC-3102")]),
    (8, 22, "Luis Ortega", "E-2210", None, "recognition", "Account Executive", "", "Sales",
     OLD_HEAD_OF_SALES, "Biggest new-logo deal of the quarter.", None, []),
    (7, 2, "Ben Adler", "E-1720", None, "promotion", "Marketing Coordinator",
     "Loyalty Programme Manager", "Marketing", CEO,
     "Designed the thank-you gift for three-year customers.", THANK_YOU,
     [("loyal", "Designed and costed the three-year thank-you gift and first-access offers", 20,
       "Launch brief MK-221")]),
    (7, 15, "Ruth Mensah", "E-1810", None, "promotion", "Warehouse Supervisor",
     "Operations Manager", "Operations", COO,
     "Switched her team's goals from pick rate to customer-reported delivery problems.",
     PERCEIVED,
     [("perceived", "Replaced the pick-rate board with customer-reported delivery issues per "
                    "shift", 35, "Operations review OR-2025-11")]),
    (7, 27, "Greg Dunn", "E-3110", None, "hire", "", "Service Team Lead", "Customer Service",
     SERVICE_LEAD, "Quickest candidate to start; came from debt collection.", TEAM_LEADS, []),
    (6, 5, "Sam Whitfield", "E-1001", "service@example.com", "recognition",
     "Customer Service Lead", "", "Customer Service", CEO,
     "Recognised at the all-hands for leading the in-sourcing.", INSOURCING,
     [("insource", "Brought the first 40% of calls back from the vendor to our own agents", 30,
       "Call routing report CR-06"),
      ("heroes", "Personally called 30 customers whose orders were late", 18, "Call log CL-5512")]),
    (6, 19, "Mia Duarte", "E-2301", None, "lateral_move", "Vendor Manager",
     "In-house Call Centre Onboarding Lead", "Customer Service", SERVICE_LEAD,
     "Moved from managing the vendor to onboarding our own agents.", INSOURCING,
     [("insource", "Wrote the plan to move vendor calls to in-house agents, queue by queue", 25,
       "Project plan PP-INS-02")]),
    (5, 9, "Victor Lane", "E-1420", None, "demotion", "Service Team Lead", "Senior Agent",
     "Customer Service", SERVICE_LEAD,
     "Wrote up an agent for refunding $45 under the new refund authority.", REFUNDS,
     [("punish", "Put an agent on a performance plan for a $45 refund the policy allowed", 16,
       "HR case HR-331")]),
    (5, 21, "Priya Shah", "E-2405", None, "lateral_move", "Marketing Analyst",
     "Customer Insights Analyst", "Marketing", COO,
     "Moved to own the post-contact survey.", PERCEIVED,
     [("perceived", "Built the post-contact customer survey that replaced the internal QA "
                    "score", 30, "Survey spec CI-12")]),
    (4, 7, "Elena Novak", "E-2510", None, "recognition", "Campaign Manager", "", "Marketing",
     CEO, "Award for the 'Switch and save 40%' acquisition campaign.", None, []),
    (4, 16, "Owen Price", "E-2602", None, "hire", "", "Finance Business Partner, Service",
     "Finance", CEO, "Hired to cost service decisions, not just cut them.", REFUNDS,
     [("bend", "Built the refund-cost model that showed frontline refunds were cheaper than "
               "escalations", 40, "Portfolio FB-7, reference RC-2602")]),
    (4, 25, "Karen Walsh", "E-1204", None, "recognition", "Senior Agent", "",
     "Customer Service", SERVICE_LEAD, "Recognised for clearing the holiday backlog.", HERO_AWARDS,
     [("heroes", "Cleared 300 backlogged holiday tickets over two weekends", 10,
       "Ticket report TR-1212")]),
    (3, 3, "Dana Price", "E-1550", None, "promotion", "Account Executive", "Sales Team Lead",
     "Sales", HEAD_OF_SALES, "Top of the sales leaderboard three quarters running.", None, []),
    (3, 11, "Aisha Rahman", "E-2031", None, "promotion", "Service Agent", "Service Team Lead",
     "Customer Service", SERVICE_LEAD,
     "The agent others ask when a rule gets in the customer's way.", TEAM_LEADS,
     [("bend", "Refunded $180 on the spot to a customer whose parcel was lost twice", 140,
       "Case CS-48812"),
      ("heroes", "Named service hero of the month by her peers", 120, "Awards log HR-AW-03")]),
    (3, 24, "Hugh Barrett", "E-2704", None, "exit", "Finance Controller", "", "Finance", CEO,
     "Blocked every refund over $20 and asked for agents to be written up.", REFUNDS,
     [("punish", "Emailed team leads to discipline agents who refunded over $20", 50,
       "Email archive, HR case HR-340")]),
    (2, 6, "Nadia Petrov", "E-2801", None, "exit", "Service Agent", "", "Customer Service",
     SERVICE_LEAD, "Resigned to move interstate.", None, []),
    (2, 13, "Victor Lane", "E-1420", None, "promotion", "Senior Agent", "Service Team Lead",
     "Customer Service", SERVICE_LEAD, "Cover for the night shift.", None,
     [("heroes", "Covered six extra night shifts during the storm outage", 20,
       "Roster RS-2026-01")]),
    (2, 20, "Kevin Marsh", "E-1903", None, "promotion", "Shift Lead", "Operations Manager",
     "Operations", COO, "Longest-serving shift lead.", None, []),
    (1, 5, "Fatima Zahra", "E-2902", None, "recognition", "HR Partner", "", "HR", CEO,
     "Ran the first six rounds of the service hero awards.", HERO_AWARDS,
     [("heroes", "Ran six monthly award rounds with named, specific acts of service", 15,
       "Awards log HR-AW-06")]),
    (1, 14, "Leo Fischer", "E-3150", None, "hire", "", "Service Team Lead", "Customer Service",
     SERVICE_LEAD, "Built an in-house support team at his last employer.", TEAM_LEADS,
     [("insource", "Brought a 30-seat support desk in-house from an outsourcer", 60,
       "CV and reference call notes RC-3150")]),
    (1, 22, "Ana Costa", "E-2950", None, "recognition", "Service Agent", "", "Customer Service",
     "Karen Walsh (Senior Agent)", "Fastest average call time in the team.", None, []),
    (0, 2, "Sofia Laine", "E-3001", None, "lateral_move", "Operations Planner",
     "Service Desk, Warehouse", "Operations", COO,
     "Moved next to the warehouse to fix order problems with customers directly.", None,
     [("bend", "Fixed 40 mis-shipped orders directly with customers without raising a ticket",
       20, "Case log CS-5120 to CS-5160")]),
    (0, 3, "Tariq Aziz", "E-2620", None, "promotion", "Financial Analyst",
     "Senior Financial Analyst", "Finance", CEO, "Strong budget work.", None, []),
)


def _month_day(today: date, months_ago: int, day: int) -> date:
    index = today.year * 12 + today.month - 1 - months_ago
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day, 28))


def load_demo_people(*, users: dict[str, User], behaviours: dict[str, Behaviour],
                     initiatives: list[Initiative], today: date, rng: random.Random) -> None:
    """Record the demo's year of people decisions as HR (hr@example.com),
    each stamped a few days after it was made. Adds and flushes."""
    hr = users["hr@example.com"]
    departments = {d.name: d.id for d in db.session.scalars(select(Department))}
    by_title = {i.title: i.id for i in initiatives}
    for row in DECISIONS:
        (months_ago, day, name, ref, email, kind, role_from, role_to, department, decided_by,
         rationale, initiative, evidence) = row
        effective = min(_month_day(today, months_ago, day + rng.randint(0, 3)), today)
        recorded = min(effective + timedelta(days=rng.randint(0, 4)), today)
        decisions.create_decision(
            actor=hr,
            data=decisions.DecisionInput(
                person_name=name, employee_ref=ref, kind=kind, effective_date=effective,
                department_id=departments.get(department), decided_by=decided_by,
                rationale=rationale, role_from=role_from, role_to=role_to,
                user_id=users[email].id if email else None,
                initiative_id=by_title.get(initiative) if initiative else None,
                evidence=tuple(
                    decisions.EvidenceInput(behaviour_id=behaviours[key].id, what=what,
                                            observed_on=effective - timedelta(days=before),
                                            where=where)
                    for key, what, before, where in evidence
                ),
            ),
            today=today,
            now=datetime.combine(recorded, time(1 + rng.randint(0, 6), rng.randint(0, 59)),
                                 tzinfo=UTC),
        )
