"""The demo company's workgroups and projects, with their members, seeded through groups' services after
the people exist. Registered as a `company` stage demo seeder (`portal.core.demo`).

Each group has a key, the same in every language; its name and description come from the table of the
demo's language. The other demo modules find a group by its key (`demo_group`)."""

from __future__ import annotations

import datetime

from portal.core.demo import DEMO_DOMAIN, in_demo_language

# (key, kind, visibility, owner, members, dates)
GROUPS = [
    ("news", "group", "open", "ceo", ["*"], None),
    # An owner the default creation policy (supervisors and admins) allows.
    ("books", "group", "open", "cfo", ["hr", "content", "designer", "ios", "accountant"], None),
    ("sales", "group", "closed", "sales.head", ["accounts.head", "inside.head", "ceo"], None),
    ("board", "group", "secret", "ceo", ["cto", "cfo", "sales.head", "marketing.head"], None),
    (
        "relaunch",
        "project",
        "open",
        "marketing.head",
        ["designer", "content", "seo", "backend1", "devops"],
        (-30, 60),
    ),
    ("erp", "project", "closed", "cfo", ["accountant", "payroll", "backend2", "architect"], (-90, 120)),
    (
        "mobile",
        "project",
        "secret",
        "cto",
        ["mobile.lead", "ios", "android", "mobile.qa", "platform.lead"],
        (-10, 150),
    ),
]

# key -> (name, description)
GROUP_TEXTS = {
    "en": {
        "news": ("Company news", "Announcements and news for everybody."),
        "books": ("Book club", "One book a month, discussed on Fridays."),
        "sales": ("Sales leadership", "Heads of sales teams: pipeline reviews and targets."),
        "board": ("Board", "The management board."),
        "relaunch": ("Website relaunch", "New corporate website with the online store."),
        "erp": ("ERP migration", "Moving accounting and warehouse to the new ERP."),
        "mobile": ("Mobile app 2.0", "The next major version of the mobile app."),
    },
    "ru": {
        "news": ("Новости компании", "Объявления и новости для всех сотрудников."),
        "books": ("Книжный клуб", "Одна книга в месяц, обсуждаем по пятницам."),
        "sales": ("Руководители продаж", "Руководители отделов продаж: разбор воронки и планы."),
        "board": ("Правление", "Правление компании."),
        "relaunch": ("Новый сайт", "Новый корпоративный сайт с интернет-магазином."),
        "erp": ("Переход на новую ERP", "Перенос бухгалтерии и склада в новую ERP-систему."),
        "mobile": ("Мобильное приложение 2.0", "Следующая большая версия мобильного приложения."),
    },
}


def demo_group_name(key: str) -> str:
    """The name of a demo group in the demo's language."""
    return in_demo_language(GROUP_TEXTS)[key][0]


def demo_group(key: str):
    """The demo group with this key, or None."""
    from .models import Workgroup

    return Workgroup.objects.filter(name=demo_group_name(key)).first()


def seed_demo_groups(*, stdout=None) -> dict[str, int]:
    """Create (or complete) the demo groups and projects and their memberships. Returns what it created."""
    from django.contrib.auth import get_user_model

    from . import services as group_services
    from .models import Membership, Workgroup

    created = {"groups": 0, "memberships": 0}
    everyone = list(get_user_model().objects.filter(email__endswith=f"@{DEMO_DOMAIN}", is_active=True))
    by_local = {u.email.split("@")[0]: u for u in everyone}
    texts = in_demo_language(GROUP_TEXTS)
    today = datetime.date.today()  # noqa: DTZ011 - demo dates only need the calendar day
    for key, kind, visibility, owner_local, members, dates in GROUPS:
        name, description = texts[key]
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
    return created
