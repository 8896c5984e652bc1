"""Pages of governance: the verification badge of a page with the editor's "mark verified" action (loaded
into the page by htmx), and the list of pages waiting for the viewer's review."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.errors import Invalid
from portal.core.htmx import partial_or_redirect, render_htmx

from ..forms.governance import VerifyForm
from ..selectors import governance as selectors
from ..selectors.discussion import page_readable
from ..selectors.spaces import space_may_edit
from ..services import governance as services

BADGE = "knowledgebase/governance/partials/badge.html"
REVIEW_LIMIT = 200


def _badge_context(request, page, *, errors=()) -> dict:
    today = timezone.localdate()
    return {
        "page": page,
        "verification": selectors.page_verification(page=page, today=today),
        "may_verify": selectors.may_verify(request.user, page),
        "may_ask": space_may_edit(user=request.user, space=page.space),
        "review_due": bool(page.review_by and page.review_by <= today),
        "verify_form": VerifyForm(),
        "errors": list(errors),
    }


@login_required
@require_GET
def page_governance(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's "verified on <date> by <person>" badge, and the editor's "mark verified" form."""
    page = page_readable(request.user, pk)
    return render_htmx(
        request, "knowledgebase/governance/page.html", _badge_context(request, page), partial=BADGE
    )


@login_required
@require_POST
def page_verify(request: HttpRequest, pk: int) -> HttpResponse:
    page = page_readable(request.user, pk)
    form = VerifyForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.page_verify(
                actor=request.user, page=page, next_review=form.cleaned_data.get("next_review")
            )
        except Invalid as exc:
            errors = [m for messages in exc.fields.values() for m in messages] or [exc.message]
    else:
        errors = [m for messages in form.errors.values() for m in messages]
    page = page_readable(request.user, pk)
    return partial_or_redirect(
        request,
        page.get_absolute_url(),
        partial=BADGE,
        context=lambda: _badge_context(request, page, errors=errors),
        errors=errors,
        success=_("The page is marked verified."),
    )


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    """The pages the viewer answers for whose review-by date has come."""
    pages = list(selectors.pages_to_review(user=request.user)[:REVIEW_LIMIT])
    return render_htmx(
        request,
        "knowledgebase/governance/reviews.html",
        {"pages": pages, "today": timezone.localdate(), "nav_area": "kb"},
    )


urls = [
    path("pages/<int:pk>/governance/", page_governance, name="page_governance"),
    path("pages/<int:pk>/verify/", page_verify, name="page_verify"),
    path("reviews/", review_list, name="review_list"),
]
