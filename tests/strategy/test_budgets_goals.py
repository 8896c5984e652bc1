"""Query budgets: the goal register, the strategy map and the project register cost the same number of
queries with 10 and with 1,000 rows (and the API lists likewise)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.groups.choices import GroupKind, MemberRole
from portal.groups.models import Membership, Workgroup
from strategy.choices import GoalHorizon
from strategy.models import Goal, GoalProjectLink, ProjectStatusNote
from tests.strategy.factories import YEAR, GoalFactory
from tests.tasks.factories import TaskFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db


def _seed(count: int, owner) -> None:
    """`count` goals under one strategic goal, each with a project (with an owner, a note and a task)."""
    top = GoalFactory(owner=owner, horizon=GoalHorizon.STRATEGIC, title="Top")
    goals = Goal.objects.bulk_create(
        [
            Goal(
                title=f"Goal {i}",
                horizon=GoalHorizon.ANNUAL,
                period_start=datetime.date(YEAR, 1, 1),
                period_end=datetime.date(YEAR, 12, 31),
                owner=owner,
                parent=top,
                progress=Decimal("0.3"),
            )
            for i in range(count)
        ]
    )
    projects = Workgroup.objects.bulk_create(
        [
            Workgroup(
                name=f"Project {i}",
                kind=GroupKind.PROJECT,
                start_date=datetime.date(YEAR, 1, 1),
                end_date=datetime.date(YEAR, 12, 31),
            )
            for i in range(count)
        ]
    )
    GoalProjectLink.objects.bulk_create(
        [
            GoalProjectLink(goal=g, project=p, weight=Decimal("1"))
            for g, p in zip(goals, projects, strict=True)
        ]
    )
    Membership.objects.bulk_create([Membership(group=p, user=owner, role=MemberRole.OWNER) for p in projects])
    week = datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    ProjectStatusNote.objects.bulk_create(
        [ProjectStatusNote(project=p, author=owner, week=week, rag="amber", text="Late") for p in projects]
    )
    for project in projects[:5]:
        TaskFactory(group=project, responsible=owner, creator=owner)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        reverse("strategy:goal_register"),
        reverse("strategy:goal_register") + "?horizon=annual&status=active",
        reverse("strategy:goal_map"),
        reverse("strategy:project_register"),
        reverse("strategy:project_register") + "?status=active",
        reverse("strategy:home"),
        "/api/v1/strategy/goals/",
        "/api/v1/strategy/projects/",
    ],
)
def test_lists_cost_the_same_with_10_and_1000_rows(org, url):
    client = client_as(org.east_rep)
    client.get(reverse("strategy:home"))  # the session's first request reads more (the login, the language)
    _seed(10, org.ceo)
    small = _count(client, url)
    _seed(990, org.ceo)
    large = _count(client, url)
    assert large == small, f"{url}: {small} queries with 10 rows, {large} with 1,000"
    assert small <= 20, f"{url}: {small} queries"


def test_the_map_draws_every_visible_goal_and_project(org):
    _seed(12, org.ceo)
    page = client_as(org.east_rep).get(reverse("strategy:goal_map")).content.decode()
    assert page.count('data-kind="goal"') == 13
    assert page.count('data-kind="project"') == 12
    assert "<script>" not in page.split("</head>")[1].replace('<script src="', "")


def test_the_map_draws_at_most_its_limit_and_says_so(org, monkeypatch):
    from strategy.selectors import goals as goal_selectors

    monkeypatch.setattr(goal_selectors, "MAP_LIMIT", 5)
    _seed(12, org.ceo)
    client = client_as(org.east_rep)

    page = client.get(reverse("strategy:goal_map")).content.decode()
    assert page.count('data-kind="goal"') == 5 and 'id="strategy-map-truncated"' in page
    assert ">Top<" in page or "Top</" in page  # the strategic goal, the longest horizon, comes first
    narrowed = client.get(reverse("strategy:goal_map"), {"horizon": "strategic"}).content.decode()
    assert narrowed.count('data-kind="goal"') == 1 and 'id="strategy-map-truncated"' not in narrowed
