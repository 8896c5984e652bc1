"""CRM pages: merging two records of the same kind. `crm:merge` (entity, pk) asks for the other record, then
shows both side by side with a radio per differing field; posting merges the other one into this one. The first
step offers the record's possible duplicates (`crm:merge_suggestions` shows them on the record page too, loaded
after it: a record the intake made from a store order, an e-mail or a call was created without anybody asked)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.core.errors import Invalid, NotFound
from portal.core.htmx import redirect_htmx, render_htmx

from ..choices import Action, Entity
from ..forms.merges import MergeForm, MergePickForm
from ..selectors.duplicates import duplicates_of
from ..selectors.records import record_get
from ..services.merges import record_merge

NAV = "crm"
TABS = {Entity.CONTACT: "contacts", Entity.COMPANY: "companies", Entity.LEAD: "leads"}


def _records(user, entity: str, pk: int, other: int | None):
    """Both records, each one the person may edit and delete (404 otherwise)."""
    if entity not in TABS:
        raise NotFound()
    kept = record_get(user=user, entity=entity, pk=pk, action=Action.EDIT)
    record_get(user=user, entity=entity, pk=pk, action=Action.DELETE)
    if other is None:
        return kept, None
    if other == kept.pk:
        raise NotFound()
    merged = record_get(user=user, entity=entity, pk=other, action=Action.EDIT)
    record_get(user=user, entity=entity, pk=other, action=Action.DELETE)
    return kept, merged


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    user = request.user
    raw = request.POST.get("with") or request.GET.get("with")
    other = int(raw) if raw and raw.isdecimal() and len(raw) < 19 else None
    kept, merged = _records(user, entity, pk, other)
    context = {"entity": entity, "kept": kept, "merged": merged, "nav_area": NAV, "crm_tab": TABS[entity]}
    if merged is None:
        pick = MergePickForm(user=user, entity=entity)
        suggestions = duplicates_of(user=user, entity=entity, record=kept)
        return render_htmx(
            request, "crm/merges/pick.html", {**context, "pick": pick, "suggestions": suggestions}
        )
    form = MergeForm(request.POST if request.method == "POST" else None, kept=kept, merged=merged)
    context["form"] = form
    context["swap_url"] = reverse("crm:merge", args=[entity, merged.pk]) + f"?with={kept.pk}"
    if request.method == "POST" and form.is_valid():
        try:
            record_merge(actor=user, kept=kept, merged=merged, choices=form.choices())
        except Invalid as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The records are merged."))
            return redirect_htmx(request, kept.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render_htmx(request, "crm/merges/merge.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def merge_suggestions(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    """The record page's notice of possible duplicates (empty when there are none or the person may not merge)."""
    kept, _merged = _records(request.user, entity, pk, None)
    suggestions = duplicates_of(user=request.user, entity=entity, record=kept)
    context = {"entity": entity, "kept": kept, "suggestions": suggestions}
    return render(request, "crm/merges/partials/suggestions.html", context)


urls = [
    path("merge/<str:entity>/<int:pk>/", merge, name="merge"),
    path("merge/<str:entity>/<int:pk>/suggestions/", merge_suggestions, name="merge_suggestions"),
]
