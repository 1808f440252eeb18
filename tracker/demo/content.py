"""What the demo organisation is made of: a retailer whose service culture is
on fire. Drawn from the seed articles: frontline empowered to bend rules,
call centre in-sourced, service heroes recognised, loyal customers thanked;
and the no-nos they replace."""

from typing import Any

from tracker.accounts.models import Role

DEPARTMENTS = ("Sales", "Marketing", "Finance", "Operations", "Customer Service", "HR")

# (role, email, name, department)
PEOPLE = (
    (Role.ADMIN, "admin@example.com", "Alex Admin", None),
    (Role.EXECUTIVE, "ceo@example.com", "Morgan Reyes (CEO)", None),
    (Role.EXECUTIVE, "coo@example.com", "Priya Natarajan (COO)", "Operations"),
    (Role.HR, "hr@example.com", "Hannah Okafor", "HR"),
    (Role.MEMBER, "service@example.com", "Sam Whitfield", "Customer Service"),
    (Role.MEMBER, "sales@example.com", "Jordan Blake", "Sales"),
    (Role.MEMBER, "marketing@example.com", "Casey Lin", "Marketing"),
    (Role.MEMBER, "ops@example.com", "Riley Novak", "Operations"),
    (Role.MEMBER, "finance@example.com", "Taylor Brooks", "Finance"),
)

# key: (name, kind, from, to)
BEHAVIOURS = {
    "bend": ("Frontline bends the rules for the customer", "target",
             "Agents enforce policy and escalate every exception to a supervisor",
             "Frontline staff refund or replace up to $200 without asking anyone"),
    "insource": ("Call centre in-sourced", "target",
                 "Calls go to an offshore vendor paid per call handled",
                 "Our own people answer every call and are measured on resolution"),
    "heroes": ("Service heroes recognised", "target",
               "Only sales targets are celebrated",
               "Every month named staff are thanked in public for a specific act of service"),
    "loyal": ("Loyal customers thanked", "target",
              "Long-standing customers get nothing; discounts go to strangers",
              "Customers of three years or more get a thank-you and first access to offers"),
    "perceived": ("Quality measured by the customer", "target",
                  "Service quality is judged from internal call statistics",
                  "Service quality is judged by what customers say after each contact"),
    "handle_time": ("Handle-time targets for agents", "no_no",
                    "Agents are scored on minutes per call and hurry customers off the line",
                    "No agent is measured on call length"),
    "punish": ("Punishing rule-bending", "no_no",
               "Staff who bend a rule for a customer get a written warning",
               "Bending a rule for a customer is discussed, never punished"),
    "stranger_deals": ("Deals for strangers that loyal customers can't get", "no_no",
                       "Sign-up offers are only for new customers",
                       "Every offer is open to existing customers first"),
}

# key: (name, unit, direction, baseline, target, months to target, cadence, source,
#       standard, owner email, department, behaviour keys, trend)
# trend: how the year of monthly readings moves: improving, flat, worse, or
# "believed" (self-assessment that stays high whatever customers say).
METRICS = {
    "csat": ("Customer satisfaction after contact", "%", "higher", 62, 85, 9, "monthly",
             "customer",
             "85% of customers rate their last contact 4 or 5 out of 5, surveyed within 24 hours, "
             "measured monthly.",
             "service@example.com", "Customer Service", ("perceived",), "improving"),
    "nps": ("Net Promoter Score", "points", "higher", -5, 30, 12, "monthly", "customer",
            "NPS of 30 or more from at least 400 responses each month by the target date.",
            "coo@example.com", "Operations", ("perceived", "loyal"), "flat"),
    "self_quality": ("Leaders' rating of our own service", "%", "higher", 78, 90, 6, "monthly",
                     "self",
                     "90% of managers rate our service 'excellent' in the monthly leadership survey.",
                     "ceo@example.com", None, ("perceived",), "believed"),
    "frontline_refunds": ("Refunds decided on the frontline", "%", "higher", 12, 80, 8,
                          "monthly", "internal",
                          "80% of refunds up to $200 are approved by the first person the customer "
                          "speaks to, measured weekly.",
                          "service@example.com", "Customer Service", ("bend",), "improving"),
    "own_staff_calls": ("Calls answered by our own staff", "%", "higher", 0, 100, 10, "monthly",
                        "internal",
                        "100% of inbound calls answered by employees, not the vendor, by the "
                        "target date, measured monthly.",
                        "service@example.com", "Customer Service", ("insource",), "improving"),
    "complaints": ("Complaints per 1,000 orders", "per 1k", "lower", 14, 5, 12, "monthly",
                   "customer",
                   "Fewer than 5 written complaints per 1,000 orders, counted monthly.",
                   "ops@example.com", "Operations", ("bend", "perceived"), "worse"),
    "orders_3h": ("Orders processed within 3 hours", "%", "higher", 55, 95, 9, "monthly",
                  "internal", "Process orders promptly and efficiently going forward.",
                  "ops@example.com", "Operations", (), "flat"),
    "heroes": ("Service heroes recognised", "people", "higher", 0, 12, 6, "monthly", "internal",
               "At least 12 named employees recognised for a specific act of service each month.",
               "hr@example.com", "HR", ("heroes",), "improving"),
    "loyal_thanked": ("Loyal customers thanked", "customers", "higher", 0, 500, 8, "monthly",
                      "internal",
                      "500 customers of three years or more receive a thank-you gift each month.",
                      "marketing@example.com", "Marketing", ("loyal",), "improving"),
}

