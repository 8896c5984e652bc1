"""File services: attach (through core's upload checks) and delete; size limits, storage and rights."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from portal.core.models import AuditLog
from tasks import services
from tasks.models import TaskFile
from tests.tasks import content_setup
from tests.tasks.content_setup import DENIED, HIDDEN, OK, assert_numbers_right, audit_actions, check, upload

# Fixtures shared with the other test modules of this subject.
people = content_setup.people
search_refresh = content_setup.search_refresh
task = content_setup.task


# --- files -------------------------------------------------------------------------------------------


def test_file_attach_stores_a_sanitised_file(task, people):
    task_file = services.file_attach(
        actor=people.participant, task=task, upload=upload("../../etc/my report.pdf", b"%PDF-1.4")
    )
    assert task_file.name == "my_report.pdf"
    assert task_file.content_type == "application/pdf"
    assert task_file.size == 8 and task_file.uploaded_by == people.participant
    assert task_file.file.name.startswith(f"tasks/{task.pk}/") and ".." not in task_file.file.name
    with task_file.file.open("rb") as fh:
        assert fh.read() == b"%PDF-1.4"
    assert_numbers_right(task)
    assert task.files_count == 1
    log = AuditLog.objects.get(action="task.file_attach", target_id=str(task.pk))
    assert log.changes == {"file": "my_report.pdf", "size": 8}


def test_unknown_types_are_octet_streams(task, people):
    # The type comes from the bytes, not from the name nor from what the browser said.
    data = upload("data.pdf", b"\x00\x01\x02 binary", content_type="application/pdf")
    task_file = services.file_attach(actor=people.creator, task=task, upload=data)
    assert task_file.content_type == "application/octet-stream"
    assert task_file.name == "data.pdf" and task_file.file.name.endswith(".bin")


def test_file_size_limit_comes_from_the_setting(task, people, settings):
    settings.TASKS_FILE_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        services.file_attach(actor=people.creator, task=task, upload=upload(content=b"x" * 11))
    assert "too large" in exc.value.message_dict["file"][0]
    assert services.file_attach(actor=people.creator, task=task, upload=upload(content=b"x" * 10)).pk
    task.refresh_from_db()
    assert task.files_count == 1


def test_file_size_limit_defaults_to_20_mb(task, people, settings):
    if hasattr(settings, "TASKS_FILE_MAX_BYTES"):
        del settings.TASKS_FILE_MAX_BYTES
    big = SimpleNamespace(name="big.bin", size=20 * 1024 * 1024 + 1)
    with pytest.raises(ValidationError) as exc:
        services.file_attach(actor=people.creator, task=task, upload=big)
    assert "20.0" in exc.value.message_dict["file"][0]


@pytest.mark.parametrize("content", [b"", None])
def test_empty_or_missing_files_are_refused(task, people, content):
    file = None if content is None else upload(content=content)
    with pytest.raises(ValidationError) as exc:
        services.file_attach(actor=people.creator, task=task, upload=file)
    assert "file" in exc.value.message_dict
    assert not TaskFile.objects.exists()


@pytest.mark.parametrize(
    "role, expected",
    [
        ("creator", OK),
        ("responsible", OK),
        ("participant", OK),
        ("observer", DENIED),
        ("supervisor", DENIED),
        ("outsider", HIDDEN),
        ("admin", OK),
    ],
)
def test_file_attach_rights(task, people, role, expected):
    check(expected, lambda: services.file_attach(actor=getattr(people, role), task=task, upload=upload()))
    assert TaskFile.objects.filter(task=task).exists() == (expected == OK)


@pytest.mark.parametrize(
    "role, expected",
    [
        ("participant", OK),  # the uploader
        ("creator", OK),
        ("admin", OK),
        ("responsible", DENIED),
        ("observer", DENIED),
        ("outsider", HIDDEN),
    ],
)
def test_file_delete_rights_numbers_and_storage(
    task, people, role, expected, django_capture_on_commit_callbacks
):
    task_file = services.file_attach(actor=people.participant, task=task, upload=upload())
    storage, stored = task_file.file.storage, task_file.file.name
    with django_capture_on_commit_callbacks(execute=True):
        check(expected, lambda: services.file_delete(actor=getattr(people, role), file=task_file))
    assert TaskFile.objects.filter(pk=task_file.pk).exists() == (expected != OK)
    assert storage.exists(stored) == (expected != OK)
    assert_numbers_right(task)
    if expected == OK:
        assert audit_actions(task)[-1] == "task.file_delete"


def test_stored_file_stays_until_commit(task, people, django_capture_on_commit_callbacks):
    task_file = services.file_attach(actor=people.creator, task=task, upload=upload())
    storage, stored = task_file.file.storage, task_file.file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.file_delete(actor=people.creator, file=task_file)
    assert storage.exists(stored)  # a rolled back delete must still find its file
    for callback in callbacks:
        callback()
    assert not storage.exists(stored)
