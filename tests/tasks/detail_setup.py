"""The task the task-page tests meet: people in every role of the permission matrix, and one of each thing
the page shows (checklist item, comment, file, time entry, links)."""

from __future__ import annotations

from types import SimpleNamespace

from django.test import Client

from tasks.choices import MemberRole
from tasks.models import Task
from tests.tasks.factories import (
    ChecklistItemFactory,
    TaskCommentFactory,
    TaskFactory,
    TaskFileFactory,
    TaskLinkFactory,
    TaskMemberFactory,
    TimeEntryFactory,
)


def lay_task(org, **kwargs) -> SimpleNamespace:
    """Created by sales_rep for field_rep (responsible), so that sales_head (the `supervisor` role, head of
    Sales above East Field) sees it; east_rep (the `member` role) is a participant. The task has a
    checklist item, a comment and a time entry by east_rep, a file attached by field_rep, a task linked
    before it (`other`) and a spare task to link (`spare`), both also seen by east_rep."""
    task = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, title="Prepare the fair", **kwargs)
    TaskMemberFactory(task=task, user=org.east_rep, role=MemberRole.PARTICIPANT)
    item = ChecklistItemFactory(task=task, text="Book the stand", position=0)
    comment = TaskCommentFactory(task=task, author=org.east_rep, body="I can help with the stand.")
    task_file = TaskFileFactory(task=task, uploaded_by=org.field_rep, name="floor-plan.txt")
    entry = TimeEntryFactory(task=task, user=org.east_rep, seconds=3600)
    other = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, title="Order the brochures")
    TaskMemberFactory(task=other, user=org.east_rep, role=MemberRole.PARTICIPANT)
    spare = TaskFactory(creator=org.sales_rep, responsible=org.field_rep, title="Invite the clients")
    TaskMemberFactory(task=spare, user=org.east_rep, role=MemberRole.PARTICIPANT)
    link = TaskLinkFactory(predecessor=other, successor=task)
    Task.objects.filter(pk=task.pk).update(
        checklist_count=1, comments_count=1, files_count=1, time_spent=3600
    )
    task.refresh_from_db()
    return SimpleNamespace(
        task=task,
        item=item,
        comment=comment,
        file=task_file,
        entry=entry,
        other=other,
        spare=spare,
        link=link,
    )


def page_client(user) -> Client:
    """A browser-like client (forms posted as multipart, like a browser does)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


HTMX = {"HTTP_HX_REQUEST": "true"}
