"""Revision pages: a page's history, one revision as it was, the diff between any two (side by side or
unified) and restoring one (a new revision)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.errors import Invalid, NotAllowed

from ..markdown import render_page_body
from ..selectors.pages import page_get
from ..selectors.revisions import revision_diff, revision_get, revision_list
from ..selectors.spaces import space_may_edit
from ..services.revisions import revision_restore
from .spaces import space_context


@login_required
@require_GET
def revision_history(request: HttpRequest, pk: int) -> HttpResponse:
    page = page_get(user=request.user, pk=pk)
    context = space_context(request, page.space)
    context.update({"page": page, "revisions": list(revision_list(user=request.user, page=page)[:500])})
    return render(request, "knowledgebase/revisions/history.html", context)


@login_required
@require_GET
def revision_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    page = page_get(user=request.user, pk=pk)
    revision = revision_get(user=request.user, page=page, number=number)
    context = space_context(request, page.space)
    context.update(
        {
            "page": page,
            "revision": revision,
            "body_html": render_page_body(user=request.user, space=page.space, text=revision.body),
        }
    )
    return render(request, "knowledgebase/revisions/detail.html", context)


def _number(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
@require_GET
def revision_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """`?from=2&to=5&mode=side|unified`: what changed between two revisions (default: the last two)."""
    page = page_get(user=request.user, pk=pk)
    new_number = _number(request.GET.get("to"), page.revision)
    old_number = _number(request.GET.get("from"), max(1, new_number - 1))
    old = revision_get(user=request.user, page=page, number=old_number)
    new = revision_get(user=request.user, page=page, number=new_number)
    mode = "unified" if request.GET.get("mode") == "unified" else "side"
    context = space_context(request, page.space)
    context.update(
        {
            "page": page,
            "old": old,
            "new": new,
            "diff": revision_diff(old=old, new=new),
            "mode": mode,
            "numbers": list(range(page.revision, 0, -1))[:500],
        }
    )
    return render(request, "knowledgebase/revisions/diff.html", context)


@login_required
@require_POST
def revision_restore_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    page = page_get(user=request.user, pk=pk)
    if not space_may_edit(user=request.user, space=page.space):
        raise NotAllowed(_("You may read this space but not edit it."))
    revision_get(user=request.user, page=page, number=number)
    try:
        revision = revision_restore(actor=request.user, page=page, number=number)
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Revision %(old)s is restored as revision %(new)s.") % {"old": number, "new": revision.number},
        )
    return redirect(page.get_absolute_url())


urls = [
    path("pages/<int:pk>/history/", revision_history, name="revision_history"),
    path("pages/<int:pk>/history/<int:number>/", revision_detail, name="revision_detail"),
    path("pages/<int:pk>/history/<int:number>/restore/", revision_restore_view, name="revision_restore"),
    path("pages/<int:pk>/diff/", revision_compare, name="revision_diff"),
]
