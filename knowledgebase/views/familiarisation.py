"""Pages of familiarisation: campaigns (the list, starting one, the progress per person, closing one), the
"I have read and understood" block at the end of a page (loaded by htmx), my reading list, and one person's
open requests (the control dashboard's cell)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid
from portal.core.htmx import partial_or_redirect, render_htmx

from ..filters.familiarisation import CampaignFilterSet, ReadingFilterSet
from ..forms.familiarisation import CampaignForm, confirm_answers
from ..models.familiarisation import ReadingState
from ..selectors import familiarisation as selectors
from ..selectors.discussion import page_readable
from ..selectors.spaces import space_get, space_may_edit
from ..services import familiarisation as services

LIST_PAGE_SIZE = 50
READING_BLOCK = "knowledgebase/familiarisation/partials/confirm.html"


def _add_errors(form, exc: Invalid) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
    for key, errors in exc.fields.items():
        form.add_error(key if key in form.fields else None, errors)


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The campaigns the viewer may see (started, answered for, asked, or asked of their people)."""
    base = selectors.campaign_list(user=request.user)
    filterset = CampaignFilterSet(request.GET, queryset=base, request=request)
    campaigns = filterset.qs if filterset.is_valid() else base.none()
    page_obj = Paginator(campaigns, LIST_PAGE_SIZE).get_page(request.GET.get("p"))
    return render_htmx(
        request,
        "knowledgebase/familiarisation/list.html",
        {
            "page_obj": page_obj,
            "campaigns": list(page_obj.object_list),
            "filterset": filterset,
            "nav_area": "kb",
        },
        partial="knowledgebase/familiarisation/partials/campaign_rows.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    """?space=<id>[&page=<id>]: start a campaign for pages of a space (its editors)."""
    text = request.GET.get("space") or request.POST.get("space") or ""
    if not text.isdecimal():
        raise Http404("No space.")
    space = space_get(user=request.user, pk=int(text))
    if not space_may_edit(user=request.user, space=space):
        raise Http404("Not an editor of the space.")
    initial = {}
    if (request.GET.get("page") or "").isdecimal():
        initial["pages"] = [int(request.GET["page"])]
    form = CampaignForm(request.POST or None, user=request.user, space=space, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                campaign = services.campaign_create(actor=request.user, **form.service_kwargs())
            except Invalid as exc:
                _add_errors(form, exc)
            else:
                from django.contrib import messages

                messages.success(request, _("The campaign is started: everyone asked has been told."))
                return redirect(campaign.get_absolute_url())
    return render_htmx(
        request,
        "knowledgebase/familiarisation/create.html",
        {"form": form, "space": space, "nav_area": "kb"},
        status=status,
    )


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress per person (read, not read, overdue): everyone for the campaign's editors, their own
    people for a supervisor, themselves for the others. `?state=` keeps one state."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    state = request.GET.get("state", "")
    state = state if state in ReadingState.values else ""
    every = selectors.campaign_progress(user=request.user, campaign=campaign)
    lines = [line for line in every if line.state == state] if state else every
    context = {
        "campaign": campaign,
        "lines": lines,
        "summary": selectors.progress_summary(every),
        "state": state,
        "states": ReadingState.choices,
        "may_manage": services.may_manage(request.user, campaign),
        "pages": list(campaign.pages.order_by("title", "id")),
        "today": timezone.localdate(),
        "nav_area": "kb",
    }
    return render_htmx(
        request,
        "knowledgebase/familiarisation/detail.html",
        context,
        partial="knowledgebase/familiarisation/partials/progress.html",
    )


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    services.campaign_close(actor=request.user, campaign=campaign)
    return partial_or_redirect(request, campaign.get_absolute_url(), success=_("The campaign is closed."))


def _reading_context(request, page, *, errors=()) -> dict:
    return {
        "page": page,
        "reading": selectors.page_reading(user=request.user, page=page),
        "errors": list(errors),
    }


@login_required
@require_GET
def page_reading(request: HttpRequest, pk: int) -> HttpResponse:
    """The end of a page: "I have read and understood" when someone asked the viewer to read it."""
    page = page_readable(request.user, pk)
    return render_htmx(
        request,
        "knowledgebase/familiarisation/reading.html",
        _reading_context(request, page),
        partial=READING_BLOCK,
    )


@login_required
@require_POST
def reading_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    page = page_readable(request.user, pk)
    errors: list[str] = []
    try:
        services.reading_confirm(actor=request.user, page=page, answers=confirm_answers(request.POST))
    except Invalid as exc:
        errors = [m for messages in exc.fields.values() for m in messages] or [exc.message]
    return partial_or_redirect(
        request,
        page.get_absolute_url(),
        partial=READING_BLOCK,
        context=lambda: _reading_context(request, page, errors=errors),
        errors=errors,
        success=_("Thank you: your confirmation is recorded."),
        trigger="kbReadingConfirmed" if not errors else None,
    )


@login_required
@require_GET
def reading_list(request: HttpRequest) -> HttpResponse:
    """What I am asked to read, the nearest deadline first."""
    base = selectors.reading_list(user=request.user)
    filterset = ReadingFilterSet(request.GET, queryset=base, request=request)
    rows = filterset.qs if filterset.is_valid() else base.none()
    page_obj = Paginator(rows, LIST_PAGE_SIZE).get_page(request.GET.get("p"))
    return render_htmx(
        request,
        "knowledgebase/familiarisation/reading_list.html",
        {
            "page_obj": page_obj,
            "rows": list(page_obj.object_list),
            "person": request.user,
            "today": timezone.localdate(),
            "nav_area": "kb",
        },
    )


@login_required
@require_GET
def reading_person(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's open requests as the viewer may see them: the control dashboard's cell leads here, and opens
    the list in place (htmx: the rows only)."""
    person, base = selectors.reading_person(user=request.user, person_id=pk)
    filterset = ReadingFilterSet(request.GET, queryset=base, request=request)
    rows = filterset.qs if filterset.is_valid() else base.none()
    page_obj = Paginator(rows, LIST_PAGE_SIZE).get_page(request.GET.get("p"))
    return render_htmx(
        request,
        "knowledgebase/familiarisation/reading_list.html",
        {
            "page_obj": page_obj,
            "rows": list(page_obj.object_list),
            "person": person,
            "today": timezone.localdate(),
            "nav_area": "kb",
        },
        partial="knowledgebase/familiarisation/partials/reading_rows.html",
    )


urls = [
    path("campaigns/", campaign_list, name="campaign_list"),
    path("campaigns/new/", campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/close/", campaign_close, name="campaign_close"),
    path("pages/<int:pk>/reading/", page_reading, name="page_reading"),
    path("pages/<int:pk>/confirm/", reading_confirm, name="reading_confirm"),
    path("reading/", reading_list, name="reading_list"),
    path("reading/people/<int:pk>/", reading_person, name="reading_person"),
]
