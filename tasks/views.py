"""Task pages (filled by the pages work)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def task_list(request):  # pragma: no cover - stub
    return HttpResponse("")


@login_required
def task_create(request):  # pragma: no cover - stub
    return HttpResponse("")
