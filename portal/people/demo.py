"""The demo company's people: the company, its department tree with heads, and its employees, seeded
through people's services. Registered as the first `company` stage demo seeder (`portal.core.demo`).

The company speaks the demo's language (`in_demo_language`): names, positions and departments come from the
table of that language, and every person reads the portal in it. The e-mail local parts are the same in
every language; the other demo modules find people by them and departments by their heads (`demo_department`).
"""

from __future__ import annotations

import datetime
import random

from portal.core.demo import DEMO_PASSWORD, demo_email, demo_language, in_demo_language

COMPANY = {"en": "Northwind Works", "ru": "Северный ветер"}
# The company's time zone, which every person gets.
TIME_ZONE = {"en": "UTC", "ru": "Europe/Moscow"}
# (first, last) of the admin; (first, last, position) of the CEO, who heads the company.
ADMIN = {"en": ("Alex", "Admin"), "ru": ("Алексей", "Орлов")}
CEO = {
    "en": ("Anna", "Petrova", "Chief Executive Officer"),
    "ru": ("Анна", "Петрова", "Генеральный директор"),
}

# (department, parent, head e-mail local part, head name, head position); None: the company itself.
DEPARTMENTS = {
    "en": [
        ("Sales", None, "sales.head", ("Oliver", "Grant"), "Head of Sales"),
        ("Key Accounts", "Sales", "accounts.head", ("Maria", "Lopez"), "Key Account Director"),
        ("Inside Sales", "Sales", "inside.head", ("Tom", "Becker"), "Inside Sales Lead"),
        ("Marketing", None, "marketing.head", ("Chloe", "Martin"), "Marketing Director"),
        ("Engineering", None, "cto", ("Daniel", "Novak"), "CTO"),
        ("Platform", "Engineering", "platform.lead", ("Aisha", "Khan"), "Platform Team Lead"),
        ("Mobile", "Engineering", "mobile.lead", ("Lukas", "Weber"), "Mobile Team Lead"),
        ("Finance & HR", None, "cfo", ("Sofia", "Rossi"), "CFO"),
    ],
    "ru": [
        ("Отдел продаж", None, "sales.head", ("Олег", "Григорьев"), "Руководитель отдела продаж"),
        (
            "Ключевые клиенты",
            "Отдел продаж",
            "accounts.head",
            ("Мария", "Лопатина"),
            "Директор по работе с ключевыми клиентами",
        ),
        (
            "Телефонные продажи",
            "Отдел продаж",
            "inside.head",
            ("Тимур", "Беков"),
            "Руководитель группы телефонных продаж",
        ),
        ("Маркетинг", None, "marketing.head", ("Ксения", "Мартынова"), "Директор по маркетингу"),
        ("Разработка", None, "cto", ("Дмитрий", "Новиков"), "Технический директор"),
        ("Платформа", "Разработка", "platform.lead", ("Айгуль", "Ханова"), "Руководитель команды платформы"),
        (
            "Мобильная разработка",
            "Разработка",
            "mobile.lead",
            ("Лев", "Воронов"),
            "Руководитель мобильной команды",
        ),
        ("Финансы и персонал", None, "cfo", ("Софья", "Романова"), "Финансовый директор"),
    ],
}

