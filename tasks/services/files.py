"""Tasks: files attached to a task (through core's attachments upload checks)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.attachments import attachment_files_discard, attachment_store
from portal.core.audit import audit_record

from .. import selectors
from ..models import Task, TaskFile
from .effects import _bump
from .validation import _require, _require_visible

__all__ = [
    "file_attach",
    "file_delete",
]
FILE_MAX_BYTES_DEFAULT = 20 * 1024 * 1024


# --- files -------------------------------------------------------------------------------------------


def _file_max_bytes() -> int:
    return int(getattr(settings, "TASKS_FILE_MAX_BYTES", FILE_MAX_BYTES_DEFAULT))


@transaction.atomic
def file_attach(*, actor, task: Task, upload) -> TaskFile:
    """Attach a file to a task (its participants). Empty files and files over TASKS_FILE_MAX_BYTES
    (default 20 MB) are refused; the name is sanitised, the type detected from the bytes and the stored name
    made unguessable (core attachments)."""
    _require_visible(actor, task)
    _require(selectors.can_participate(actor, task), _("Only the task's participants attach files."))
    task_file = attachment_store(
        model=TaskFile, actor=actor, upload=upload, max_bytes=_file_max_bytes(), task=task
    )
    name, size = task_file.name, task_file.size
    _bump(task, files_count=1)
    audit_record(actor=actor, action="task.file_attach", target=task, changes={"file": name, "size": size})
    return task_file


@transaction.atomic
def file_delete(*, actor, file: TaskFile) -> None:
    """Delete an attached file (its uploader, the task's creator, admins); the stored file goes on commit."""
    task = file.task
    _require_visible(actor, task)
    _require(
        file.uploaded_by_id == actor.pk or selectors.can_edit(actor, task),
        _("Only the person who attached the file or the task's creator may delete it."),
    )
    name = file.name
    deleted, _rows = TaskFile.objects.filter(pk=file.pk).delete()
    if not deleted:
        return
    _bump(task, files_count=-1)
    audit_record(actor=actor, action="task.file_delete", target=task, changes={"file": name})
    attachment_files_discard(file)
