"""The words the benchmark organisation is made of. Plain data; the
generator combines them with a seeded random generator."""

from tracker.demo import content as demo_content

DEPARTMENTS = ("Sales", "Marketing", "Finance", "Operations", "Customer Service", "HR", "IT",
               "Logistics", "Retail Stores", "Product", "Procurement", "Legal")
REGIONS = ("North", "South", "East", "West", "Central")

FIRST_NAMES = (
    "Alex", "Sam", "Jordan", "Casey", "Riley", "Taylor", "Morgan", "Priya", "Hannah", "Noah",
    "Aisha", "Tom", "Karen", "Olivia", "Marcus", "Dana", "Brian", "Jake", "Lena", "Omar",
    "Grace", "Ivan", "Mei", "Carlos", "Fatima", "Lucas", "Sofia", "Ben", "Chloe", "Daniel",
    "Elena", "Felix", "Gita", "Hugo", "Isla", "Jonas", "Kemi", "Leo", "Maya", "Nadia",
)
LAST_NAMES = (
    "Reyes", "Natarajan", "Okafor", "Whitfield", "Blake", "Lin", "Novak", "Brooks", "Price",
    "Holt", "Rahman", "Becker", "Walsh", "Kim", "Morrow", "Grant", "Oyelaran", "Vance", "Silva",
    "Nguyen", "Schmidt", "Rossi", "Kowalski", "Haddad", "Tanaka", "Murphy", "Dubois", "Larsen",
    "Costa", "Ivanova", "Mensah", "Patel", "Cohen", "Moreau", "Jansen", "Fischer", "Lopez",
    "Ahmed", "Park", "Svensson", "Byrne", "Kaur", "Osei", "Ferreira", "Yilmaz", "Novotny",
    "Andersen", "Romero", "Chen", "Adeyemi",
)
TIMEZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Australia/Sydney")

# (name, kind, the old behaviour, the behaviour wanted instead)
BEHAVIOURS = (
    ("Frontline bends the rules for the customer", "target",
     "Agents escalate every exception to a supervisor",
     "Frontline staff refund or replace up to $200 without asking anyone"),
    ("Call centre in-sourced", "target", "Calls go to a vendor paid per call",
     "Our own people answer every call and are measured on resolution"),
    ("Service heroes recognised", "target", "Only sales targets are celebrated",
     "Named staff are thanked in public every month for a specific act of service"),
    ("Loyal customers thanked", "target", "Discounts go to strangers",
     "Customers of three years or more get a thank-you and first access to offers"),
    ("Quality measured by the customer", "target", "Quality is judged from internal statistics",
     "Quality is judged by what customers say after each contact"),
    ("Managers work the front line", "target", "Managers read reports about customers",
     "Every manager spends a day a month serving customers"),
    ("Complaints answered the same day", "target", "Complaints wait in a shared inbox",
     "Every complaint gets a named person and an answer the day it arrives"),
    ("Customers told the truth about delays", "target", "Delays are hidden until asked",
     "Customers hear about a delay before the promised date"),
    ("Fix the cause, not the case", "target", "The same complaint is handled again and again",
     "Each recurring complaint gets a root-cause fix with an owner"),
    ("Suppliers judged on customer outcomes", "target", "Suppliers are chosen on price alone",
     "Supplier contracts carry customer-satisfaction terms"),
    ("Staff hired for service attitude", "target", "Hiring looks at product knowledge only",
     "Every hire does a customer-service exercise"),
    ("Promises kept to the day", "target", "Delivery dates are estimates",
     "A promised date is met or the customer is compensated"),
    ("Handle-time targets for agents", "no_no", "Agents are scored on minutes per call",
     "No agent is measured on call length"),
    ("Punishing rule-bending", "no_no", "Staff who bend a rule get a written warning",
     "Bending a rule for a customer is discussed, never punished"),
    ("Deals for strangers that loyal customers can't get", "no_no",
     "Sign-up offers are only for new customers", "Every offer is open to existing customers"),
    ("Hiding behind policy", "no_no", "'It's company policy' ends the conversation",
     "Staff explain the reason or change the outcome"),
    ("Passing customers around", "no_no", "Customers are transferred until they give up",
     "Whoever answers owns the problem"),
    ("Selling what the customer doesn't need", "no_no", "Upselling targets on every call",
     "Recommendations only when they help the customer"),
    ("NPS gaming", "no_no", "Staff ask customers for a 10",
     "Surveys are sent independently and never coached"),
    ("Blaming the customer", "no_no", "Complaints are logged as 'user error'",
     "Every complaint is treated as information about us"),
)

