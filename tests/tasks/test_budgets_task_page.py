"""Query budgets of the task page: the same number of queries with one of everything as with many
subtasks, comments, checklist items, files, links, time entries, people, tags and history rows."""

from __future__ import annotations

from django.urls import reverse

from portal.core.audit import audit_record
from tasks.choices import MemberRole, TaskStatus
from tasks.models import Task
from tests.people.factories import UserFactory
from tests.tasks.detail_setup import HTMX, lay_task, page_client
from tests.tasks.factories import (
    ChecklistItemFactory,
    TagFactory,
    TaskCommentFactory,
    TaskFactory,
    TaskFileFactory,
    TaskLinkFactory,
    TaskMemberFactory,
    TaskTagFactory,
    TimeEntryFactory,
)
from tests.utils import assert_query_budget

PAGE_BUDGET = 28  # 26 today: session, user, task + people, the seen mark, one query per block
WRITE_BUDGET = 32  # a comment: the service, then the comments block and the history
BLOCK_BUDGET = 8


def _grow(org, task, n: int = 15):
    def grow():
        people = [UserFactory(department=org.field) for _ in range(n)]
        for i, person in enumerate(people):
            role = MemberRole.PARTICIPANT if i % 2 else MemberRole.OBSERVER
            TaskMemberFactory(task=task, user=person, role=role)
            sub = TaskFactory(creator=org.sales_rep, responsible=person, parent=task, title=f"Sub {i}")
            TaskTagFactory(task=sub, tag=TagFactory(owner=org.sales_rep))
            TaskCommentFactory(task=task, author=person, body=f"@[{person.full_name}](user:{person.pk}) hi")
            ChecklistItemFactory(
                task=task, assignee=person, done_by=person, is_done=bool(i % 2), position=10 + i
            )
            TaskFileFactory(task=task, uploaded_by=person)
            TimeEntryFactory(task=task, user=person, seconds=600)
            before = TaskFactory(creator=org.sales_rep, responsible=person)
            after = TaskFactory(creator=org.sales_rep, responsible=person, status=TaskStatus.IN_PROGRESS)
            TaskLinkFactory(predecessor=before, successor=task)
            TaskLinkFactory(predecessor=task, successor=after, kind="ss")
            TaskTagFactory(task=task, tag=TagFactory(owner=org.sales_rep, name=f"t{i}"))
            audit_record(
                actor=person, action="task.update", target=task, changes={"title": [f"a{i}", f"b{i}"]}
            )
        Task.objects.filter(pk=task.pk).update(subtasks_count=n, comments_count=n + 1, checklist_count=n + 1)

    return grow


def _one_subtask(org, task):
    """Related rows are prefetched only when there are rows: start with one of everything."""
    sub = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, parent=task, title="First sub")
    TaskTagFactory(task=sub, tag=TagFactory(owner=org.sales_rep))


def test_task_page_queries_do_not_grow_with_its_contents(org):
    parent = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, title="The fair programme")
    laid = lay_task(org, parent=parent)
    _one_subtask(org, laid.task)
    client = page_client(org.sales_rep)  # the creator: every block and form is shown
    address = reverse("tasks:detail", args=[laid.task.pk])

    def load():
        response = client.get(address)
        assert response.status_code == 200

    load()  # the first visit also creates the "seen" row; later ones update it
    assert_query_budget(load, _grow(org, laid.task), budget=PAGE_BUDGET)
    page = client.get(address).content.decode()
    assert "Sub 14" in page and page.count('class="d-flex gap-2 mb-2 task-comment"') == 16


def test_a_write_answers_with_a_bounded_number_of_queries(org):
    laid = lay_task(org)
    _one_subtask(org, laid.task)
    client = page_client(org.sales_rep)
    n = {"count": 0}

    def comment():
        n["count"] += 1
        response = client.post(
            reverse("tasks:detail_comment_add", args=[laid.task.pk]), {"body": f"Note {n['count']}"}, **HTMX
        )
        assert response.status_code == 200 and b"task-error" not in response.content

    comment()
    assert_query_budget(comment, _grow(org, laid.task), budget=WRITE_BUDGET)


def test_a_supervisor_sees_the_page_in_the_same_budget(org):
    laid = lay_task(org)
    _one_subtask(org, laid.task)
    client = page_client(org.sales_head)  # visibility through the department tree
    address = reverse("tasks:detail", args=[laid.task.pk])

    def load():
        assert client.get(address).status_code == 200

    load()
    assert_query_budget(load, _grow(org, laid.task), budget=PAGE_BUDGET)


def test_one_block_for_htmx_stays_small(org):
    laid = lay_task(org)
    client = page_client(org.east_rep)
    address = reverse("tasks:detail_block", args=[laid.task.pk, "checklist"])

    def load():
        assert client.get(address, **HTMX).status_code == 200

    load()
    assert_query_budget(load, _grow(org, laid.task), budget=BLOCK_BUDGET)
