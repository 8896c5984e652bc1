"""Where goals show up elsewhere: the task page's and task form's "serves goal" (registry.task_extensions),
the search, the people's profiles, the goal picker's lookup source and the navigation."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.core.registry import NavigationEntry, ProfileSection, TaskExtension, registry

FORM_FIELD = "strategy_goal"


def task_panel_context(request, task_id: int, *, responsible_id, creator_id) -> dict | None:
    """The "serves goal" panel of a task: the goal it serves (direct, inherited from a parent task or its
    project) if the viewer sees it, and the picker for its responsible person and creator."""
    from ..models import Goal
    from ..selectors.goals import goal_choices
    from ..services.goals import task_goal_resolve, task_may_pick_goal

    user = request.user
    resolved = task_goal_resolve([task_id]).get(task_id)
    goal = None
    how = ""
    if resolved is not None:
        goal = Goal.objects.visible_to(user).filter(pk=resolved[0]).first()
        how = resolved[1] if goal is not None else ""
    may_pick = task_may_pick_goal(user, {"responsible_id": responsible_id, "creator_id": creator_id})
    if goal is None and not may_pick:
        return None
    return {
        "task_id": task_id,
        "goal": goal,
        "how": how,
        "may_pick": may_pick,
        "choices": goal_choices(user=user) if may_pick else [],
    }


def _task_panel(request, task) -> dict | None:
    """A placeholder the page loads after itself (htmx): the task page's query budget stays its own."""
    return {"task_id": task.pk, "lazy": True}


def _task_form(request, task) -> dict | None:
    """The goal picker of the task form (a new task, or one the viewer may pick the goal of)."""
    from ..models import GoalTaskLink
    from ..selectors.goals import goal_choices
    from ..services.goals import task_may_pick_goal

    user = request.user
    if task is not None and not task_may_pick_goal(
        user, {"responsible_id": task.responsible_id, "creator_id": task.creator_id}
    ):
        return None
    current = None
    if request.method == "POST":
        current = request.POST.get(FORM_FIELD) or None
    elif task is not None:
        current = GoalTaskLink.objects.filter(task_id=task.pk).values_list("goal_id", flat=True).first()
    choices = goal_choices(user=user)
    if not choices:
        return None
    return {"name": FORM_FIELD, "choices": choices, "current": str(current) if current else ""}


def _task_form_saved(*, actor, task, data) -> None:
    """The task form posted a goal (or none): link it when it changed."""
    from ..models import Goal, GoalTaskLink
    from ..services.goals import task_goal_set

    if FORM_FIELD not in data:
        return
    value = data.get(FORM_FIELD) or ""
    current = GoalTaskLink.objects.filter(task_id=task.pk).values_list("goal_id", flat=True).first()
    wanted = int(value) if value.isdigit() else None
    if wanted == current:
        return
    goal = Goal(pk=wanted) if wanted else None
    task_goal_set(actor=actor, task_id=task.pk, goal=goal)


def _tasks_status_changed(*, task_ids) -> None:
    from ..services.goals import tasks_status_changed

    tasks_status_changed(task_ids=task_ids)


def _profile(request, person) -> dict:
    from ..selectors.goals import goals_of_person

    return goals_of_person(user=request.user, person=person)


def register() -> None:
    from portal.core.pickers import register_lookup
    from portal.core.search import register_search

    from ..lookups import goals_resolve, goals_search
    from ..search import search_goals

    registry.task_extensions.register(
        TaskExtension(
            "strategy.goal",
            panel_template="strategy/goals/partials/task_panel_lazy.html",
            panel=_task_panel,
            form_template="strategy/goals/partials/task_form.html",
            form=_task_form,
            form_saved=_task_form_saved,
            status_changed=_tasks_status_changed,
        )
    )
    registry.navigation.register(
        NavigationEntry(
            "strategy", _("Strategy"), "bi-bullseye", "strategy:home", order=45, active_by_path=True
        )
    )
    registry.profile_sections.register(
        ProfileSection("strategy.goals", "strategy/goals/partials/profile.html", _profile, order=60)
    )
    register_search("goals", _("Goals"), search_goals, order=45)
    register_lookup(
        "goals", _("Goals"), search=goals_search, resolve=goals_resolve, icon="bi-bullseye", order=70
    )
