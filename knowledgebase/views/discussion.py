"""Pages of the discussion: the thread under a page (loaded into the page by htmx, or on its own), comment,
reply, edit, delete, like, and the moderation queue of the responsible editor (approve, reject)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.errors import Invalid
from portal.core.htmx import partial_or_redirect, render_htmx

from ..filters.discussion import CommentFilterSet
from ..forms.discussion import CommentEditForm, CommentForm, RejectForm
from ..models.discussion import PageComment
from ..selectors import discussion as selectors
from ..services import discussion as services

THREAD = "knowledgebase/discussion/partials/thread.html"
EARLIER = "knowledgebase/discussion/partials/earlier.html"
QUEUE_PAGE_SIZE = 50


def _thread_context(
    request, page, *, form=None, errors=(), edit_pk=None, edit_form=None, before: int | None = None
) -> dict:
    thread = selectors.page_thread(user=request.user, page=page, before=before)
    return {
        "page": page,
        "comments": thread.comments,
        "earlier_before": thread.earlier_before,
        "may_moderate": selectors.can_moderate(request.user, page),
        "moderated": page.space.moderated,
        "comment_form": form or CommentForm(),
        "errors": list(errors),
        "edit_pk": edit_pk,
        "edit_form": edit_form,
    }


def _thread(request, page, **kwargs) -> HttpResponse:
    status = 400 if kwargs.get("errors") else 200
    return render_htmx(
        request,
        "knowledgebase/discussion/page.html",
        _thread_context(request, page, **kwargs),
        partial=THREAD,
        status=status,
        partial_status=200,
    )


@login_required
@require_GET
def page_discussion(request: HttpRequest, pk: int) -> HttpResponse:
    """The thread under a page: htmx loads it into the page; without htmx it is a page of its own. The latest
    top comments come first; ?before=<id> gives the ones before that top comment (the "earlier" button)."""
    page = selectors.page_readable(request.user, pk)
    before = request.GET.get("before", "")
    if not before.isdigit():
        return _thread(request, page)
    if not request.htmx:  # the link followed without htmx: the discussion's page from there back
        return _thread(request, page, before=int(before))
    thread = selectors.page_thread(user=request.user, page=page, before=int(before))
    context = {
        "page": page,
        "comments": thread.comments,
        "earlier_before": thread.earlier_before,
        "may_moderate": selectors.can_moderate(request.user, page),
    }
    return render(request, EARLIER, context)


def _messages(exc: Invalid) -> list[str]:
    if exc.fields:
        return [m for messages in exc.fields.values() for m in messages]
    return [exc.message]


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.page_readable(request.user, pk)
    form = CommentForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = selectors.comment_get(user=request.user, pk=form.cleaned_data["parent"])
        try:
            comment = services.comment_add(
                actor=request.user, page=page, body=form.cleaned_data["body"], parent=parent
            )
        except Invalid as exc:
            errors = _messages(exc)
        else:
            success = (
                _("Your comment waits for the responsible editor's approval.")
                if comment.is_pending
                else _("Your comment is published.")
            )
            return partial_or_redirect(
                request,
                page.get_absolute_url(),
                response=lambda: _thread(request, page),
                success=success,
            )
    else:
        errors = [m for messages in form.errors.values() for m in messages]
    return partial_or_redirect(
        request,
        page.get_absolute_url(),
        response=lambda: _thread(request, page, form=form, errors=errors),
        errors=errors,
    )


def _comment_page(request, pk: int) -> tuple[PageComment, object]:
    comment = selectors.comment_get(user=request.user, pk=pk)
    return comment, selectors.page_readable(request.user, comment.page_id)


@login_required
@require_POST
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment, page = _comment_page(request, pk)
    form = CommentEditForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.comment_edit(actor=request.user, comment=comment, body=form.cleaned_data["body"])
        except Invalid as exc:
            errors = _messages(exc)
    else:
        errors = [m for messages in form.errors.values() for m in messages]
    return partial_or_redirect(
        request,
        page.get_absolute_url(),
        response=lambda: _thread(request, page, errors=errors, edit_pk=comment.pk if errors else None),
        errors=errors,
        success=_("The comment is changed."),
    )


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment, page = _comment_page(request, pk)
    services.comment_delete(actor=request.user, comment=comment)
    return partial_or_redirect(
        request,
        page.get_absolute_url(),
        response=lambda: _thread(request, page),
        success=_("The comment is deleted."),
    )


@login_required
@require_POST
def comment_like(request: HttpRequest, pk: int) -> HttpResponse:
    comment, page = _comment_page(request, pk)
    services.comment_like_toggle(actor=request.user, comment=comment)
    return partial_or_redirect(request, page.get_absolute_url(), response=lambda: _thread(request, page))


# --- moderation -----------------------------------------------------------------------------------------------


def _queue_response(request, *, outcome: str = "") -> HttpResponse:
    base = selectors.moderation_queue(user=request.user)
    filterset = CommentFilterSet(request.GET, queryset=base, request=request)
    comments = filterset.qs if filterset.is_valid() else base.none()
    paginator = Paginator(comments, QUEUE_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("p"))
    return render_htmx(
        request,
        "knowledgebase/discussion/queue.html",
        {
            "page_obj": page_obj,
            "comments": list(page_obj.object_list),
            "filterset": filterset,
            "outcome": outcome,
            "reject_form": RejectForm(),
            "nav_area": "kb",
        },
        partial="knowledgebase/discussion/partials/queue_rows.html",
    )


@login_required
@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    """The comments waiting for the viewer's approval (pages they answer for), oldest first."""
    return _queue_response(request)


def _queued(request, pk: int) -> PageComment:
    comment = selectors.comment_get(user=request.user, pk=pk)
    selectors.page_readable(request.user, comment.page_id)
    return comment


def _moderation_answer(request, comment, outcome: str) -> HttpResponse:
    from django.urls import reverse

    return partial_or_redirect(
        request,
        reverse("kb:moderation_queue"),
        response=lambda: _queue_response(request, outcome=outcome),
        success=outcome,
        trigger="kbModerated",
    )


@login_required
@require_POST
def comment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _queued(request, pk)
    services.comment_approve(actor=request.user, comment=comment)
    return _moderation_answer(request, comment, _("The comment is published."))


@login_required
@require_POST
def comment_reject(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _queued(request, pk)
    form = RejectForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    services.comment_reject(actor=request.user, comment=comment, reason=reason)
    return _moderation_answer(request, comment, _("The comment is rejected."))


urls = [
    path("pages/<int:pk>/discussion/", page_discussion, name="page_discussion"),
    path("pages/<int:pk>/comments/add/", comment_add, name="comment_add"),
    path("comments/<int:pk>/edit/", comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", comment_delete, name="comment_delete"),
    path("comments/<int:pk>/like/", comment_like, name="comment_like"),
    path("moderation/", moderation_queue, name="moderation_queue"),
    path("comments/<int:pk>/approve/", comment_approve, name="comment_approve"),
    path("comments/<int:pk>/reject/", comment_reject, name="comment_reject"),
]