# key: (title, kind, status, owner, sponsor, department, months ago started,
#       due in months, behaviours, [(metric key, amount)], burning platform, description,
#       abandon reason)
INITIATIVES: tuple[tuple[Any, ...], ...] = (
    ("Bring the call centre back in-house", "supplier_change", "in_progress",
     "service@example.com", "ceo@example.com", "Customer Service", 10, 2,
     ("insource", "handle_time"), [("own_staff_calls", 100), ("csat", 15)],
     "Customers wait 40 minutes to reach a vendor agent who cannot help them; we lost 9% of "
     "our loyal customers last year. If we don't, the next 9% go to the competitor who answers.",
     "End the per-call vendor contract and answer every call with our own people.", ""),
    ("Terminate the offshore telemarketing contract", "contract_termination", "done",
     "sales@example.com", "ceo@example.com", "Sales", 11, -6, ("stranger_deals",),
     [("complaints", 4)],
     "Cold calls are our biggest source of complaints. Every call we make to a stranger "
     "tells our customers what we think of them.", "", ""),
    ("Frontline refund authority up to $200", "policy_change", "in_progress",
     "service@example.com", "coo@example.com", "Customer Service", 9, 3, ("bend", "punish"),
     [("frontline_refunds", 60), ("complaints", 5)],
     "Three escalations to refund a $30 item cost us the customer and $90 of staff time. "
     "If we don't trust the frontline, customers won't trust us.", "", ""),
    ("Replace the head of Sales", "leadership_change", "done", "ceo@example.com", None,
     "Sales", 8, -5, ("stranger_deals",), [("nps", 10)],
     "Sales leadership kept rewarding acquisition deals that loyal customers could not get.",
     "", ""),
    ("Move customer service next to the warehouse", "office_move", "announced",
     "ops@example.com", "coo@example.com", "Operations", 2, 6, ("bend",), [],
     "Service agents cannot see or fix what goes wrong with orders from a head-office tower.",
     "", ""),
    ("Monthly service hero awards", "recognition", "in_progress", "hr@example.com",
     "ceo@example.com", "HR", 7, 5, ("heroes",), [("heroes", 12)],
     "Our people only ever hear about sales numbers; nobody is thanked for service.", "", ""),
    ("Thank-you gifts for three-year customers", "process_change", "in_progress",
     "marketing@example.com", "ceo@example.com", "Marketing", 6, 4, ("loyal",),
     [("loyal_thanked", 500)],
     "We spend 11 times more on winning strangers than on keeping the customers we have.", "", ""),
    ("Drop handle-time targets from agent scorecards", "incentive_change", "proposed",
     "coo@example.com", "ceo@example.com", "Operations", 1, 4, ("handle_time",), [],
     "Agents hang up on customers to hit a minutes-per-call target.", "", ""),
    ("Customer-perceived quality replaces the internal QA score", "process_change", "in_progress",
     "coo@example.com", "ceo@example.com", "Operations", 8, 4, ("perceived",),
     [("csat", 20), ("nps", 25)],
     "Our internal QA score is 92% while customers rate us 62%: we are measuring ourselves, "
     "not our service.", "", ""),
    ("Sales commission on retention, not acquisition", "incentive_change", "announced",
     "finance@example.com", "ceo@example.com", "Finance", 3, 6, ("stranger_deals", "loyal"), [],
     "Sales is paid to win new customers while Service is paid on NPS: they pull against "
     "each other.", "", ""),
    ("A new customer service charter", "other", "abandoned", "marketing@example.com",
     "ceo@example.com", "Marketing", 12, -9, ("perceived",), [],
     "We need everyone to know that the customer comes first.", "",
     "A charter changes nothing customers can feel; replaced by the refund authority and "
     "in-sourcing initiatives."),
    ("Hire service-first team leads", "hire", "in_progress", "hr@example.com", "coo@example.com",
     "Customer Service", 5, 3, ("bend", "heroes"), [],
     "Four of six team leads came from debt collection and manage by the rule book.", "", ""),
    ("Orders processed within 3 hours", "process_change", "in_progress", "ops@example.com",
     "coo@example.com", "Operations", 6, 3, (), [("orders_3h", 40)],
     "Customers chase us for orders placed the day before; every chase is a complaint waiting.",
     "", ""),
)

