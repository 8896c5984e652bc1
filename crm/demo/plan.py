"""The shape of the CRM demo, the same in every language: who owns which clients, which stage each deal has
reached and how long ago things happened. The texts (`texts`, `texts_ru`) are filled into this plan.

People are named by their e-mail local part (`portal.people.demo`). The head of Sales sees the whole
department ("Head of department", sub-tree); the sales people work their own records ("Employee").
"""

from __future__ import annotations

SEED = 20260315

HEAD = "sales.head"
ADMIN = "admin"
# The people who sell, in the order clients are dealt out to them.
SELLERS = ["sales.manager", "ka.manager1", "ka.manager2", "inside1", "inside2", "inside3"]
# PBX extensions of the sales people (the simulator rings "101": the sales manager).
EXTENSIONS = [
    ("100", HEAD),
    ("101", "sales.manager"),
    ("102", "ka.manager1"),
    ("103", "ka.manager2"),
    ("104", "inside1"),
    ("105", "inside2"),
    ("106", "inside3"),
]
SIMULATOR_EXTENSION = "101"

# Kinds of the companies that are not clients (index in `COMPANIES` -> kind).
COMPANY_KINDS = {13: "partner"}
CONTACTS_PER_COMPANY = 2
# Private customers (the contacts after the companies' people) and who looks after them.
PRIVATE_OWNERS = ["inside1", "inside2", "inside3", "sales.manager"]

# Deals of the "Sales" pipeline: (stage index, days since the deal was made). Deal n belongs to company
# n % 14 (deals 28 and 29: private customers), its first or second contact, and the company's seller.
# Stages: 0 New, 1 Qualification, 2 Proposal, 3 Negotiation, 4 Won, 5 Lost.
DEALS = [
    (4, 88), (2, 21), (1, 9), (5, 70), (4, 64), (3, 30), (0, 3), (2, 17), (4, 52), (1, 12),
    (5, 45), (3, 26), (4, 40), (0, 2), (2, 14), (4, 33), (1, 6), (3, 19), (5, 36), (0, 5),
    (4, 27), (2, 11), (1, 4), (4, 20), (3, 15), (5, 24), (0, 1), (2, 8), (4, 16), (1, 7),
]  # fmt: skip
# Open deals left without an activity for longer than the pipeline allows (7 days): the idle deals the
# head of Sales sees on the control dashboard, one each for three people (amber, not red).
IDLE_DEALS = {5: 12, 11: 15, 17: 10}  # deal index -> days since its last activity
# Open to-dos past their deadline: (deal index, days overdue); the sales manager and one more seller.
OVERDUE = [(6, 2), (16, 1)]

# Leads: (source, status, responsible, hours since it arrived), in the order of `texts.LEADS`.
LEADS = [
    ("web_form", "converted", "inside1", 240),
    ("email", "in_progress", "inside2", 30),
    ("call", "in_progress", "inside3", 50),
    ("manual", "new", "inside1", 3),  # not taken in work for three hours: "leads waiting"
    ("import", "in_progress", "ka.manager1", 120),
    ("email", "converted", "ka.manager2", 400),
    ("import", "new", "inside3", 0.2),
    ("store", "in_progress", "inside1", 72),
    ("call", "new", "sales.manager", 0.3),
    ("manual", "converted", "sales.manager", 300),
    ("email", "in_progress", "inside2", 20),
    ("import", "junk", "inside3", 500),
    ("web_form", "in_progress", "ka.manager1", 26),
    ("email", "junk", "inside2", 100),
    ("store", "new", "inside2", 0.4),
    ("manual", "in_progress", "ka.manager2", 48),
]
WEBFORM_OWNER = "inside2"
# Minutes ago the two web form submissions arrived.
WEBFORM_MINUTES = [15, 6]

# Store orders: (order id, customer, statuses the order went through, lines [(product index, quantity)], days
# since it was placed). A customer is an index in `texts.STORE_CUSTOMERS`, or ("contact", n) for a private
# contact who bought in the shop before (found by e-mail).
STORE_RESPONSIBLE = "inside3"
STORE_ORDERS = [
    ("1001", 0, ["pending", "processing", "shipped", "completed"], [(0, 1), (4, 1)], 20),
    ("1002", ("contact", 28), ["pending", "processing", "shipped", "completed"], [(2, 2)], 12),
    ("1003", 1, ["pending", "processing", "shipped"], [(1, 1), (5, 1)], 4),
    ("1004", 2, ["pending", "processing"], [(3, 1)], 2),
    ("1005", 3, ["pending"], [(4, 2)], 0.5),
    ("1006", ("contact", 29), ["pending", "cancelled"], [(1, 1)], 8),
]
# The store's statuses and the "Store orders" stage each one means (stage index).
STORE_STATUS_STAGES = {
    "pending": 0,
    "on-hold": 0,
    "processing": 1,
    "shipped": 2,
    "completed": 3,
    "cancelled": 4,
    "refunded": 4,
    "failed": 4,
}
