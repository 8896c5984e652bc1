"""The demo company: a believable firm seeded by `manage.py seed_demo` through the real services.

Every step looks for what already exists first, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction

DEMO_PASSWORD = "lumen-demo"
DEMO_DOMAIN = "demo.lumen"
DEMO_LOGINS = [
    (f"admin@{DEMO_DOMAIN}", "portal admin"),
    (f"ceo@{DEMO_DOMAIN}", "CEO, head of the company"),
    (f"sales.head@{DEMO_DOMAIN}", "head of Sales (a supervisor)"),
    (f"sales.manager@{DEMO_DOMAIN}", "sales manager (an employee)"),
]

COMPANY = "Northwind Works"

# (department, parent, head e-mail local part, head name, head position)
DEPARTMENTS = [
    ("Sales", COMPANY, "sales.head", ("Oliver", "Grant"), "Head of Sales"),
    ("Key Accounts", "Sales", "accounts.head", ("Maria", "Lopez"), "Key Account Director"),
    ("Inside Sales", "Sales", "inside.head", ("Tom", "Becker"), "Inside Sales Lead"),
    ("Marketing", COMPANY, "marketing.head", ("Chloe", "Martin"), "Marketing Director"),
    ("Engineering", COMPANY, "cto", ("Daniel", "Novak"), "CTO"),
    ("Platform", "Engineering", "platform.lead", ("Aisha", "Khan"), "Platform Team Lead"),
    ("Mobile", "Engineering", "mobile.lead", ("Lukas", "Weber"), "Mobile Team Lead"),
    ("Finance & HR", COMPANY, "cfo", ("Sofia", "Rossi"), "CFO"),
]

# (e-mail local part, first, last, position, department)
PEOPLE = [
    ("sales.manager", "Ethan", "Walker", "Sales Manager", "Sales"),
    ("sales.analyst", "Nora", "Fischer", "Sales Analyst", "Sales"),
    ("ka.manager1", "Liam", "Murphy", "Key Account Manager", "Key Accounts"),
    ("ka.manager2", "Emma", "Dubois", "Key Account Manager", "Key Accounts"),
    ("ka.assistant", "Zoe", "Clarke", "Account Assistant", "Key Accounts"),
    ("inside1", "Noah", "Schmidt", "Inside Sales Representative", "Inside Sales"),
    ("inside2", "Mia", "Kowalski", "Inside Sales Representative", "Inside Sales"),
    ("inside3", "Lucas", "Silva", "Inside Sales Representative", "Inside Sales"),
    ("content", "Grace", "Taylor", "Content Manager", "Marketing"),
    ("designer", "Hugo", "Lambert", "Designer", "Marketing"),
    ("events", "Ella", "Nielsen", "Events Manager", "Marketing"),
    ("seo", "Adam", "Horvat", "SEO Specialist", "Marketing"),
    ("architect", "Ivan", "Sokolov", "Software Architect", "Engineering"),
    ("qa.lead", "Laura", "Meyer", "QA Lead", "Engineering"),
    ("backend1", "Ravi", "Patel", "Backend Developer", "Platform"),
    ("backend2", "Jonas", "Berg", "Backend Developer", "Platform"),
    ("devops", "Kenji", "Tanaka", "DevOps Engineer", "Platform"),
    ("backend3", "Paula", "Costa", "Backend Developer", "Platform"),
    ("ios", "Felix", "Wagner", "iOS Developer", "Mobile"),
    ("android", "Anya", "Volkova", "Android Developer", "Mobile"),
    ("mobile.qa", "Omar", "Haddad", "QA Engineer", "Mobile"),
    ("accountant", "Julia", "Nowak", "Accountant", "Finance & HR"),
    ("hr", "Sarah", "Cohen", "HR Manager", "Finance & HR"),
    ("recruiter", "Ben", "Adams", "Recruiter", "Finance & HR"),
    ("payroll", "Eva", "Horak", "Payroll Specialist", "Finance & HR"),
    ("assistant", "Lea", "Moreau", "Executive Assistant", COMPANY),
    ("legal", "Victor", "Hale", "Legal Counsel", COMPANY),
    ("office", "Rita", "Lind", "Office Manager", COMPANY),
    ("support1", "Max", "Keller", "Customer Support", "Inside Sales"),
    ("support2", "Ida", "Larsen", "Customer Support", "Inside Sales"),
]

# (name, kind, visibility, description, owner, members, dates)
GROUPS = [
    ("Company news", "group", "open", "Announcements and news for everybody.", "ceo", ["*"], None),
    (
        "Book club",
        "group",
        "open",
        "One book a month, discussed on Fridays.",
        "cfo",  # an owner the default creation policy (supervisors and admins) allows
        ["hr", "content", "designer", "ios", "accountant"],
        None,
    ),
    (
        "Sales leadership",
        "group",
        "closed",
        "Heads of sales teams: pipeline reviews and targets.",
        "sales.head",
        ["accounts.head", "inside.head", "ceo"],
        None,
    ),
    (
        "Board",
        "group",
        "secret",
        "The management board.",
        "ceo",
        ["cto", "cfo", "sales.head", "marketing.head"],
        None,
    ),
    (
        "Website relaunch",
        "project",
        "open",
        "New corporate website with the online store.",
        "marketing.head",
        ["designer", "content", "seo", "backend1", "devops"],
        (-30, 60),
    ),
    (
        "ERP migration",
        "project",
        "closed",
        "Moving accounting and warehouse to the new ERP.",
        "cfo",
        ["accountant", "payroll", "backend2", "architect"],
        (-90, 120),
    ),
    (
        "Mobile app 2.0",
        "project",
        "secret",
        "The next major version of the mobile app.",
        "cto",
        ["mobile.lead", "ios", "android", "mobile.qa", "platform.lead"],
        (-10, 150),
    ),
]


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def demo_is_seeded() -> bool:
    from portal.people.models import User

    return User.objects.filter(email=_email("admin")).exists()


@transaction.atomic
def seed_demo(*, stdout=None) -> dict[str, int]:
    """Create (or complete) the demo company. Returns how many of each thing were created."""
    from portal.groups import services as group_services
    from portal.groups.models import Membership, Workgroup
    from portal.people import services as people_services
    from portal.people.models import Company, Department, User

    created = {"people": 0, "departments": 0, "groups": 0, "memberships": 0}
    rng = random.Random(20260101)

    admin = User.objects.filter(email=_email("admin")).first()
    if admin is None:
        if Company.objects.exists():
            raise RuntimeError(
                "This portal is registered already with another company; not seeding the demo."
            )
        admin = people_services.company_register(
            company_name=COMPANY,
            email=_email("admin"),
            password=DEMO_PASSWORD,
            first_name="Alex",
            last_name="Admin",
        )
        created["people"] += 1
    root = Department.get_root_nodes().first()

    def person(local, first, last, position, department) -> User:
        existing = User.objects.filter(email=_email(local)).first()
        if existing:
            return existing
        created["people"] += 1
        birthday = datetime.date(rng.randint(1970, 2000), rng.randint(1, 12), rng.randint(1, 28))
        return people_services.person_create(
            actor=admin,
            email=_email(local),
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            position=position,
            department=department,
            birthday=birthday,
        )

    ceo = person("ceo", "Anna", "Petrova", "Chief Executive Officer", root)
    if root.head_id != ceo.pk:
        people_services.department_set_head(actor=admin, department=root, head=ceo)

    departments = {COMPANY: root}
    for name, parent_name, head_local, (first, last), position in DEPARTMENTS:
        parent = departments[parent_name]
        parent.refresh_from_db()
        dept = next((c for c in parent.get_children() if c.name == name), None)
        if dept is None:
            dept = people_services.department_create(actor=admin, name=name, parent=parent)
            created["departments"] += 1
        head = person(head_local, first, last, position, dept)
        dept.refresh_from_db()
        if dept.head_id != head.pk:
            people_services.department_set_head(actor=admin, department=dept, head=head)
        departments[name] = dept

    for local, first, last, position, dept_name in PEOPLE:
        person(local, first, last, position, departments[dept_name])

    everyone = list(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}", is_active=True))
    by_local = {u.email.split("@")[0]: u for u in everyone}
    today = datetime.date.today()  # noqa: DTZ011 - demo dates only need the calendar day
    for name, kind, visibility, description, owner_local, members, dates in GROUPS:
        owner = by_local[owner_local]
        group = Workgroup.objects.filter(name=name).first()
        if group is None:
            start_date = end_date = None
            if dates:
                start_date = today + datetime.timedelta(days=dates[0])
                end_date = today + datetime.timedelta(days=dates[1])
            group = group_services.group_create(
                actor=owner,
                name=name,
                description=description,
                kind=kind,
                visibility=visibility,
                start_date=start_date,
                end_date=end_date,
            )
            created["groups"] += 1
        wanted = everyone if members == ["*"] else [by_local[m] for m in members]
        have = set(Membership.objects.filter(group=group).values_list("user_id", flat=True))
        for member in wanted:
            if member.pk not in have:
                group_services.group_member_add(actor=owner, group=group, user=member, role="member")
                created["memberships"] += 1
    if stdout is not None:
        stdout.write(", ".join(f"{v} {k}" for k, v in created.items()) + " created.")
    return created


def seed_demo_social(*, stdout=None) -> None:
    """The talking part of the demo: a lively stream, chats, a few notifications, the tasks of weeks of
    work and the working days and reports of those weeks (each idempotent).

    Runs after `seed_demo` has committed, because their services schedule jobs on commit."""
    from portal.chat.demo import seed_demo_chat
    from portal.notifications.demo import seed_demo_notifications
    from portal.stream.demo import seed_demo_stream
    from reports.demo import seed_demo_reports
    from tasks.demo import seed_demo_tasks

    seed_demo_stream(stdout=stdout)
    seed_demo_chat(stdout=stdout)
    seed_demo_notifications(stdout=stdout)
    seed_demo_tasks(stdout=stdout)
    seed_demo_reports(stdout=stdout)
