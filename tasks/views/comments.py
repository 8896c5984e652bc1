"""Tasks: the task page's comments block."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms.comments import CommentForm
from ..forms.fields import form_errors
from .task_page import _attempt, _respond, _task


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = CommentForm(request.POST)
    keep = {"comment_form": form}
    if not form.is_valid():
        return _respond(request, pk, "comments", errors=form_errors(form), keep=keep)
    errors = _attempt(
        lambda: services.comment_add(actor=request.user, task=task, body=form.cleaned_data["body"])
    )
    return _respond(request, pk, "comments", errors=errors, keep=keep, success=_("Comment added."))


def _comment(request, pk, comment_pk):
    _task(request, pk)
    comment = selectors.comment_get(user=request.user, pk=comment_pk)
    if comment.task_id != pk:
        raise Http404("No such comment in this task.")
    return comment


@login_required
@require_POST
def comment_edit(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    comment = _comment(request, pk, comment_pk)
    form = CommentForm(request.POST)
    keep = {"comment_edit_form": form, "comment_edit_pk": comment.pk}
    if not form.is_valid():
        return _respond(request, pk, "comments", errors=form_errors(form), keep=keep)
    errors = _attempt(
        lambda: services.comment_edit(actor=request.user, comment=comment, body=form.cleaned_data["body"])
    )
    return _respond(request, pk, "comments", errors=errors, keep=keep, success=_("Comment saved."))


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    comment = _comment(request, pk, comment_pk)
    errors = _attempt(lambda: services.comment_delete(actor=request.user, comment=comment))
    return _respond(request, pk, "comments", errors=errors, success=_("Comment deleted."))