# (measure, unit, direction, baseline, target, source)
MEASURES = (
    ("Customer satisfaction after contact", "%", "higher", 60, 85, "customer"),
    ("Net Promoter Score", "points", "higher", -5, 30, "customer"),
    ("First-contact resolution", "%", "higher", 55, 80, "internal"),
    ("Complaints per 1,000 orders", "complaints", "lower", 12, 4, "customer"),
    ("Orders processed within 3 hours", "%", "higher", 70, 95, "internal"),
    ("Refunds approved at first contact", "%", "higher", 20, 80, "internal"),
    ("Calls transferred more than once", "%", "lower", 25, 5, "internal"),
    ("Average wait before an answer", "seconds", "lower", 180, 45, "internal"),
    ("Customers who buy again within 12 months", "%", "higher", 40, 60, "customer"),
    ("Customer effort score", "points", "lower", 4.2, 2.5, "customer"),
    ("Staff who bent a rule for a customer", "%", "higher", 5, 40, "self"),
    ("Written warnings for rule-bending", "warnings", "lower", 6, 0, "internal"),
    ("Service heroes named", "people", "higher", 0, 12, "internal"),
    ("Loyal customers thanked", "customers", "higher", 100, 2000, "internal"),
    ("Self-assessed service quality", "%", "higher", 80, 90, "self"),
    ("Deliveries on the promised day", "%", "higher", 82, 98, "customer"),
    ("Invoice disputes", "disputes", "lower", 80, 20, "customer"),
    ("Customers lost per month", "customers", "lower", 400, 150, "customer"),
    ("Escalations to a supervisor", "%", "lower", 30, 5, "internal"),
    ("Reviews of four stars or more", "%", "higher", 55, 80, "customer"),
    ("Days to resolve a complaint", "days", "lower", 9, 2, "customer"),
    ("Offers open to existing customers first", "%", "higher", 10, 100, "internal"),
    ("Agents measured on handle time", "%", "lower", 90, 0, "internal"),
    ("Calls answered in-house", "%", "higher", 20, 100, "internal"),
    ("Managers' hours on the front line", "hours a week", "higher", 1, 8, "self"),
)
VAGUE_STANDARD = "Respond to customers promptly and deliver excellent, efficient service."

# Initiative titles per kind; {dept}, {region} and {amount} are filled in.
TITLES = {
    "leadership_change": ("Replace the head of {dept}", "New leadership for {dept} in the {region}"),
    "supplier_change": ("Switch {dept} to a supplier measured on customer outcomes",
                        "Move {region} deliveries to a courier with a same-day promise"),
    "contract_termination": ("Terminate the offshore call-centre contract for the {region}",
                             "End the telemarketing contract that sells to strangers"),
    "office_move": ("Move the {dept} team next to the customers in the {region}",
                    "Put {dept} managers' desks on the shop floor"),
    "hire": ("Hire service-first team leads for {dept}", "Hire {amount} agents on permanent contracts"),
    "promotion": ("Promote the {region} service heroes", "Promote from the front line in {dept}"),
    "exit": ("Exit managers who punish rule-bending in {dept}",
             "Let go of the handle-time league table owners"),
    "policy_change": ("Frontline refund authority up to ${amount} in {dept}",
                      "Drop the 'no exceptions' returns rule in the {region}"),
    "incentive_change": ("Move {dept} bonuses from volume to customer satisfaction",
                         "Stop paying {dept} for upselling"),
    "process_change": ("Customer-perceived quality replaces internal QA in {dept}",
                       "One owner per complaint in the {region}"),
    "recognition": ("Monthly service hero awards for {dept}, {region}",
                    "Thank the {region} team that fixed the delivery promise"),
    "other": ("Thank-you gifts for loyal customers in the {region}",
              "Open every {dept} offer to existing customers first"),
}
BURNING_PLATFORMS = (
    "Customers in the {region} are leaving: churn is up {amount}% in a year. If {dept} does "
    "not change how it treats them, we lose the region within twelve months.",
    "Our best customers say we are hard to deal with; a competitor opened in the {region} and "
    "is winning them with a no-questions promise. Without this, {dept} keeps losing them.",
    "Complaints about {dept} doubled while our own scorecards stayed green. If we keep measuring "
    "ourselves instead of asking customers, the board closes the {region} stores.",
)
ABANDON_REASONS = ("Budget moved to the in-sourcing programme.",
                   "Overtaken by the merger of the regions.",
                   "The supplier we wanted went out of business.")

