"""Goal pages: the register, the strategy map, one goal, its form, its links, and the goal a task serves."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import NotAllowed
from portal.core.htmx import partial_or_redirect, render_htmx

from ..choices import GoalHorizon, GoalStatus
from ..forms.goals import GoalForm, GoalLinkForm, PageLinkForm, ProjectLinkForm, TaskLinkForm
from ..models import GoalLink, GoalPageLink, GoalProjectLink
from ..models.goals import is_strategy_manager
from ..selectors import goals as selectors
from ..services import goals as services

NAV = {"nav_area": "strategy"}
PAGE_SIZE = 50


def _department_choices(request):
    from portal.people.models import Department

    return [(d.pk, d.name) for d in Department.objects.visible_to(request.user).only("id", "name", "path")]


def _may_create_any(user) -> bool:
    return is_strategy_manager(user) or services.headed_department(user) is not None


@login_required
@require_GET
def goal_register(request: HttpRequest) -> HttpResponse:
    """The goal register: horizon, period, owner, progress, status, linked projects and indicators."""
    filterset, queryset = selectors.goal_list(user=request.user, filters=request.GET, request=request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    goals = list(page.object_list)
    indicators = selectors.goal_indicators(user=request.user, goal_ids=[g.pk for g in goals])
    rows = [
        {"goal": g, "projects": list(g.project_links.all()), "indicators": indicators.get(g.pk, [])}
        for g in goals
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **NAV,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "filter_form": filterset.form,
        "may_create": _may_create_any(request.user),
    }
    return render_htmx(
        request,
        "strategy/goals/register.html",
        context,
        partial="strategy/goals/partials/register_table.html",
        page_context=lambda: {
            "horizons": GoalHorizon.choices,
            "statuses": GoalStatus.choices,
            "departments": _department_choices(request),
        },
    )


@login_required
@require_GET
def goal_map(request: HttpRequest) -> HttpResponse:
    """The strategy map: the goal tree as a picture (server-rendered SVG), each node a link."""
    filterset, roots, truncated = selectors.goal_map(user=request.user, filters=request.GET, request=request)
    nodes, edges, width, height = selectors.map_layout(roots)
    context = {
        **NAV,
        "nodes": nodes,
        "truncated": truncated,
        "map_limit": selectors.MAP_LIMIT,
        "edges": edges,
        "width": width,
        "height": height,
        "node_w": selectors.NODE_W,
        "node_h": selectors.NODE_H,
        "filter_form": filterset.form,
        "horizons": GoalHorizon.choices,
        "statuses": GoalStatus.choices,
    }
    return render(request, "strategy/goals/map.html", context)


def _detail_context(request, goal) -> dict:
    user = request.user
    may_edit = services.goal_may_edit(user, goal)
    choices = selectors.goal_choices(user=user, exclude=goal) if may_edit else []
    return {
        **NAV,
        "goal": goal,
        "may_edit": may_edit,
        "ancestors": selectors.goal_ancestors(user=user, goal=goal),
        "children": selectors.goal_children(user=user, goal=goal),
        "links": selectors.goal_links(user=user, goal=goal),
        "projects": list(goal.project_links.all()),
        "indicators": selectors.goal_indicators(user=user, goal_ids=[goal.pk]).get(goal.pk, []),
        "tasks": selectors.goal_tasks(user=user, goal=goal),
        "pages": selectors.goal_pages(user=user, goal=goal),
        "co_owners": list(goal.co_owners.all()),
        "audience": services.goal_audience(goal) if goal.audience != "company" else None,
        "rag": goal.rag(),
        "elapsed": int(goal.elapsed_share() * 100),
        "link_form": GoalLinkForm(choices=choices) if may_edit else None,
        "project_form": ProjectLinkForm(user=user) if may_edit else None,
        "task_form": TaskLinkForm(user=user),
        "may_add_child": _may_create_any(user),
        "page_source": _page_source(),
        "page_form": PageLinkForm(user=user, source=_page_source()) if may_edit and _page_source() else None,
    }


def _page_source() -> str:
    """The lookup source of knowledge-base pages, once the knowledge base registers one."""
    from portal.core.registry import registry

    for key in ("kb_pages", "pages", "knowledgebase", "kb"):
        if key in registry.lookup_sources:
            return key
    return ""


@login_required
@require_GET
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(user=request.user, pk=pk)
    return render(request, "strategy/goals/detail.html", _detail_context(request, goal))


@login_required
@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest) -> HttpResponse:
    """A new goal; `?parent=` places it under a goal (a head's quarterly goal under an annual one)."""
    if not _may_create_any(request.user):
        raise NotAllowed(_("Strategy managers and department heads create goals."))
    initial = {}
    if request.GET.get("parent"):
        parent = selectors.goal_get(user=request.user, pk=request.GET["parent"])
        initial = {
            "parent": parent.pk,
            "horizon": GoalHorizon.QUARTERLY if parent.horizon == GoalHorizon.ANNUAL else parent.horizon,
            "period_start": parent.period_start,
            "period_end": parent.period_end,
        }
        headed = services.headed_department(request.user)
        if headed is not None:
            initial["department"] = headed.pk
    form = GoalForm(
        request.POST or None,
        user=request.user,
        parents=selectors.goal_choices(user=request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        goal = form.save(actor=request.user)
        if goal is not None:
            return redirect(goal)
    return render(
        request,
        "strategy/goals/form.html",
        {**NAV, "form": form, "goal": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(user=request.user, pk=pk)
    if not services.goal_may_edit(request.user, goal):
        raise NotAllowed(_("Only the goal's owners and the strategy managers change it."))
    form = GoalForm(
        request.POST or None,
        user=request.user,
        goal=goal,
        parents=selectors.goal_choices(user=request.user, exclude=goal),
        audience=services.goal_audience(goal),
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save(actor=request.user)
        if saved is not None:
            return redirect(saved)
    return render(
        request,
        "strategy/goals/form.html",
        {**NAV, "form": form, "goal": goal},
        status=400 if form.errors else 200,
    )


def _back(request, goal) -> HttpResponse:
    return partial_or_redirect(request, goal)


@login_required
@require_POST
def goal_link_add(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(user=request.user, pk=pk)
    form = GoalLinkForm(request.POST, choices=selectors.goal_choices(user=request.user, exclude=goal))
    if not form.is_valid():
        raise Http404
    services.goal_link_add(
        actor=request.user, source=goal, target=form.cleaned_data["target"], kind=form.cleaned_data["kind"]
    )
    return redirect(goal)


@login_required
@require_POST
def goal_link_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    goal = selectors.goal_get(user=request.user, pk=pk)
    link = GoalLink.objects.visible_to(request.user).filter(pk=link_pk, source=goal).first()
    if link is None:
        raise Http404
    services.goal_link_remove(actor=request.user, link=link)
    return redirect(goal)


@login_required
@require_POST
def goal_project_add(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(user=request.user, pk=pk)
    form = ProjectLinkForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404
    services.goal_project_link_set(
        actor=request.user,
        goal=goal,
        project=form.cleaned_data["project"],
        weight=form.cleaned_data["weight"],
    )
    return redirect(goal)


@login_required
@require_POST
def goal_project_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    goal = selectors.goal_get(user=request.user, pk=pk)
    link = GoalProjectLink.objects.visible_to(request.user).filter(pk=link_pk, goal=goal).first()
    if link is None:
        raise Http404
    services.goal_project_link_remove(actor=request.user, link=link)
    return redirect(goal)


@login_required
@require_POST
def goal_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(user=request.user, pk=pk)
    form = TaskLinkForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404
    services.task_goal_set(actor=request.user, task_id=form.cleaned_data["task"], goal=goal)
    return redirect(goal)


@login_required
@require_POST
def goal_page_add(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(user=request.user, pk=pk)
    source = _page_source()
    form = PageLinkForm(request.POST, user=request.user, source=source) if source else None
    if form is None or not form.is_valid():
        raise Http404
    services.goal_page_link_add(
        actor=request.user, goal=goal, source=source, object_id=form.cleaned_data["page"]
    )
    return redirect(goal)


@login_required
@require_POST
def goal_page_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    goal = selectors.goal_get(user=request.user, pk=pk)
    link = GoalPageLink.objects.visible_to(request.user).filter(pk=link_pk, goal=goal).first()
    if link is None:
        raise Http404
    services.goal_page_link_remove(actor=request.user, link=link)
    return redirect(goal)


@login_required
@require_POST
def task_goal_set(request: HttpRequest, task_pk: int) -> HttpResponse:
    """The task page's "serves goal" panel: pick (or clear) the goal the task serves directly."""
    from ..registrations.goals import task_panel_context

    goal = None
    if request.POST.get("goal"):
        goal = selectors.goal_get(user=request.user, pk=request.POST["goal"])
    services.task_goal_set(actor=request.user, task_id=task_pk, goal=goal)
    task = services.task_describe(user=request.user, task_ids=[task_pk]).get(task_pk)
    if task is None:
        raise Http404
    return partial_or_redirect(
        request,
        task["url"],
        partial="strategy/goals/partials/task_panel.html",
        context=lambda: {
            "data": task_panel_context(
                request, task_pk, responsible_id=task["responsible_id"], creator_id=task["creator_id"]
            )
        },
        success=_("Saved."),
    )


@login_required
@require_GET
def task_goal_panel(request: HttpRequest, task_pk: int) -> HttpResponse:
    """The task page's "serves goal" panel, loaded after the page: the goal the task serves (direct, from its
    parent task or its project) and, for its responsible person, the picker. 404 for a task not seen."""
    from ..registrations.goals import task_panel_context

    task = services.task_describe(user=request.user, task_ids=[task_pk]).get(task_pk)
    if task is None:
        raise Http404
    data = task_panel_context(
        request, task_pk, responsible_id=task["responsible_id"], creator_id=task["creator_id"]
    )
    if data is None:
        return HttpResponse("")
    return render(request, "strategy/goals/partials/task_panel.html", {"data": data})
