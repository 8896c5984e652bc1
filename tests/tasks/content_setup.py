"""Shared set-up of the checklist, comment, file and tag service tests: the people around one task, the
spies on search refreshes and counter recounts, and small assertions.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from tasks.choices import MemberRole
from tasks.models import ChecklistItem, Task, TaskComment, TaskFile
from tasks.services import comments, effects
from tests.tasks.factories import (
    TaskFactory,
    TaskMemberFactory,
)

# Who is who around the task of these tests (see the `people` fixture).
OK, DENIED, HIDDEN = "ok", PermissionDenied, NotFound
ROLES = ("creator", "responsible", "participant", "observer", "supervisor", "outsider", "admin")


@pytest.fixture(autouse=True)
def search_refresh(monkeypatch):
    """Records the search text refreshes the services ask for (and still runs the core's real one)."""
    calls: list[list[int]] = []
    real = effects.task_search_text_refresh

    def spy(*, task_ids):
        calls.append(list(task_ids))
        real(task_ids=task_ids)

    monkeypatch.setattr(effects, "task_search_text_refresh", spy)
    return calls


@pytest.fixture
def recounts(monkeypatch):
    """Records the counter recounts the content services schedule: [(user ids, keys)]."""
    calls: list[tuple[set[int], list[str]]] = []
    monkeypatch.setattr(
        comments, "counters_recount", lambda ids, keys=None: calls.append(({int(i) for i in ids}, list(keys)))
    )
    return calls


@pytest.fixture
def people(org):
    """The task's creator (IT head), responsible person (east rep), a participant, an observer, the
    responsible person's supervisor (who only sees it), an outsider and an admin."""
    return SimpleNamespace(
        creator=org.it_head,
        responsible=org.east_rep,
        participant=org.field_rep,
        observer=org.sales_rep,
        supervisor=org.sales_head,
        outsider=org.developer,
        admin=org.admin,
    )


@pytest.fixture
def task(people):
    task = TaskFactory(title="Prepare the offer", creator=people.creator, responsible=people.responsible)
    TaskMemberFactory(task=task, user=people.participant, role=MemberRole.PARTICIPANT)
    TaskMemberFactory(task=task, user=people.observer, role=MemberRole.OBSERVER)
    return task


def audit_actions(task: Task) -> list[str]:
    return list(
        AuditLog.objects.filter(target_id=str(task.pk), target_type__model="task")
        .order_by("id")
        .values_list("action", flat=True)
    )


def assert_numbers_right(task: Task) -> None:
    task.refresh_from_db()
    assert task.checklist_count == ChecklistItem.objects.filter(task=task).count()
    assert task.checklist_done == ChecklistItem.objects.filter(task=task, is_done=True).count()
    assert task.comments_count == TaskComment.objects.filter(task=task).count()
    assert task.files_count == TaskFile.objects.filter(task=task).count()
    last = TaskComment.objects.filter(task=task).order_by("-created_at").first()
    assert task.last_comment_at == (last.created_at if last else None)


def check(expected, call) -> None:
    if expected == OK:
        call()
    else:
        with pytest.raises(expected):
            call()


def upload(name="notes.txt", content=b"hello world", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)
