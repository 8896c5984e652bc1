"""What the reports demo says, in English: the work reports' texts, the supervisors' comments, and the notes
people leave on their working days. `texts_ru` says the same in Russian, name for name and in the same shape;
`people.TEXTS` picks the one of the demo's language."""

from __future__ import annotations

CLIENTS = [
    "Aurora Foods",
    "Baltic Freight",
    "Cobalt Health",
    "Delta Print",
    "Evergreen Hotels",
    "Fjord Energy",
    "Granite Bank",
    "Helix Labs",
    "Iris Fashion",
    "Juniper Schools",
]

# Work reports by area (reports.AREAS): what was done, the results, the feelings worth mentioning, the
# plans. {client} and {n} vary.
REPORTS: dict[str, dict[str, list[str]]] = {
    "sales": {
        "facts": [
            "Called {n} prospects from the trade-fair list; three agreed to a demo.",
            "Prepared and sent the quote for {client}.",
            "Renewal meeting with {client}: went through last year's volumes and the new price list.",
            "Updated the pipeline in the CRM and closed two lost deals with their reasons.",
            "Demo of the new reporting module for {client} together with the product team.",
            "Answered {n} incoming requests from the website form.",
        ],
        "results": [
            "The quote for {client} is accepted in principle; the contract goes to legal tomorrow.",
            "{n} demos booked for next week.",
            "{client} renews for two years with 15% more volume.",
            "Pipeline is up to date; the forecast for the month is 92% of the target.",
        ],
        "emotions": [
            "Great call with {client}: they like the new pricing.",
            "A bit frustrated: {client} postponed the decision again.",
            "The new CRM view saves me half an hour a day.",
        ],
        "plans": [
            "Follow up with {client}; prepare the monthly pipeline review.",
            "Visit {client} on Thursday; send the revised offer before that.",
            "Call back the leads from last week that have not answered yet.",
        ],
    },
    "marketing": {
        "facts": [
            "Published {n} blog posts and scheduled the social media posts for them.",
            "Prepared the newsletter: product news, the {client} case study and the event calendar.",
            "Briefed the agency on the spring campaign and reviewed their first drafts.",
            "Booked the booth and the hotel for the trade fair.",
            "Analysed the website traffic: organic visits up {n}% on last month.",
        ],
        "results": [
            "The newsletter went out to 4,800 subscribers, 31% opened it.",
            "Case study with {client} approved by the client.",
            "Campaign concept agreed with Sales.",
        ],
        "emotions": [
            "The team workshop was a real boost.",
            "Too many last-minute requests this week; let us plan the content calendar together.",
        ],
        "plans": [
            "Next week: the landing page for the campaign and the webinar invitation.",
            "Finish the product brochure and send it to print.",
        ],
    },
    "engineering": {
        "facts": [
            "Reviewed {n} pull requests and merged the synchronisation fix.",
            "Worked on the offline mode: conflict resolution for edited records.",
            "Investigated the slow invoice export; the missing index is added on staging.",
            "Deployed release 2.{n} to staging and ran the regression tests.",
            "Pair-programmed with a colleague on the new API authentication.",
            "Fixed {n} bugs from the support queue.",
        ],
        "results": [
            "Export of 10,000 invoices now takes 4 seconds instead of 50.",
            "Release candidate is green on all tests.",
            "The support queue is down to {n} tickets.",
        ],
        "emotions": [
            "The staging server was down for two hours, which slowed everyone down.",
            "Nice to see the crash rate drop after the last release.",
        ],
        "plans": [
            "Finish the conflict resolution and write the tests for it.",
            "Prepare the production release with the ops checklist.",
            "Start on the performance budget for the mobile app.",
        ],
    },
    "finance": {
        "facts": [
            "Booked {n} supplier invoices and reconciled the bank statements.",
            "Interviewed {n} candidates for the backend developer position.",
            "Prepared the payroll changes for this month.",
            "Updated the cash-flow forecast with the new deals from Sales.",
        ],
        "results": [
            "Month-end closing is on track.",
            "Two candidates go on to the second round.",
            "Payroll data checked and handed over.",
        ],
        "emotions": ["The new approval workflow is much faster than e-mail."],
        "plans": [
            "Chase the overdue invoice of {client}.",
            "Schedule the second interviews with the team leads.",
        ],
    },
    "office": {
        "facts": [
            "Reviewed the service contract with {client} and sent comments.",
            "Organised the board meeting: agenda, room, minutes of the last one.",
            "Handled {n} requests from colleagues (access cards, parking, supplies).",
            "Updated the user accounts and the permissions for the new colleagues.",
        ],
        "results": [
            "The contract is ready for signature.",
            "All requests closed the same day.",
        ],
        "emotions": [],
        "plans": [
            "Prepare the summer party options for the vote.",
            "Go through the open contract renewals of next month.",
        ],
    },
}
POSITIVE_COMMENTS = [
    "Good progress, thank you!",
    "Well done with {client}.",
    "Thanks, clear and complete.",
    "Great result.",
]
NEGATIVE_COMMENTS = [
    "No calls logged yesterday and the follow-ups are still open. Let us go through the list at 10:00.",
    "Too vague: what exactly was done for {client}? Please be specific next time.",
    "The quote for {client} was due yesterday and is not mentioned at all.",
    "Three days on the same task without a result; let us talk about what blocks you.",
]
RETURN_COMMENT = (
    "Please add the numbers: how many calls, how many meetings booked, and the next steps for {client}."
)

# A task the person completed in the period of the report.
COMPLETED = "Completed: {title}."

# Working days: why people started late, left early or paused.
LATE_COMMENTS = [
    "Train delayed by 40 minutes",
    "Traffic jam on the ring road",
    "Doctor's appointment in the morning",
    "Took the kids to school, the teacher kept us",
    "",
]
SHORT_DAY_COMMENTS = [
    "Leaving early: dentist",
    "Family matters, agreed with my supervisor",
    "Parents' evening at school",
]
BREAK_COMMENTS = ["Lunch", "Lunch", "", "Quick errand, back in half an hour"]
LONG_BREAK = "Doctor's appointment, back in an hour"
# The schedules: the early shift of Inside Sales, a part-timer's own ({name}).
EARLY_SHIFT = "Inside Sales: early shift"
PART_TIME = "Part-time: {name}"
# The corrections: a forgotten end confirmed by the supervisor, a forgotten start waiting.
FORGOTTEN_END = "Forgot to end the day: I left at 18:05 after the release call."
FORGOTTEN_END_ANSWER = "Yes, the release call ran until six."
FORGOTTEN_START = (
    "I forgot to press Start: I was on the phone with Baltic Freight from 8:00 "
    "(the call is in the CRM) and only started the day at 10:34."
)