# How each owner reports: the say/do story of the demo.
#   acts: actions with evidence most weeks; talks: only talk; quiet: reported,
#   then stopped; mixed: some of each, evidence now and then.
OWNER_HABITS = {
    "service@example.com": "acts",
    "hr@example.com": "mixed",
    "marketing@example.com": "talks",
    "finance@example.com": "talks",
    "ops@example.com": "quiet",
    "coo@example.com": "mixed",
}

# Preparation an owner of mixed habits reports as action in a recent week: the
# classifier calls it talk, so it waits in the review queue.
PREPARATION_AS_ACTION = "Trained 12 store staff on the new returns rules"

TALK_LINES = (
    "Discussed the plan with the leadership team; everyone is aligned on the importance of it.",
    "We will roll this out to the remaining teams next month.",
    "Held a workshop to brainstorm how we could put the customer at the centre.",
    "Sent an all-hands email reminding everyone that customers come first.",
    "Planning to review the approach with the steering committee next quarter.",
    "Presented the vision at the town hall; good energy in the room.",
    "Drafted a one-page charter describing the service we want to give.",
    "Exploring options with two vendors before we commit to anything.",
)

# (text, evidence) per initiative title, in the order they happened; dates are
# filled in when the demo loads. Each act is reported once, with evidence of its
# own: the same roster change reported in four periods would be one act counted
# four times.
ACTION_LINES = {
    "Bring the call centre back in-house": (
        ("Hired 6 call-centre agents on permanent contracts in Wollongong", "HR-2026-0412"),
        ("Moved the Saturday call queue from the vendor to our own team", "https://intranet.example.com/queues/sat"),
        ("Gave notice to the offshore vendor on the remaining 20% of call volume", "contract #4471"),
        ("Gave 14 agents authority to close billing calls without a transfer", "CHG-3417"),
        ("Moved the evening call queue from the vendor to our own team", "CHG-3425"),
        ("Hired 4 more agents on permanent contracts for the evening shift", "HR-2026-0433"),
        ("Cut the vendor's weekday call allocation from 40% to 10%", "contract #4471-A2"),
        ("Ended the vendor's after-hours overflow service", "contract #4471-A3"),
        ("Opened a second in-house call floor in Parramatta with 12 desks", "LEASE-2026-07"),
        ("Hired 5 agents on permanent contracts for the Parramatta floor", "HR-2026-0448"),
        ("Moved the complaints line from the vendor to our own team", "CHG-3436"),
        ("Switched off the vendor's call routing for all weekday calls", "CHG-3444"),
    ),
    "Frontline refund authority up to $200": (
        ("Removed supervisor approval for refunds up to $200 from the till system", "CHG-3391"),
        ("Withdrew 3 written warnings issued for bending the returns rule", "HR-2026-0377"),
        ("Deleted the refund-approval step from the returns procedure", "POL-2026-018"),
        ("Gave the 8 store counters the same $200 refund limit as the call centre", "CHG-3398"),
        ("Removed the refund count from frontline performance reviews", "HR-2026-0401"),
        ("Closed the refund-exception queue supervisors worked through each morning", "CHG-3411"),
        ("Raised the online chat team's refund limit to $200", "CHG-3419"),
        ("Removed the receipt requirement for refunds under $50", "POL-2026-021"),
        ("Cancelled the monthly refund-variance audit of frontline staff", "AUD-2026-09"),
        ("Paid back 41 customers refused a refund under the old rule", "https://bi.example.com/refunds/remediation"),
    ),
    "Monthly service hero awards": (
        ("Recognised 9 named staff at the monthly service awards", "https://intranet.example.com/heroes"),
        ("Paid the first service-hero bonuses in the payroll run", "PAY-2026-11"),
        ("Promoted 2 service heroes to senior agent", "HR-2026-0420"),
    ),
    "Customer-perceived quality replaces the internal QA score": (
        ("Switched the agent scorecard to post-contact customer ratings", "CHG-3402"),
        ("Removed the internal QA score from the weekly operations pack", ""),
    ),
    "Hire service-first team leads": (
        ("Appointed 2 team leads chosen by a customer-role-play interview", "HR-2026-0391"),
        ("Hired 3 team leads chosen by the service scenario panel", ""),
    ),
    "Orders processed within 3 hours": (
        ("Added a second picking shift from 2pm to clear afternoon orders", "ROSTER-2026-44"),
    ),
}

