"""Tasks: the task page's links block (add, remove). The task to link is found with core's chip picker
(the "tasks" lookup source, tasks/lookups.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core.errors import NotFound

from .. import selectors, services
from ..forms.fields import form_errors
from ..forms.links import LinkForm
from .task_page import _attempt, _respond, _task


@login_required
@require_POST
def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = LinkForm(request.POST, user=request.user)
    keep = {"link_form": form}
    if not form.is_valid():
        return _respond(request, pk, "links", errors=form_errors(form), keep=keep)
    data = form.cleaned_data
    try:
        other = selectors.task_get_plain(user=request.user, pk=data["other"])
    except NotFound:
        errors = [_("There is no task #%(id)s you can see.") % {"id": data["other"]}]
        return _respond(request, pk, "links", errors=errors, keep=keep)
    before = data["direction"] == "before"
    errors = _attempt(
        lambda: services.link_create(
            actor=request.user,
            predecessor=other if before else task,
            successor=task if before else other,
            kind=data["kind"],
        )
    )
    return _respond(request, pk, "links", errors=errors, keep=keep, success=_("Link added."))


@login_required
@require_POST
def link_delete(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    _task(request, pk)
    link = selectors.link_get(user=request.user, pk=link_pk)
    if pk not in (link.predecessor_id, link.successor_id):
        raise Http404("No such link of this task.")
    errors = _attempt(lambda: services.link_delete(actor=request.user, link=link))
    return _respond(request, pk, "links", errors=errors, success=_("Link removed."))
