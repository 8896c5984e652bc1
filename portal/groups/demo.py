"""The demo company's workgroups and projects, with their members, seeded through groups' services after
the people exist. Registered as a `company` stage demo seeder (`portal.core.demo`)."""

from __future__ import annotations

import datetime

from portal.core.demo import DEMO_DOMAIN

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


def seed_demo_groups(*, stdout=None) -> dict[str, int]:
    """Create (or complete) the demo groups and projects and their memberships. Returns what it created."""
    from django.contrib.auth import get_user_model

    from . import services as group_services
    from .models import Membership, Workgroup

    created = {"groups": 0, "memberships": 0}
    everyone = list(get_user_model().objects.filter(email__endswith=f"@{DEMO_DOMAIN}", is_active=True))
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
    return created
