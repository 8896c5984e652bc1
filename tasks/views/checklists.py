"""Tasks: the task page's checklist block."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms.checklists import ChecklistItemForm
from ..forms.fields import form_errors, parse_ids
from .task_page import _attempt, _respond, _task


def _item(request, pk, item_pk):
    _task(request, pk)
    item = selectors.checklist_item_get(user=request.user, pk=item_pk)
    if item.task_id != pk:
        raise Http404("No such checklist item in this task.")
    return item


@login_required
@require_POST
def checklist_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = ChecklistItemForm(request.POST)
    keep = {"checklist_form": form}
    if not form.is_valid():
        return _respond(request, pk, "checklist", errors=form_errors(form), keep=keep)
    data = form.cleaned_data
    errors = _attempt(
        lambda: services.checklist_item_add(
            actor=request.user, task=task, text=data["text"], assignee=data["assignee"]
        )
    )
    return _respond(request, pk, "checklist", errors=errors, keep=keep, success=_("Item added."))


@login_required
@require_POST
def checklist_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    form = ChecklistItemForm(request.POST)
    keep = {"checklist_edit_form": form, "checklist_edit_pk": item.pk}
    if not form.is_valid():
        return _respond(request, pk, "checklist", errors=form_errors(form), keep=keep)
    data = form.cleaned_data
    errors = _attempt(
        lambda: services.checklist_item_update(
            actor=request.user, item=item, text=data["text"], assignee=data["assignee"]
        )
    )
    return _respond(request, pk, "checklist", errors=errors, keep=keep, success=_("Saved."))


@login_required
@require_POST
def checklist_toggle(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    done = {"1": True, "0": False}.get(request.POST.get("done", ""))
    errors = _attempt(lambda: services.checklist_item_toggle(actor=request.user, item=item, done=done))
    return _respond(request, pk, "checklist", errors=errors)


@login_required
@require_POST
def checklist_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    errors = _attempt(lambda: services.checklist_item_delete(actor=request.user, item=item))
    return _respond(request, pk, "checklist", errors=errors, success=_("Item deleted."))


@login_required
@require_POST
def checklist_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """The new order of the items: repeated `item` fields (drag and drop) or `order` = "3,1,2" (buttons)."""
    task = _task(request, pk)
    ids = parse_ids(request.POST.getlist("item") + request.POST.getlist("order"))
    if not ids:
        return _respond(request, pk, "checklist", errors=[_("The new order of the items is missing.")])
    errors = _attempt(lambda: services.checklist_reorder(actor=request.user, task=task, item_ids=ids))
    return _respond(request, pk, "checklist", errors=errors)
