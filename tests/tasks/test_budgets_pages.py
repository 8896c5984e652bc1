"""Query budgets of the list pages: the list (full page and htmx partial, every tab), the forms and the
templates page cost the same number of queries with 10 rows as with hundreds."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from tasks.choices import MemberRole, TaskPriority, TaskStatus
from tasks.models import Tag, Task, TaskMember, TaskTag, TaskTemplate
from tasks.selectors import tasks as task_selectors
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.lists_setup import HTMX, page_client
from tests.utils import assert_query_budget

pytestmark = pytest.mark.django_db

# Session, user, company, counters and navigation are part of every page; the list adds the role counts, the
# rows with their tags, the pager's count, the filter choices (groups, tags; people are searched, not listed)
# and the saved filters.
LIST_BUDGET = 12
FORM_BUDGET = 10
EDIT_BUDGET = 14
TEMPLATES_BUDGET = 6


@pytest.fixture(autouse=True)
def _all_count_never_cached(monkeypatch):
    """The list's capped "all" count is cached for a minute per person: measure the worst case, recounted
    on every load (the cache would also keep the warm-up's count and hide a query after the growth)."""
    monkeypatch.setattr(task_selectors, "ALL_COUNT_TTL", 0)


def _lay(org, count: int, *, offset: int = 0) -> None:
    """`count` tasks around east_rep in every role, with tags, groups, members and different people."""
    people = [UserFactory() for _ in range(3)] + [org.field_rep, org.sales_rep]
    groups = [WorkgroupFactory(name=f"Group {offset}-{i}") for i in range(2)]
    for group in groups:
        MembershipFactory(group=group, user=org.east_rep)
    tags = [Tag.objects.create(owner=org.east_rep, name=f"tag {offset}-{i}") for i in range(3)]
    statuses = itertools.cycle([TaskStatus.NEW, TaskStatus.IN_PROGRESS, TaskStatus.PENDING])
    tasks = Task.objects.bulk_create(
        [
            Task(
                title=f"Task {offset + i}",
                creator=org.east_rep if i % 4 == 2 else org.sales_head,
                responsible=org.east_rep if i % 4 == 0 else people[i % len(people)],
                group=groups[i % 2] if i % 3 else None,
                status=next(statuses),
                priority=TaskPriority.HIGH if i % 5 == 0 else TaskPriority.NORMAL,
                subtasks_count=i % 3,
                comments_count=i % 4,
            )
            for i in range(count)
        ]
    )
    TaskMember.objects.bulk_create(
        [
            TaskMember(
                task=task,
                user=org.east_rep,
                role=MemberRole.PARTICIPANT if i % 4 == 1 else MemberRole.OBSERVER,
            )
            for i, task in enumerate(tasks)
            if i % 4 in (1, 3)
        ]
    )
    TaskTag.objects.bulk_create(
        [TaskTag(task=task, tag=tag) for task in tasks for tag in tags[: 1 + task.pk % 3]]
    )
    TaskTemplate.objects.bulk_create(
        [TaskTemplate(creator=org.east_rep, title=f"Template {offset + i}") for i in range(count // 10)]
    )


def _get(client, url, params=None, **extra):
    def call():
        response = client.get(url, params or {}, **extra)
        assert response.status_code == 200
        return response

    call()  # warm-up: per-process caches (content types, sessions) are not what is measured
    return call


@pytest.mark.parametrize("role", ["do", "help", "set", "observe", "all"])
def test_list_page_budget_does_not_grow(org, role):
    _lay(org, 10)
    client = page_client(org.east_rep)
    fetch = _get(client, reverse("tasks:home"), {"role": role, "sort": "deadline"})
    assert_query_budget(fetch, lambda: _lay(org, 120, offset=1000), budget=LIST_BUDGET)


def test_list_partial_with_filters_budget_does_not_grow(org):
    _lay(org, 10)
    client = page_client(org.east_rep)
    tag_ids = ",".join(str(pk) for pk in Tag.objects.values_list("pk", flat=True)[:2])
    params = {"role": "all", "tag": tag_ids, "q": "Task", "open": "all", "sort": "title"}
    fetch = _get(client, reverse("tasks:home"), params, **HTMX)
    assert_query_budget(fetch, lambda: _lay(org, 120, offset=1000), budget=LIST_BUDGET)


def test_supervisor_list_budget_does_not_grow(org):
    _lay(org, 10)
    fetch = _get(page_client(org.sales_head), reverse("tasks:home"), {"role": "all"})
    assert_query_budget(fetch, lambda: _lay(org, 120, offset=1000), budget=LIST_BUDGET)


def test_create_form_budget_does_not_grow(org):
    _lay(org, 10)
    fetch = _get(page_client(org.east_rep), reverse("tasks:create"))
    assert_query_budget(fetch, lambda: _lay(org, 120, offset=1000), budget=FORM_BUDGET)


def test_edit_form_budget_does_not_grow(org):
    _lay(org, 10)
    task = Task.objects.filter(creator=org.east_rep).first()
    fetch = _get(page_client(org.east_rep), reverse("tasks:edit", args=[task.pk]))
    assert_query_budget(fetch, lambda: _lay(org, 120, offset=1000), budget=EDIT_BUDGET)


def test_templates_page_budget_does_not_grow(org):
    _lay(org, 10)
    fetch = _get(page_client(org.east_rep), reverse("tasks:templates"))
    assert_query_budget(fetch, lambda: _lay(org, 120, offset=1000), budget=TEMPLATES_BUDGET)


def _lay_subtasks(org, count: int, *, offset: int = 0) -> None:
    """`count` subtasks east_rep does, under parents they see and parents they do not see."""
    parents = Task.objects.bulk_create(
        [
            Task(
                title=f"Parent {offset + i}",
                creator=org.sales_head if i % 2 else org.it_head,
                responsible=org.east_rep if i % 2 else org.developer,
            )
            for i in range(count)
        ]
    )
    Task.objects.bulk_create(
        [
            Task(title=f"Sub {offset + i}", creator=org.sales_head, responsible=org.east_rep, parent=parent)
            for i, parent in enumerate(parents)
        ]
    )


def test_list_budget_with_subtasks_does_not_grow(org):
    """A subtask's row names its parent without a query per row."""
    _lay_subtasks(org, 5)
    client = page_client(org.east_rep)
    fetch = _get(client, reverse("tasks:home"), {"role": "do", "q": "Sub"})
    assert_query_budget(fetch, lambda: _lay_subtasks(org, 60, offset=1000), budget=LIST_BUDGET)
    page = fetch().content.decode()
    assert page.count('class="small text-truncate task-parent lumen-maxw-32"') == 50
    assert "↳ Parent 10" in page and "Subtask of a task you cannot see" in page