# (e-mail local part, first, last, position, department); None: the company itself.
PEOPLE = {
    "en": [
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
        ("assistant", "Lea", "Moreau", "Executive Assistant", None),
        ("legal", "Victor", "Hale", "Legal Counsel", None),
        ("office", "Rita", "Lind", "Office Manager", None),
        ("support1", "Max", "Keller", "Customer Support", "Inside Sales"),
        ("support2", "Ida", "Larsen", "Customer Support", "Inside Sales"),
    ],
    "ru": [
        ("sales.manager", "Егор", "Волков", "Менеджер по продажам", "Отдел продаж"),
        ("sales.analyst", "Нина", "Фролова", "Аналитик продаж", "Отдел продаж"),
        ("ka.manager1", "Илья", "Морозов", "Менеджер по ключевым клиентам", "Ключевые клиенты"),
        ("ka.manager2", "Елена", "Дубова", "Менеджер по ключевым клиентам", "Ключевые клиенты"),
        ("ka.assistant", "Зоя", "Климова", "Ассистент менеджера по работе с клиентами", "Ключевые клиенты"),
        ("inside1", "Никита", "Широков", "Менеджер телефонных продаж", "Телефонные продажи"),
        ("inside2", "Марина", "Ковалёва", "Менеджер телефонных продаж", "Телефонные продажи"),
        ("inside3", "Артём", "Силин", "Менеджер телефонных продаж", "Телефонные продажи"),
        ("content", "Галина", "Тарасова", "Контент-менеджер", "Маркетинг"),
        ("designer", "Глеб", "Лапин", "Дизайнер", "Маркетинг"),
        ("events", "Элла", "Нестерова", "Менеджер по мероприятиям", "Маркетинг"),
        ("seo", "Андрей", "Горбунов", "SEO-специалист", "Маркетинг"),
        ("architect", "Иван", "Соколов", "Архитектор ПО", "Разработка"),
        ("qa.lead", "Лариса", "Михайлова", "Руководитель тестирования", "Разработка"),
        ("backend1", "Равиль", "Сафин", "Бэкенд-разработчик", "Платформа"),
        ("backend2", "Юрий", "Белов", "Бэкенд-разработчик", "Платформа"),
        ("devops", "Кирилл", "Тихонов", "DevOps-инженер", "Платформа"),
        ("backend3", "Полина", "Костина", "Бэкенд-разработчик", "Платформа"),
        ("ios", "Фёдор", "Вагин", "iOS-разработчик", "Мобильная разработка"),
        ("android", "Анастасия", "Зуева", "Android-разработчик", "Мобильная разработка"),
        ("mobile.qa", "Руслан", "Гаджиев", "Инженер по тестированию", "Мобильная разработка"),
        ("accountant", "Юлия", "Носова", "Бухгалтер", "Финансы и персонал"),
        ("hr", "Светлана", "Каримова", "Менеджер по персоналу", "Финансы и персонал"),
        ("recruiter", "Борис", "Абрамов", "Рекрутер", "Финансы и персонал"),
        ("payroll", "Ева", "Горохова", "Специалист по расчёту зарплаты", "Финансы и персонал"),
        ("assistant", "Людмила", "Осипова", "Помощник руководителя", None),
        ("legal", "Виктор", "Халин", "Юрисконсульт", None),
        ("office", "Маргарита", "Лебедева", "Офис-менеджер", None),
        ("support1", "Максим", "Кудрявцев", "Специалист службы поддержки", "Телефонные продажи"),
        ("support2", "Ирина", "Ларина", "Специалист службы поддержки", "Телефонные продажи"),
    ],
}


def demo_department(head_local: str):
    """The demo department headed by the person with this e-mail local part (the same in every language), or
    None."""
    from .models import Department

    return Department.objects.filter(head__email=demo_email(head_local)).first()


def seed_demo_people(*, stdout=None) -> dict[str, int]:
    """Create (or complete) the company, its departments and people. Returns what it created."""
    from . import services as people_services
    from .models import Company, Department, User

    created = {"people": 0, "departments": 0}
    rng = random.Random(20260101)
    language = demo_language()

    def speaking(person: User) -> User:
        """Every demo person reads the portal in the demo's language."""
        if person.language != language:
            person = people_services.person_update(actor=admin, person=person, language=language)
        return person

    admin = User.objects.filter(email=demo_email("admin")).first()
    if admin is None:
        if Company.objects.exists():
            raise RuntimeError(
                "This portal is registered already with another company; not seeding the demo."
            )
        first, last = in_demo_language(ADMIN)
        admin = people_services.company_register(
            company_name=in_demo_language(COMPANY),
            email=demo_email("admin"),
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            time_zone=in_demo_language(TIME_ZONE),
        )
        created["people"] += 1
    admin = speaking(admin)
    root = Department.get_root_nodes().first()

    def person(local, first, last, position, department) -> User:
        existing = User.objects.filter(email=demo_email(local)).first()
        if existing:
            return existing
        created["people"] += 1
        birthday = datetime.date(rng.randint(1970, 2000), rng.randint(1, 12), rng.randint(1, 28))
        return speaking(
            people_services.person_create(
                actor=admin,
                email=demo_email(local),
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                position=position,
                department=department,
                birthday=birthday,
            )
        )

    first, last, position = in_demo_language(CEO)
    ceo = person("ceo", first, last, position, root)
    if root.head_id != ceo.pk:
        people_services.department_set_head(actor=admin, department=root, head=ceo)

    departments = {None: root}
    for name, parent_name, head_local, (first, last), position in in_demo_language(DEPARTMENTS):
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

    for local, first, last, position, dept_name in in_demo_language(PEOPLE):
        person(local, first, last, position, departments[dept_name])
    return created
