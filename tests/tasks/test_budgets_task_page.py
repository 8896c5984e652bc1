"""Query budgets of the task page: the same number of queries with one of everything as with many
subtasks, comments, checklist items, files, links, time entries, people, tags and history rows."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.core.audit import audit_record
from tasks.choices import MemberRole, TaskStatus
from tasks.models import Task, TaskView
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

# A repeat visit with nothing new: session, user, the task with its people (and whether the viewer has a
# comment to see: then nothing is written, no "seen" row moved, no recount), for a supervisor whether they
# see it, one query per block that has rows (the stored counts tell which have none), the layout's counters.
# 15 for the creator, 17 for a supervisor (visibility is asked of the task and of the links' other ends), each
# with whether the responsible person is away (core absences, one query).
PAGE_BUDGET = 17
# A first visit (a comment the person has not seen): the seen mark is written as well (one upsert).
PAGE_FIRST_VISIT_BUDGET = 18
WRITE_BUDGET = 26  # a comment: the service, then the comments block and the history (26 today)
BLOCK_BUDGET = 5  # session, user, the task and its people, the block


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
    Task.objects.filter(pk=task.pk).update(subtasks_count=1)  # as the services keep it


def _visits(client, address, viewer, task, captured):
    """The page loaded on a first visit (the viewer has never looked: every comment is new to them) and on a
    repeat visit with nothing new; each answers its queries and whether it scheduled work after commit."""

    def visit(first: bool) -> tuple[int, int, str]:
        if first:
            TaskView.objects.filter(task=task, user=viewer).delete()
        with CaptureQueriesContext(connection) as ctx, captured(execute=False) as callbacks:
            response = client.get(address)
        assert response.status_code == 200
        sql = "\n".join(q["sql"][:200] for q in ctx.captured_queries)
        return len(ctx.captured_queries), len(callbacks), sql

    return visit


def _assert_page_budgets(org, task, viewer, captured):
    """Both states of the page (first visit, repeat visit with nothing new) cost the same number of queries
    with one of everything and with many; the repeat visit writes nothing and schedules no recount."""
    client = page_client(viewer)
    address = reverse("tasks:detail", args=[task.pk])
    assert client.get(address).status_code == 200  # the process's caches (company, content types) warm up
    visit = _visits(client, address, viewer, task, captured)
    counts = {}
    for grown in (False, True):
        if grown:
            _grow(org, task)()
        first, first_jobs, first_sql = visit(first=True)
        seen_at = TaskView.objects.get(task=task, user=viewer).seen_at
        assert first_jobs == 1, "the first visit schedules the recount of the viewer's unseen comments"
        repeat, repeat_jobs, repeat_sql = visit(first=False)
        assert TaskView.objects.get(task=task, user=viewer).seen_at == seen_at
        assert repeat_jobs == 0, "nothing new: no recount"
        assert not any(word in repeat_sql for word in ("INSERT", "UPDATE", "DELETE")), repeat_sql
        assert first <= PAGE_FIRST_VISIT_BUDGET, f"{first} queries > {PAGE_FIRST_VISIT_BUDGET}:\n{first_sql}"
        assert repeat <= PAGE_BUDGET, f"{repeat} queries > {PAGE_BUDGET}:\n{repeat_sql}"
        counts[grown] = (first, repeat)
    assert counts[True] == counts[False], f"queries grew with rows: {counts[False]} -> {counts[True]}"


def test_task_page_queries_do_not_grow_with_its_contents(org, django_capture_on_commit_callbacks):
    parent = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, title="The fair programme")
    laid = lay_task(org, parent=parent)
    _one_subtask(org, laid.task)
    # The creator: every block and form is shown.
    _assert_page_budgets(org, laid.task, org.sales_rep, django_capture_on_commit_callbacks)
    page = page_client(org.sales_rep).get(reverse("tasks:detail", args=[laid.task.pk])).content.decode()
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


def test_a_supervisor_sees_the_page_in_the_same_budget(org, django_capture_on_commit_callbacks):
    laid = lay_task(org)
    _one_subtask(org, laid.task)
    # Visibility through the department tree.
    _assert_page_budgets(org, laid.task, org.sales_head, django_capture_on_commit_callbacks)


def test_one_block_for_htmx_stays_small(org):
    laid = lay_task(org)
    client = page_client(org.east_rep)
    address = reverse("tasks:detail_block", args=[laid.task.pk, "checklist"])

    def load():
        assert client.get(address, **HTMX).status_code == 200

    load()
    assert_query_budget(load, _grow(org, laid.task), budget=BLOCK_BUDGET)
