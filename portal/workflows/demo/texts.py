"""The workflows demo's texts in English (`texts_ru` says the same in Russian, name for name)."""

# The public holidays of a year: (month, day, name); the moved working day (a Saturday in November, worked
# for the day off on December 31).
HOLIDAYS = [
    (1, 1, "New Year's Day"),
    (5, 1, "Labour Day"),
    (12, 25, "Christmas Day"),
    (12, 26, "Boxing Day"),
]
BRIDGE_DAY = "New Year's Eve (moved day off)"
MOVED_WORKDAY = "Working Saturday (for December 31)"
CURRENCY = "USD"
ALLOWANCE_DAYS = 25

COUNTERPARTIES = [
    "Orion Logistics",
    "Bluefield Foods",
    "Nimbus Cloud",
    "Atlas Tools",
    "Summit Print",
    "Helix Pharma",
]
TEXTS = {
    "leave_family": "Summer holiday with the family",
    "leave_trip": "A week in the mountains",
    "leave_sea": "Two weeks at the sea",
    "trip_city": "Berlin",
    "trip_purpose": "Design conference: talks on the new online store",
    "trip_city2": "Warsaw",
    "trip_purpose2": "Meeting the beta testers of the mobile app",
    "payment_big": "Annual logistics contract, first instalment",
    "payment_hosting": "Cloud hosting for the next three months",
    "payment_tools": "Tools for the new warehouse",
    "payment_print": "Printing of the autumn catalogue",
    "contract_supply": "Supply of packaging for the year",
    "contract_distribution": "Distribution agreement for the new region",
    "expense_trip": "Client visit in Hamburg",
    "expense_party": "After the trade fair",
}
LINES = {
    "taxi": "Taxi to the airport",
    "hotel": "Hotel, two nights",
    "dinner": "Dinner with the client",
    "dinner_team": "Team dinner after the fair",
}
COMMENTS = {
    "reject_expense": "A team dinner is not a business expense: please pay it from the team budget.",
    "return_contract": "Please attach the draft with the payment terms we agreed on (30 days, not 10).",
}
# The automation rules: (name, text of the notification).
RULE_PAYMENT = ("Approved payments to the accountants", "To pay: {{ title }}")
RULE_LEAVE = ("Approved leave to the office manager", "Plan the cover: {{ title }}")
RULE_TASKS = ("Tell me when a task of the relaunch is done", "Done: {{ title }}")
RULE_WON = ("Won deals: send the invoice", "Send the invoice: {{ title }}")
# The stage of the CRM's sales pipeline a won deal moves to (crm/demo/texts.py).
WON_STAGE = "Won"
