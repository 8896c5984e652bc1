"""Digest pages: my digests, one digest (its recipient or an admin; 404 for everybody else), and my digest
settings. Thin views: reads through selectors, the one write through `services.digest_preference_save`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.htmx import render_htmx

from .. import selectors, services
from ..forms.digests import DigestPreferenceForm
from ..models import headed_path

PAGE_SIZE = 20
NAV = "reports"


@login_required
@require_GET
def digest_list(request: HttpRequest) -> HttpResponse:
    """My digests, newest first."""
    page = Paginator(selectors.digest_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/digests/list.html",
        {"nav_area": NAV, "page_obj": page, "digests": page.object_list},
    )


@login_required
@require_GET
def digest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One digest with every section; an htmx request gets the sections only (the dashboard panel)."""
    digest = selectors.digest_get(user=request.user, pk=pk)
    context = {
        "nav_area": NAV,
        "digest": digest,
        "sections": selectors.digest_sections(digest),
        "base_url": "",
    }
    return render_htmx(
        request, "reports/digests/detail.html", context, partial="reports/digests/partials/sections.html"
    )


@login_required
@require_http_methods(["GET", "POST"])
def digest_settings(request: HttpRequest) -> HttpResponse:
    """When my digests arrive and whether I get the personal one."""
    preference = selectors.digest_preference_for(request.user)
    if request.method == "POST":
        form = DigestPreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.digest_preference_save(
                    actor=request.user,
                    digest_time=form.cleaned_data["digest_time"],
                    personal_digest=form.cleaned_data["personal_digest"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Your digest settings are saved."))
                return redirect("reports:digest_settings")
    else:
        form = DigestPreferenceForm(
            initial={"digest_time": preference.digest_time, "personal_digest": preference.personal_digest}
        )
    context = {
        "nav_area": NAV,
        "form": form,
        "is_supervisor": headed_path(request.user) is not None,
        "time_zone": request.user.time_zone,
    }
    return render(request, "reports/digests/settings.html", context)