# The demo's talk, and a few more lines of the same kind.
TALK_LINES = (
    *demo_content.TALK_LINES,
    "Updated the leadership team on progress.",
    "Aligned with Finance on the business case; sign-off expected soon.",
    "We are committed to making this happen this quarter.",
    "Shared the customer research with the regional managers.",
)
# (text, evidence)
ACTION_LINES = (
    ("Hired 6 call-centre agents on permanent contracts", "HR-2026-0412"),
    ("Moved the Saturday call queue from the vendor to our own team",
     "https://intranet.example.com/queues/sat"),
    ("Gave notice to the offshore vendor on the remaining call volume", "contract #4471"),
    ("Trained 14 agents on resolving billing calls without transfers", "LMS-course-778"),
    ("Removed supervisor approval for refunds up to $200 from the till system", "CHG-3391"),
    ("Approved 212 refunds at the first point of contact this week",
     "https://bi.example.com/refunds/w"),
    ("Withdrew 3 written warnings issued for bending the returns rule", "HR-2026-0377"),
    ("Named four service heroes at the Monday stand-up and sent each a handwritten card",
     "https://intranet.example.com/heroes"),
    ("Terminated the telemarketing contract and paid the exit fee", "PO-2291"),
    ("Moved the complaints team to the ground floor next to the returns desk", "FAC-118"),
    ("Replaced the handle-time column on the agent scorecard with customer rating", "CHG-3420"),
    ("Called 120 customers of three years or more to offer them the new range first",
     "CRM campaign RC-14"),
    ("Signed the new courier contract with a same-day delivery clause", "contract #5120"),
    ("Promoted two frontline agents to team lead after customer nominations", "HR-2026-0533"),
    ("Sent thank-you gifts to 800 customers of three years or more",
     "https://crm.example.com/campaigns/thanks"),
)

ROLES = ("Service Agent", "Senior Agent", "Team Lead", "Store Manager", "Account Executive",
         "Senior Account Executive", "Analyst", "Buyer", "Engineer", "Regional Manager",
         "Head of Department", "Supervisor")
DECIDERS = ("Morgan Reyes (CEO)", "Priya Natarajan (COO)", "Regional board", "Line manager",
            "Head of department", "Hiring panel")
WHERE_RECORDED = ("Case CS-{n}", "Personnel file HR-{n}", "Customer letter filed as REC-{n}",
                  "Audit OA-{n}", "https://hr.example.com/evidence/{n}")

# What departments are paid on: (rewards, the job role paid on it, which way of its metric it pays for).
INCENTIVES = (
    ("Revenue booked per quarter", "Account executives", "increase"),
    ("New accounts opened", "Account executives", "increase"),
    ("Calls handled per hour", "Service agents", "increase"),
    ("Average handling time", "Service agents", "decrease"),
    ("Cost per order", "Store managers", "decrease"),
    ("Orders shipped on time", "Warehouse leads", "increase"),
    ("Customer satisfaction score", "Team leads", "increase"),
    ("Complaints closed within 24 hours", "Team leads", "increase"),
    ("Headcount kept within budget", "Managers", "decrease"),
    ("Refunds issued", "Service agents", "decrease"),
    ("Upsell conversion", "Account executives", "increase"),
    ("Tickets closed per week", "Engineers", "increase"),
    ("Repeat contacts", "Team leads", "decrease"),
    ("Campaign leads generated", "Marketers", "increase"),
    ("Days sales outstanding", "Finance analysts", "decrease"),
    ("Net promoter score", "Regional managers", "increase"),
)
JUDGEMENT_REASONS = {
    "supports": ("Pays for exactly what customers asked for.",
                 "Rewards fixing the cause, not closing the ticket.",
                 "The metric moves only when the behaviour does."),
    "neutral": ("Unrelated to this behaviour either way.",
                "Too small a share of pay to change what people do."),
    "pulls_against": ("Pays for speed, so agents rush customers off the phone.",
                      "Rewards volume over getting it right first time.",
                      "Closing tickets early is paid; solving them is not."),
}
TOKEN_NAMES = ("Readings feed", "BI export", "Nightly sync", "Dashboard script", "Survey import")
WEBHOOKS = (
    ("https://hooks.example.com/tracker/all-events", "Everything, for the data warehouse"),
    ("https://chat.example.com/hooks/checkins", "Check-ins to the leadership channel"),
    ("https://bi.example.com/ingest/readings", "Readings for the BI team"),
    ("https://old-intranet.example.com/hook", "The old intranet (retired)"),
)
