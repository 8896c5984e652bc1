"""The shape of the workflows demo, the same in every language: who holds the process roles, who is away when,
which requests were made by whom, how long ago, and how far each got. The texts (`texts`, `texts_ru`) are
filled into this plan.

People are named by their e-mail local part (`portal.people.demo`). Dates of the vacation schedule are of the
current year; the other absences and the requests are counted from the day the demo is seeded, so that the demo
always shows something waiting, something late and somebody away today.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ADMIN = "admin"
# The people the plan needs (the demo company is not there without them).
REQUIRED = (
    "admin",
    "ceo",
    "sales.head",
    "accounts.head",
    "marketing.head",
    "cfo",
    "accountant",
    "hr",
    "legal",
)

# The built-in process roles and their holders.
ROLE_HOLDERS = {"hr": ["hr"], "accountant": ["accountant", "payroll"], "lawyer": ["legal"], "cfo": ["cfo"]}

# This year's allowance (days) of everybody, and a few carried over from last year.
CARRIED_OVER = {"sales.manager": 3, "inside1": 5, "backend1": 2, "content": 4}

# The vacation schedule of the year: (person, month, day, days). A few overlap (two people of a team away at
# once), which the chart shows. The approvers of the requests below are left out, so that the routes show
# exactly the delegation planned for them.
VACATIONS = [
    ("support2", 2, 17, 5),
    ("recruiter", 3, 10, 7),
    ("assistant", 4, 14, 7),
    ("content", 5, 12, 10),
    ("designer", 5, 19, 7),
    ("ios", 6, 2, 10),
    ("mobile.qa", 6, 9, 10),
    ("devops", 6, 16, 7),
    ("architect", 7, 14, 14),
    ("backend3", 7, 21, 10),
    ("backend2", 8, 4, 10),
    ("backend1", 8, 11, 10),
    ("sales.manager", 8, 18, 14),
    ("seo", 9, 1, 14),
    ("ka.manager2", 9, 8, 10),
    ("sales.analyst", 10, 13, 10),
    ("inside3", 10, 20, 7),
    ("inside2", 11, 10, 10),
    ("ka.assistant", 12, 1, 5),
    ("office", 12, 15, 7),
]

# Absences around today: (person, absence type key, first day from today, days). The head of Key Accounts
# and the head of Marketing are on vacation this week: their people's requests go to the head of Sales (the
# supervisor of an absent approver) and to Marketing's deputy.
AROUND_TODAY = [
    ("accounts.head", "vacation", -2, 9),
    ("marketing.head", "vacation", -1, 8),
    ("support1", "sick", -2, 4),
    ("ka.assistant", "trip", 10, 3),
    ("qa.lead", "dayoff", 3, 1),
]
# (person, deputy, first day from today, days)
DEPUTIES = [("marketing.head", "events", -1, 8)]


@dataclass(frozen=True)
class Act:
    """A decision on the step the request waits at, `hours` after it was made, by whoever the step waits
    for (or `by`); `comment` names a text."""

    action: str
    hours: float
    comment: str = ""
    by: str = ""


@dataclass(frozen=True)
class Story:
    """A request: its template (key), requester, how many hours ago it was made, its values (text names, an
    amount, a period of (days from today, days)), and what happened to it since."""

    key: str
    template: str
    requester: str
    hours_ago: float
    acts: tuple[Act, ...] = ()
    period: tuple[int, int] | None = None
    absence: str = "vacation"
    counterparty: int | None = None
    amount: int | None = None
    about: str = ""
    text: str = ""
    due_in: int = 7
    lines: tuple[tuple[str, int], ...] = ()
    files: tuple[str, ...] = field(default=("file",))
    withdraw_after: float | None = None
    paid_after: float | None = None
    late_by_hours: float | None = None


STORIES = [
    # Waiting: the head of Sales decides a leave request of the sales manager...
    Story("leave_waiting", "leave", "sales.manager", 26, period=(30, 10), about="leave_family"),
    # ...and one of Key Accounts, whose head is away (the supervisor of the absent approver).
    Story("leave_delegated", "leave", "ka.manager1", 3, period=(45, 7), about="leave_trip"),
    # Marketing's deputy decides a business trip while the head of Marketing is away.
    Story("trip_deputy", "trip", "designer", 5, period=(20, 3), text="trip_city", about="trip_purpose", amount=900),
    # Over 100,000: approved by the CEO, waiting for the financial director.
    Story(
        "payment_cfo", "payment", "sales.head", 30, counterparty=0, amount=150_000, about="payment_big",
        due_in=10, acts=(Act("approve", 6),),
    ),
    # A contract approved by the head of Sales, waiting for the lawyer.
    Story(
        "contract_lawyer", "contract", "sales.manager", 28, counterparty=1, amount=80_000,
        about="contract_supply", period=(0, 365), acts=(Act("approve", 4),),
    ),
    # An expense report approved by the team lead, waiting for the accountants.
    Story(
        "expense_accountant", "expense", "backend1", 22, lines=(("taxi", 35), ("hotel", 240), ("dinner", 58)),
        about="expense_trip", acts=(Act("approve", 2),),
    ),
    # Past its deadline: reminded, then escalated one level up (the CTO); the team lead can still decide.
    Story(
        "payment_escalated", "payment", "devops", 96, counterparty=2, amount=2_400, about="payment_hosting",
        due_in=5, late_by_hours=60,
    ),
    # Approved: a vacation (on the chart now), a payment in the accountants' register, a business trip, and a
    # payment already paid.
    Story("leave_approved", "leave", "inside1", 70, period=(60, 10), about="leave_sea", acts=(Act("approve", 20),)),
    Story(
        "payment_approved", "payment", "sales.manager", 75, counterparty=3, amount=1_200, about="payment_tools",
        acts=(Act("approve", 5), Act("approve", 30)),
    ),
    Story(
        "trip_approved", "trip", "android", 50, period=(14, 3), text="trip_city2", about="trip_purpose2",
        amount=600, acts=(Act("approve", 8),),
    ),
    Story(
        "payment_paid", "payment", "inside2", 190, counterparty=4, amount=860, about="payment_print",
        acts=(Act("approve", 3), Act("approve", 20)), paid_after=40,
    ),
    # Rejected by Marketing's deputy, with the reason.
    Story(
        "expense_rejected", "expense", "content", 48, lines=(("dinner_team", 310),), about="expense_party",
        acts=(Act("reject", 7, "reject_expense"),),
    ),
    # Returned for rework (the head of Key Accounts is away: the head of Sales returned it).
    Story(
        "contract_returned", "contract", "ka.manager2", 30, counterparty=5, amount=45_000,
        about="contract_distribution", acts=(Act("return", 9, "return_contract"),),
    ),
    # Withdrawn by the requester.
    Story("leave_withdrawn", "leave", "backend2", 100, period=(25, 5), about="leave_family", withdraw_after=20),
]  # fmt: skip

# The states every demo has (tests check them).
STATES = ("running", "approved", "rejected", "returned", "withdrawn")
