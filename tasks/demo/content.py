"""What the tasks demo is made of, in English: the projects' plans, who hands out which work, to-dos, group
tasks, checklists, tags, comments and templates. `content_ru` says the same in Russian, name for name and in
the same shape (the people, days and groups are the same; only the texts differ); `stories.CONTENT` picks the
one of the demo's language."""

from __future__ import annotations

DOMAIN = "demo.lumen"
SEED = 20260301

# Projects: the demo group's key (portal.groups.demo) -> phases; a phase is (title, lead, steps); a step is (title, responsible, days, substeps)
# and a substep (title, responsible, days). Phases are created by the project's owner, steps by the lead.
PROJECT_PLANS: dict[str, list] = {
    "relaunch": [
        (
            "Discovery and content audit",
            "content",
            [
                ("Audit the current pages and their traffic", "seo", 5, []),
                ("Interview sales about customer questions", "content", 4, []),
                ("Write the content brief", "content", 5, []),
            ],
        ),
        (
            "Design",
            "designer",
            [
                (
                    "Wireframes for the home and product pages",
                    "designer",
                    8,
                    [("Home page wireframe", "designer", 4), ("Product page wireframe", "designer", 4)],
                ),
                ("Visual design and style guide", "designer", 10, []),
                ("Design review with the management", "marketing.head", 1, []),
            ],
        ),
        (
            "Build the site and the store",
            "backend1",
            [
                ("Set up the CMS and the staging server", "devops", 5, []),
                (
                    "Import the product catalogue",
                    "backend1",
                    10,
                    [
                        ("Map the product fields", "backend1", 3),
                        ("Import the product images", "backend1", 3),
                        ("Check the prices against the ERP", "backend1", 4),
                    ],
                ),
                ("Page templates", "backend1", 12, []),
                ("Send the contact and quote forms to the CRM", "backend1", 5, []),
            ],
        ),
        (
            "Content and SEO",
            "seo",
            [
                ("Write the new product texts", "content", 10, []),
                ("Redirect the old URLs", "seo", 3, []),
                ("Translate the key pages into German", "content", 7, []),
            ],
        ),
        (
            "Launch",
            "marketing.head",
            [
                ("Load test and security check", "devops", 3, []),
                ("Go-live checklist", "marketing.head", 1, []),
                ("Launch announcement and newsletter", "content", 2, []),
            ],
        ),
    ],
    "erp": [
        (
            "Selection and contract",
            "cfo",
            [
                ("Compare the three ERP offers", "architect", 10, []),
                ("Negotiate the licence contract", "cfo", 8, []),
                ("Board sign-off", "cfo", 2, []),
            ],
        ),
        (
            "Data migration",
            "architect",
            [
                ("Map the chart of accounts", "accountant", 8, []),
                (
                    "Migrate customers and suppliers",
                    "backend2",
                    15,
                    [
                        ("Clean up duplicate suppliers", "accountant", 5),
                        ("Import test run", "backend2", 5),
                        ("Final import", "backend2", 5),
                    ],
                ),
                ("Migrate the open invoices", "accountant", 6, []),
                ("Import the warehouse stock", "backend2", 6, []),
            ],
        ),
        (
            "Payroll",
            "payroll",
            [
                ("Set up the payroll rules", "payroll", 10, []),
                ("Parallel payroll run", "payroll", 20, []),
            ],
        ),
        (
            "Go-live",
            "cfo",
            [
                ("Train the accounting team", "accountant", 5, []),
                ("Cut-over weekend", "architect", 3, []),
                ("Switch off the old system", "backend2", 2, []),
            ],
        ),
    ],
    "mobile": [
        (
            "Specification",
            "mobile.lead",
            [
                ("User stories for the offline mode", "mobile.lead", 6, []),
                ("API changes for synchronisation", "platform.lead", 5, []),
            ],
        ),
        (
            "Development",
            "mobile.lead",
            [
                (
                    "Offline storage on iOS",
                    "ios",
                    20,
                    [
                        ("Local database schema", "ios", 6),
                        ("Conflict resolution", "ios", 8),
                        ("Settings screen for offline data", "ios", 6),
                    ],
                ),
                ("Offline storage on Android", "android", 20, []),
                ("Synchronisation endpoints", "platform.lead", 15, []),
                ("Push notifications for changed records", "android", 8, []),
            ],
        ),
        (
            "Testing",
            "mobile.qa",
            [
                ("Test plan", "mobile.qa", 4, []),
                ("Regression tests on older devices", "mobile.qa", 10, []),
                ("Beta with key customers", "mobile.lead", 14, []),
            ],
        ),
        (
            "Release",
            "mobile.lead",
            [
                ("Store listings and screenshots", "ios", 4, []),
                ("Staged rollout", "android", 7, []),
            ],
        ),
    ],
}
PROJECT_TAGS = {
    "relaunch": ["design", "content", "store", "launch blocker"],
    "erp": ["data", "finance", "training"],
    "mobile": ["ios", "android", "api"],
}
CLIENTS = [
    "Orion Logistics",
    "Bluefield Farms",
    "Helix Pharma",
    "Atlas Freight",
    "Crescent Bank",
    "Vega Travel",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
# Who hands out work to whom, and what kind of work: head -> (people, titles). "{client}" and "{month}" are
# filled in.
DEPARTMENT_WORK: dict[str, tuple[list[str], list[str]]] = {
    "ceo": (
        ["sales.head", "marketing.head", "cto", "cfo", "assistant", "legal", "office"],
        [
            "Prepare the board report for {month}",
            "Review the annual budget draft",
            "Renew the office lease",
            "Check the new supplier contract for risks",
            "Plan the company offsite",
            "Summarise the customer satisfaction survey",
        ],
    ),
    "sales.head": (
        ["sales.manager", "sales.analyst", "accounts.head", "inside.head"],
        [
            "Update the sales forecast for {month}",
            "Prepare the offer for {client}",
            "Analyse the lost deals of last quarter",
            "Clean up the stale deals in the pipeline",
            "Plan the visit to {client}",
        ],
    ),
    "accounts.head": (
        ["ka.manager1", "ka.manager2", "ka.assistant"],
        [
            "Quarterly business review with {client}",
            "Renew the framework agreement with {client}",
            "Send the price increase letter to {client}",
            "Collect the signed order from {client}",
        ],
    ),
    "inside.head": (
        ["inside1", "inside2", "inside3", "support1", "support2"],
        [
            "Call back the leads from the trade fair",
            "Follow up on the demo request from {client}",
            "Answer the open support tickets from {client}",
            "Update the FAQ with the new shipping rules",
        ],
    ),
    "marketing.head": (
        ["content", "designer", "events", "seo"],
        [
            "Newsletter for {month}",
            "Case study with {client}",
            "Book the stand for the autumn trade fair",
            "New brochure for the product line",
            "Monthly SEO report for {month}",
        ],
    ),
    "cto": (
        ["architect", "qa.lead", "platform.lead", "mobile.lead"],
        [
            "Security review of the customer portal",
            "Plan the database upgrade",
            "Hiring plan for the second half of the year",
            "Incident report for the outage on {month} 12",
        ],
    ),
    "platform.lead": (
        ["backend1", "backend2", "devops", "backend3"],
        [
            "Fix the invoice PDF rounding error",
            "Upgrade the servers to the new OS release",
            "Speed up the order search",
            "Rotate the API keys of the integrations",
            "Set up monitoring alerts for the mail queue",
        ],
    ),
    "mobile.lead": (
        ["ios", "android", "mobile.qa"],
        [
            "Fix the crash on login with expired sessions",
            "Support the new Android version",
            "Reduce the app size",
            "Answer the app store reviews",
        ],
    ),
    "cfo": (
        ["accountant", "hr", "recruiter", "payroll"],
        [
            "Close the books for {month}",
            "Pay the supplier invoices due this week",
            "Prepare the VAT return for {month}",
            "Payroll for {month}",
            "Fill the open position of a sales manager",
            "Update the travel expense policy",
        ],
    ),
}
PERSONAL_TODOS = [
    "Submit my travel expenses",
    "Book my holidays in the calendar",
    "Finish the online security training",
    "Update my profile photo",
    "Read the new travel policy",
    "Renew my first-aid certificate",
]
GROUP_TASKS = [
    # (group key, creator, responsible, title, participants)
    ("news", "hr", "events", "Organise the summer party", ["office", "assistant"]),
    ("news", "office", "office", "Update the floor plan of the 3rd floor", []),
    ("sales", "sales.head", "accounts.head", "Agree on the key account targets", ["inside.head"]),
    ("sales", "sales.head", "inside.head", "Pipeline review: deals without activity", []),
    ("board", "ceo", "cfo", "Approve the investment plan", ["cto"]),
    ("board", "ceo", "marketing.head", "Brand refresh proposal", []),
    ("books", "cfo", "hr", "Pick the book for next month", []),
]
DESCRIPTIONS = [
    "",
    "Details are in the shared folder.",
    "As discussed in the weekly meeting. Keep the customer in the loop.",
    "Use last year's figures as the baseline and flag anything that moved by more than 10%.",
]
CHECKLISTS = [
    ["Collect the inputs", "Write the first draft", "Get feedback", "Final version"],
    ["Check the figures", "Ask finance", "Send to the customer"],
    ["Book the room", "Send the agenda", "Write the minutes"],
    ["Reproduce", "Fix", "Test on staging", "Deploy"],
]
PERSONAL_TAGS = ["follow up", "clients", "quick win"]
COMMENTS_OPEN = [
    "I started on it, first results by Thursday.",
    "{mention} could you send me last month's numbers?",
    "Waiting for an answer from the customer.",
    "Half done, the rest depends on the supplier.",
    "{mention} please have a look at the draft when you can.",
]
COMMENTS_DONE = [
    "Done, the file is in the shared folder.",
    "Finished. {mention} thanks for the help!",
    "Sent to the customer, they confirmed.",
    "Completed a bit later than planned, the data came late.",
]
DECLINE_REASONS = [
    "This belongs to the finance team, not to us.",
    "We agreed to drop it at the Monday meeting.",
]
RETURN_COMMENT = "Please add the figures for the last month as well."
# The templates: a weekly report that repeats, and an onboarding whose subtasks are (title, responsible,
# checklist).
WEEKLY_REPORT = {
    "title": "Weekly sales report",
    "description": "Pipeline changes, won and lost deals, next week's focus.",
    "checklist": ["Export the pipeline", "Compare with last week", "Send the summary"],
}
ONBOARDING = {
    "title": "Onboarding of a new colleague",
    "description": "Everything a new colleague needs in the first week.",
    "checklist": ["Contract signed", "Welcome mail sent", "Buddy assigned"],
    "subtasks": [
        ("Laptop and accounts", "devops", ["Laptop", "E-mail", "VPN"]),
        ("Desk and access card", "office", []),
        ("Introduction meeting with the team", "hr", []),
    ],
}
