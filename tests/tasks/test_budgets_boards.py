"""Query budgets of the boards: the Kanban page, the plan page and the Gantt data cost as many queries
with many tasks (tags, subtasks, links, helpers, placed cards) as with ten."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks import services
from tasks.choices import MemberRole, TaskStatus
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks.factories import TagFactory, TaskFactory, TaskLinkFactory, TaskMemberFactory, TaskTagFactory
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db

STATUSES = itertools.cycle(
    [
        TaskStatus.NEW,
        TaskStatus.PENDING,
        TaskStatus.IN_PROGRESS,
        TaskStatus.AWAITING_CONTROL,
        TaskStatus.DEFERRED,
    ]
)


@pytest.fixture
def scene(org):
    """`add(n)` lays n tasks of east_rep in a project: tags, a parent with subtasks, links, a helper."""
    me = org.east_rep
    group = WorkgroupFactory()
    MembershipFactory(group=group, user=me)
    tags = [TagFactory(owner=me) for _ in range(3)]
    made = []

    def add(n: int) -> None:
        start = timezone.now()
        for i in range(n):
            parent = made[-1] if made and i % 4 else None
            task = TaskFactory(
                creator=org.east_head if i % 2 else me,
                responsible=me,
                group=group,
                parent=parent,
                status=next(STATUSES),
                deadline=start + datetime.timedelta(days=i - 3),
                planned_start=start + datetime.timedelta(days=i) if i % 3 else None,
                planned_end=start + datetime.timedelta(days=i + 2) if i % 3 else None,
            )
            TaskTagFactory(task=task, tag=tags[i % 3])
            if i % 2:
                TaskTagFactory(task=task, tag=tags[(i + 1) % 3])
            TaskMemberFactory(task=task, user=org.field_rep, role=MemberRole.PARTICIPANT)
            if made:
                TaskLinkFactory(predecessor=made[-1], successor=task)
            made.append(task)

    add(10)
    return {"me": me, "group": group, "add": add, "made": made}


def test_kanban_page_budget(scene):
    client = client_as(scene["me"])
    url = reverse("tasks:kanban")
    fetch = lambda: client.get(url)  # noqa: E731
    assert fetch().status_code == 200
    assert_query_budget(fetch, lambda: scene["add"](40), budget=8)


def test_plan_page_budget(scene):
    me = scene["me"]
    client = client_as(me)
    url = reverse("tasks:plan")
    assert client.get(url).status_code == 200  # the first visit makes the columns
    columns = services.plan_ensure_columns(actor=me)
    for task in scene["made"][:3]:  # placed and not placed cards from the start
        services.plan_card_move(actor=me, task=task, column=columns[1], position=0)

    def grow():
        scene["add"](40)
        for i, task in enumerate(scene["made"][10:30]):
            services.plan_card_move(actor=me, task=task, column=columns[i % len(columns)], position=0)

    assert_query_budget(lambda: client.get(url), grow, budget=12)


def test_gantt_data_budget(scene):
    client = client_as(scene["me"])
    url = reverse("tasks:gantt_data")
    params = {"group": scene["group"].pk}
    fetch = lambda: client.get(url, params)  # noqa: E731
    assert len(fetch().json()["tasks"]) > 0
    assert_query_budget(fetch, lambda: scene["add"](40), budget=5)
    data = fetch().json()
    assert len(data["tasks"]) + len(data["unscheduled"]) == 50
    assert any(row["dependencies"] for row in data["tasks"])


def test_kanban_swimlanes_and_more_budgets(scene):
    """A project board in rows by person, and a column's next cards, cost the same at 10 or 50 tasks."""
    client = client_as(scene["me"])
    lanes = lambda: client.get(  # noqa: E731
        reverse("tasks:kanban"), {"group": scene["group"].pk, "swimlanes": "responsible"}
    )
    more = lambda: client.get(reverse("tasks:kanban_more"), {"status": "new", "offset": "1"})  # noqa: E731
    assert lanes().status_code == 200 and more().status_code == 200
    assert_query_budget(lanes, lambda: scene["add"](40), budget=9)
    assert_query_budget(more, lambda: scene["add"](40), budget=7)
