"""Query budgets of the tasks API's lists (and the task itself): the number of queries stays the same at a
few rows and at more rows than a page holds, whatever the rows carry (people, tags, members)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tasks.choices import MemberRole
from tasks.models import ChecklistItem, Tag, Task, TaskComment, TaskLink, TaskMember, TaskTag, TimeEntry
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import TagFactory, TaskFactory
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tasks/"
MANY = 60  # more than a page (50)


def _people(n: int) -> list:
    return [UserFactory() for _ in range(n)]


def _tasks(creator, responsible, n: int, **kwargs) -> list[Task]:
    people = _people(3)
    rows = Task.objects.bulk_create(
        [
            Task(
                title=f"Bulk {i}",
                creator=creator,
                responsible=responsible if i % 2 else people[i % 3],
                **kwargs,
            )
            for i in range(n)
        ]
    )
    return rows


def _fetch(client, url, params=None):
    def fetch():
        response = client.get(url, params or {})
        assert response.status_code == 200, response.content
        return response

    fetch()  # warm the per-process caches (content types, the company) before counting
    return fetch


def test_task_list_budget(org):
    me = org.east_rep
    group = WorkgroupFactory()
    MembershipFactory(group=group, user=me)
    red = TagFactory(owner=me, name="red")
    shared = Tag.objects.create(name="team", group=group)
    for i in range(10):
        task = TaskFactory(creator=org.field_rep, responsible=me, group=group if i % 2 else None)
        TaskTag.objects.create(task=task, tag=red)
    client = client_as(me)

    def grow():
        tasks = _tasks(org.field_rep, me, MANY, group=group)
        TaskTag.objects.bulk_create([TaskTag(task=t, tag=tag) for t in tasks for tag in (red, shared)])
        TaskMember.objects.bulk_create(
            [TaskMember(task=t, user=org.sales_rep, role=MemberRole.OBSERVER) for t in tasks]
        )

    # session, user, the department the caller heads (visibility), one page (plain values), its people, its
    # visible tags
    assert_query_budget(_fetch(client, LIST, {"role": "do", "sort": "deadline"}), grow, budget=6)
    assert len(client.get(LIST).json()["results"]) == 50


def test_subtask_list_budget(org):
    parent = TaskFactory(creator=org.field_rep, responsible=org.east_rep)
    for _ in range(10):
        TaskFactory(creator=org.field_rep, responsible=org.east_rep, parent=parent)
    client = client_as(org.east_rep)
    assert_query_budget(
        _fetch(client, f"{LIST}{parent.pk}/subtasks/"),
        lambda: _tasks(org.field_rep, org.east_rep, MANY, parent=parent),
        budget=7,  # session, user, headed department, the parent, one page, its people, its visible tags
    )


def test_task_detail_budget(org):
    task = TaskFactory(creator=org.field_rep, responsible=org.east_rep)
    client = client_as(org.east_rep)

    def grow():
        people = _people(12)
        TaskMember.objects.bulk_create(
            [
                TaskMember(task=task, user=p, role=MemberRole.PARTICIPANT if i % 2 else MemberRole.OBSERVER)
                for i, p in enumerate(people)
            ]
        )
        tags = Tag.objects.bulk_create([Tag(name=f"t{i}", owner=org.east_rep) for i in range(12)])
        TaskTag.objects.bulk_create([TaskTag(task=task, tag=t) for t in tags])

    # session, user, the task with its people and members, tag scope, tags, permissions (one visibility check)
    assert_query_budget(_fetch(client, f"{LIST}{task.pk}/"), grow, budget=8)


def test_link_list_budget(org):
    client = client_as(org.field_rep)

    def link(n):
        tasks = _tasks(org.field_rep, org.east_rep, n + 1)
        TaskLink.objects.bulk_create(
            [TaskLink(predecessor=a, successor=b) for a, b in zip(tasks, tasks[1:], strict=False)]
        )

    link(10)
    # session, user, headed department, one page with both tasks joined
    assert_query_budget(_fetch(client, f"{LIST}links/"), lambda: link(MANY), budget=4)


def test_checklist_budget(org):
    task = TaskFactory(creator=org.field_rep, responsible=org.east_rep)
    people = _people(3)
    client = client_as(org.east_rep)

    def items(n, start=0):
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(
                    task=task, text=f"Step {i}", position=i, assignee=people[i % 3], done_by=people[0]
                )
                for i in range(start, start + n)
            ]
        )

    items(10)
    # session, user, headed department, the task, count, one page with the people joined
    assert_query_budget(_fetch(client, f"{LIST}{task.pk}/checklist/"), lambda: items(MANY, 10), budget=6)


def test_comment_list_budget(org):
    task = TaskFactory(creator=org.field_rep, responsible=org.east_rep)
    client = client_as(org.east_rep)

    def comments(n):
        people = _people(3)
        TaskComment.objects.bulk_create(
            [TaskComment(task=task, author=people[i % 3], body=f"Comment {i}") for i in range(n)]
        )

    comments(10)
    # session, user, headed department, the task, count, one page with the authors joined
    assert_query_budget(_fetch(client, f"{LIST}{task.pk}/comments/"), lambda: comments(MANY), budget=6)


def test_time_entry_list_budget(org):
    client = client_as(org.east_rep)
    start = timezone.now() - datetime.timedelta(days=30)

    def entries(n):
        tasks = _tasks(org.field_rep, org.east_rep, 4)
        people = _people(3)
        TimeEntry.objects.bulk_create(
            [
                TimeEntry(
                    task=tasks[i % 4],
                    user=people[i % 3],
                    started_at=start + datetime.timedelta(hours=i),
                    ended_at=start + datetime.timedelta(hours=i, minutes=30),
                    seconds=1800,
                )
                for i in range(n)
            ]
        )

    entries(10)
    # session, user, headed department, one page with the task and person joined
    assert_query_budget(_fetch(client, f"{LIST}time-entries/"), lambda: entries(MANY), budget=4)


def test_tag_list_budget(org):
    me = org.east_rep
    groups = [WorkgroupFactory() for _ in range(3)]
    for group in groups:
        MembershipFactory(group=group, user=me)
    client = client_as(me)

    def tags(n, prefix):
        Tag.objects.bulk_create(
            [
                Tag(name=f"{prefix}{i}", owner=me) if i % 2 else Tag(name=f"{prefix}{i}", group=groups[i % 3])
                for i in range(n)
            ]
        )

    tags(10, "a")
    # session, user, count, one page with the groups joined
    assert_query_budget(_fetch(client, f"{LIST}tags/"), lambda: tags(MANY, "b"), budget=4)
