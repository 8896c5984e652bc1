"""Tasks: "my plan", a person's own board of columns."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.core.htmx import partial_or_redirect, render_htmx

from .. import selectors, services
from .boards import _board_context, _validation_error


def _plan_response(request: HttpRequest, *, errors: list[str] | None = None) -> HttpResponse:
    columns = services.plan_ensure_columns(actor=request.user)
    board = selectors.plan_board(user=request.user, columns=columns)
    context = {
        "nav_area": "tasks",
        "board": board,
        "errors": errors or [],
        "column_max": services.plan.PLAN_COLUMNS_MAX,
    }
    return render_htmx(
        request,
        "tasks/plan/plan.html",
        context,
        partial="tasks/plan/partials/plan_board.html",
        page_context=lambda: _board_context(request, selectors.board_filters(request.GET), view="plan"),
    )


def _plan_done(request: HttpRequest, action, success: str, **kwargs) -> HttpResponse:
    """Run a column service; htmx gets the board again (with the error if any), a form post a redirect."""
    errors: list[str] = []
    try:
        action(actor=request.user, **kwargs)
    except ValidationError as exc:
        errors = list(exc.messages)
    return partial_or_redirect(
        request,
        "tasks:plan",
        response=lambda: _plan_response(request, errors=errors),
        errors=errors,
        success=success,
    )


@login_required
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    """The user's own "my plan" board (default columns on the first visit); htmx gets the board."""
    return _plan_response(request)


@login_required
@require_POST
def plan_column_create(request: HttpRequest) -> HttpResponse:
    return _plan_done(
        request, services.plan_column_create, _("Column added."), name=request.POST.get("name", "")
    )


@login_required
@require_POST
def plan_column_rename(request: HttpRequest, pk: int) -> HttpResponse:
    column = selectors.plan_column_get(user=request.user, pk=pk)
    return _plan_done(
        request, services.plan_column_rename, _("Renamed."), column=column, name=request.POST.get("name", "")
    )


@login_required
@require_POST
def plan_column_delete(request: HttpRequest, pk: int) -> HttpResponse:
    column = selectors.plan_column_get(user=request.user, pk=pk)
    return _plan_done(request, services.plan_column_delete, _("Column deleted."), column=column)


@login_required
@require_POST
def plan_columns_reorder(request: HttpRequest) -> HttpResponse:
    """Columns dragged into a new order (JSON answer for the script)."""
    try:
        services.plan_columns_reorder(actor=request.user, column_ids=request.POST.getlist("column"))
    except ValidationError as exc:
        return _validation_error(exc)
    return JsonResponse({"ok": True})


@login_required
@require_POST
def plan_card_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A card dropped in a column of the user's board (JSON answer for the script)."""
    task = selectors.task_get_plain(user=request.user, pk=pk)
    column = selectors.plan_column_get(user=request.user, pk=request.POST.get("column"))
    try:
        card = services.plan_card_move(
            actor=request.user, task=task, column=column, position=request.POST.get("position", 0)
        )
    except ValidationError as exc:
        return _validation_error(exc)
    return JsonResponse({"ok": True, "task": task.pk, "column": card.column_id, "position": card.position})
