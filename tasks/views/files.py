"""Tasks: the task page's files block (upload, download through core's attachments, delete)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core.attachments import AttachmentDownloadView

from .. import selectors, services
from ..forms.fields import form_errors
from ..forms.files import FileForm
from ..models import TaskFile
from .task_page import _attempt, _respond, _task


@login_required
@require_POST
def file_upload(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = FileForm(request.POST, request.FILES)
    # A browser cannot put a file back into a file input: the form only places the error next to it.
    keep = {"file_form": form}
    if not form.is_valid():
        return _respond(request, pk, "files", errors=form_errors(form), keep=keep)
    errors = _attempt(
        lambda: services.file_attach(actor=request.user, task=task, upload=form.cleaned_data["file"])
    )
    return _respond(request, pk, "files", errors=errors, keep=keep, success=_("File attached."))


def _file(request, pk, file_pk):
    _task(request, pk)
    task_file = selectors.file_get(user=request.user, pk=file_pk)
    if task_file.task_id != pk:
        raise Http404("No such file in this task.")
    return task_file


def _task_files(request, pk: int, **_url_kwargs):
    """Files of this task that the requesting user may see (a hidden task has none)."""
    return TaskFile.objects.visible_to(request.user).filter(task_id=pk)


# Files leave only through core's permission-checked download view, always as attachments.
file_download = AttachmentDownloadView.as_view(
    queryset=_task_files, lookup_kwarg="file_pk", inline_allowed=False
)


@login_required
@require_POST
def file_delete(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    task_file = _file(request, pk, file_pk)
    errors = _attempt(lambda: services.file_delete(actor=request.user, file=task_file))
    return _respond(request, pk, "files", errors=errors, success=_("File deleted."))
