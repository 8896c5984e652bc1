"""CRM pages: "my activities" (planned first by deadline, overdue marked, done toggled in place), and an
activity's edit, done/reopen and delete actions (answering its card for htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid
from portal.core.htmx import is_htmx, partial_or_redirect, redirect_htmx, render_htmx

from ..choices import ActivityKind
from ..forms.activities import ActivityForm
from ..selectors import activities as selectors
from ..services import activities as services
from .timeline import activity_view

NAV = "crm"
PAGE_SIZE = 50


def _back(request, activity) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return selectors.activity_record_url(activity.pk) or "crm:activity_list"


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    filterset = selectors.activity_filterset(user=request.user, filters=request.GET, request=request)
    queryset = selectors.activity_list(user=request.user, filters=request.GET, request=request)
    page = Paginator(queryset.prefetch_related("files"), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    # The list shows the person's own activities, and others' they may see: changing those is checked on
    # the action (the responsible person or an editor of the record), so the card offers it to the former.
    cards = [activity_view(a, user=request.user, can_edit=False, now=now) for a in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav_area": NAV,
        "crm_tab": "activities",
        "filterset": filterset,
        "cards": cards,
        "page": page,
        "query": query.urlencode(),
        "kinds": ActivityKind.choices,
        "mine": request.GET.get("responsible", "") in ("", str(request.user.pk)),
    }
    return render_htmx(
        request, "crm/activities/list.html", context, partial="crm/activities/partials/rows.html"
    )


def _card(request, activity) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=activity.pk)
    view = activity_view(
        activity, user=request.user, can_edit=services.activity_may_change(request.user, activity)
    )
    return render(request, "crm/activities/partials/card.html", {"card": view})


@login_required
@require_POST
def activity_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """The card's checkbox: `done=1` marks it done, anything else opens it again."""
    activity = selectors.activity_get(user=request.user, pk=pk)
    done = request.POST.get("done") == "1"
    services.activity_complete(actor=request.user, activity=activity, done=done)
    return partial_or_redirect(
        request,
        _back(request, activity),
        response=lambda: _card(request, activity),
        success=_("Marked as done.") if done else _("Opened again."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    if not services.activity_may_change(request.user, activity):
        from portal.core.errors import NotAllowed

        raise NotAllowed(_("Only the responsible person or an editor of the record changes this activity."))
    form = ActivityForm(request.POST or None, user=request.user, kind=activity.kind, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=request.user, activity=activity, **form.service_values())
        except Invalid as exc:
            for field, messages in exc.message_dict.items():
                name = {"duration": "duration_minutes"}.get(field, field)
                form.add_error(name if name in form.fields else None, messages)
        else:
            if is_htmx(request):
                return _card(request, activity)
            return redirect_htmx(request, _back(request, activity))
    context = {"nav_area": NAV, "crm_tab": "activities", "form": form, "activity": activity,
               "next": _back(request, activity)}  # fmt: skip
    status = 400 if form.errors else 200
    return render_htmx(
        request,
        "crm/activities/edit.html",
        context,
        partial="crm/activities/partials/edit_form.html",
        status=status,
        partial_status=200,
    )


@login_required
@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    back = _back(request, activity)
    services.activity_delete(actor=request.user, activity=activity)
    return partial_or_redirect(request, back, success=_("Activity deleted."))


urls = [
    path("activities/", activity_list, name="activity_list"),
    path("activities/<int:pk>/edit/", activity_edit, name="activity_edit"),
    path("activities/<int:pk>/done/", activity_complete, name="activity_complete"),
    path("activities/<int:pk>/delete/", activity_delete, name="activity_delete"),
]
