"""The task page and its htmx parts (filled by the task-page work)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def task_detail(request, pk):  # pragma: no cover - stub
    return HttpResponse("")
