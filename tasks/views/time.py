"""Tasks: the task page's time block: the timer and manual time entries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms.fields import form_errors
from ..forms.time import TimeEntryForm
from .task_page import _attempt, _respond, _task


@login_required
@require_POST
def timer_start(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    errors = _attempt(lambda: services.timer_start(actor=request.user, task=task))
    return _respond(request, pk, "time", errors=errors, success=_("The timer runs."))


@login_required
@require_POST
def timer_stop(request: HttpRequest, pk: int) -> HttpResponse:
    _task(request, pk)
    errors = _attempt(lambda: services.timer_stop(actor=request.user))
    return _respond(request, pk, "time", errors=errors, success=_("The timer is stopped."))


@login_required
@require_POST
def time_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = TimeEntryForm(request.POST)
    keep = {"time_form": form}
    if not form.is_valid():
        return _respond(request, pk, "time", errors=form_errors(form), keep=keep)
    errors = _attempt(
        lambda: services.time_entry_add(
            actor=request.user, task=task, seconds=form.seconds(), comment=form.cleaned_data["comment"]
        )
    )
    return _respond(request, pk, "time", errors=errors, keep=keep, success=_("Time added."))


@login_required
@require_POST
def time_entry_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    _task(request, pk)
    entry = selectors.time_entry_get(user=request.user, pk=entry_pk)
    if entry.task_id != pk:
        raise Http404("No such time entry in this task.")
    errors = _attempt(lambda: services.time_entry_delete(actor=request.user, entry=entry))
    return _respond(request, pk, "time", errors=errors, success=_("Time entry deleted."))
