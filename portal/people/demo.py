"""The demo company's people: the company, its department tree with heads, and its employees, seeded
through people's services. Registered as the first `company` stage demo seeder (`portal.core.demo`)."""

from __future__ import annotations

import datetime
import random

from portal.core.demo import DEMO_PASSWORD, demo_email

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


def seed_demo_people(*, stdout=None) -> dict[str, int]:
    """Create (or complete) the company, its departments and people. Returns what it created."""
    from . import services as people_services
    from .models import Company, Department, User

    created = {"people": 0, "departments": 0}
    rng = random.Random(20260101)

    admin = User.objects.filter(email=demo_email("admin")).first()
    if admin is None:
        if Company.objects.exists():
            raise RuntimeError(
                "This portal is registered already with another company; not seeding the demo."
            )
        admin = people_services.company_register(
            company_name=COMPANY,
            email=demo_email("admin"),
            password=DEMO_PASSWORD,
            first_name="Alex",
            last_name="Admin",
        )
        created["people"] += 1
    root = Department.get_root_nodes().first()

    def person(local, first, last, position, department) -> User:
        existing = User.objects.filter(email=demo_email(local)).first()
        if existing:
            return existing
        created["people"] += 1
        birthday = datetime.date(rng.randint(1970, 2000), rng.randint(1, 12), rng.randint(1, 28))
        return people_services.person_create(
            actor=admin,
            email=demo_email(local),
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
    return created
