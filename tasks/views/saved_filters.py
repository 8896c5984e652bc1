"""Tasks: saving and deleting a named filter of the list pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms.saved_filters import SavedFilterForm
from .task_page import _safe_next


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        saved = form.save(actor=request.user)
        if saved is not None:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
            return redirect(reverse("tasks:home") + (f"?{saved.query}" if saved.query else ""))
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(reverse("tasks:home") + (f"?{query}" if query else ""))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = selectors.saved_filter_get(user=request.user, pk=pk)
    services.saved_filter_delete(actor=request.user, saved_filter=saved)
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect(_safe_next(request, reverse("tasks:home")))
