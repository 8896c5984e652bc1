"""The strategy demo's texts in English (keys are the same in every language)."""

MISSION = (
    "We help mid-sized manufacturers **run their business on one system**: from the first call to the delivered "
    "order, without spreadsheets."
)
VISION = "By the end of the plan, the regional leader in business software for manufacturers:\n\n" + (
    "- every second manufacturer in the region knows us;\n- our customers renew because they grow with us;\n"
    "- we ship a new release every month."
)
STRATEGIC = ("Become the regional leader in business software", "Three years to lead the regional market.")
# key -> (title, owner, description)
ANNUAL = {
    "growth": ("Grow revenue by 30%", "sales.head", "New customers and larger deals with the existing ones."),
    "product": ("Ship the platform customers love", "cto", "A faster product and the new mobile app."),
    "efficiency": ("Run the company on one system", "cfo", "Finance and warehouse in the new ERP."),
}
# (key, parent key, head, title) per department and quarter
QUARTERLY = [
    ("sales_q", "growth", "sales.head", "Close 40 new deals this quarter"),
    ("accounts_q", "growth", "accounts.head", "Renew every key account"),
    ("inside_q", "growth", "inside.head", "Double the qualified leads from calls"),
    ("marketing_q", "growth", "marketing.head", "Launch the new website"),
    ("platform_q", "product", "platform.lead", "Halve the page load time"),
    ("mobile_q", "product", "mobile.lead", "Release the mobile app beta"),
    ("finance_q", "efficiency", "cfo", "Close the month in five days"),
]
MONTHLY = ("sales_m", "sales_q", "sales.head", "Ten demos booked this month")
# project key -> [(goal key, weight)]
PROJECTS = {
    "relaunch": [("marketing_q", 3), ("growth", 1)],
    "erp": [("efficiency", 2)],
    "mobile": [("mobile_q", 3)],
}
# project key -> (rag, note)
NOTES = {
    "relaunch": ("amber", "Design approved; the store integration slipped a week."),
    "erp": ("red", "Data migration blocked: the old warehouse export is incomplete."),
    "mobile": ("green", "Beta build in internal testing, on schedule."),
}