# What each department is paid on: the five incentives of the seed article
# (Sales on new acquisitions, Marketing on social-media followers, Finance on
# working capital, Operations on cost containment, Customer Service on NPS),
# and the one that replaced Operations' through an incentive-change initiative.
# key: (department, rewards, role, named group, source, weight %, metric key or None,
#       the way it pays, status)
INCENTIVES = {
    "sales": ("Sales", "New customer acquisitions", "Account executives", "", "pay_plan", 40,
              None, None, "in_effect"),
    "marketing": ("Marketing", "Social media followers", "", "", "scorecard", 20, None, None,
                  "in_effect"),
    "finance": ("Finance", "Working capital", "", "Finance leadership team", "objective", 25, None,
                None, "in_effect"),
    "operations": ("Operations", "Cost containment: cost per customer contact", "Operations managers",
                   "Operations leadership bonus pool", "pay_plan", 30, None, None, "in_effect"),
    "service": ("Customer Service", "Net Promoter Score", "", "", "pay_plan", 25, "nps", "increase",
                "in_effect"),
    "operations_new": ("Operations", "Fewer complaints per 1,000 orders", "Operations managers",
                       "Operations leadership bonus pool", "pay_plan", 30, "complaints", "decrease",
                       "proposed"),
}

# (incentive key, behaviour key, verdict, reason): HR's judgements. Pairs not
# listed are left to the app's suggestion.
JUDGEMENTS = (
    ("sales", "loyal", "pulls_against",
     "Pays for winning strangers; every hour on them is an hour not spent on loyal customers"),
    ("sales", "stranger_deals", "pulls_against",
     "Sign-up deals for strangers are how the acquisition target is hit"),
    ("marketing", "loyal", "neutral", "Followers are not customers; it neither helps nor hurts"),
    ("finance", "bend", "pulls_against",
     "Refunds on the spot lower the cash Finance is paid to hold"),
    ("operations", "insource", "pulls_against",
     "The offshore vendor costs less per call than our own people"),
    ("operations", "handle_time", "pulls_against",
     "Shorter calls cost less: it pays for the handle-time no-no"),
    ("service", "perceived", "supports", "NPS is what customers say after each contact"),
    ("service", "loyal", "supports", "Loyal customers thanked are the ones who recommend us"),
    ("service", "insource", "supports", "Customers recommend us when our own people answer"),
    ("operations_new", "bend", "supports",
     "A refund on the spot prevents a complaint; the new bonus pays for that"),
    ("operations_new", "perceived", "supports", "Complaints are the customer's own words"),
)

# The incentive-change initiative that ended Operations' cost-per-contact bonus:
# (title, owner, months ago started, burning platform, talk, (action, evidence))
INCENTIVE_CHANGE = (
    "Operations bonus pays on complaints, not cost per contact",
    "coo@example.com", 5,
    "Operations managers are paid to cut the cost per contact, so every call we bring back "
    "in-house costs them bonus. They pull against the in-sourcing Customer Service is paid for.",
    "Announced to Operations managers that the cost-per-contact bonus will end.",
    ("Signed the new Operations bonus plan: complaints per 1,000 orders replaces cost per contact",
     "PAY-2026-07"),
)
