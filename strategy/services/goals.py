"""Goals: create, change, link (goals, tasks, projects, pages), share with an audience, and the progress
roll-up. Every write checks the actor's right, validates, audits and (for the stream's events) publishes in
the same transaction; progress is recomputed after commit by `strategy.jobs`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import DomainError, Invalid, NotAllowed, NotFound
from portal.core.registry import TaskStats, registry

from ..choices import (
    HEAD_HORIZONS,
    HORIZON_RANK,
    GoalAudience,
    GoalHorizon,
    GoalLinkKind,
    GoalStatus,
    ProgressRule,
)
from ..models import Goal, GoalCoOwner, GoalGrant, GoalLink, GoalPageLink, GoalProjectLink, GoalTaskLink
from ..models.goals import is_strategy_manager

log = logging.getLogger(__name__)

MAX_DEPTH = 100
ONE = Decimal("1")
ZERO = Decimal("0")
STREAM_TEMPLATE = "strategy/goals/stream/event.html"
STREAM_VERBS = {
    "created": "strategy.goal_created",
    "achieved": "strategy.goal_achieved",
    "missed": "strategy.goal_missed",
}


# --- rights ---------------------------------------------------------------------------------------------


def headed_department(user):
    """The department `user` heads, or None."""
    from portal.people.models import Department

    if not (user and user.is_authenticated and user.is_active):
        return None
    if not hasattr(user, "_strategy_headed"):
        user._strategy_headed = Department.objects.filter(head_id=user.pk).only("id", "path", "name").first()
    return user._strategy_headed


def goal_may_create(user, *, horizon: str, department=None) -> bool:
    """Strategy managers create goals of any horizon; a department head creates quarterly and monthly goals
    of the department they head or of one under it."""
    if is_strategy_manager(user):
        return True
    if horizon not in HEAD_HORIZONS:
        return False
    headed = headed_department(user)
    if headed is None:
        return False
    return department is None or department.path.startswith(headed.path)


def goal_may_edit(user, goal: Goal) -> bool:
    """Owners, co-owners, strategy managers and admins (the head above a department's goal too)."""
    if goal.may_edit(user):
        return True
    headed = headed_department(user)
    return bool(
        headed is not None
        and goal.horizon in HEAD_HORIZONS
        and goal.department_id
        and goal.department.path.startswith(headed.path)
    )


def _visible_goal(actor, goal_or_id) -> Goal:
    pk = getattr(goal_or_id, "pk", goal_or_id)
    goal = Goal.objects.visible_to(actor).select_related("department").filter(pk=pk).first()
    if goal is None:
        raise NotFound(_("No goal matches the given query."))
    return goal


# --- validation -----------------------------------------------------------------------------------------


def _check_parent(*, goal: Goal | None, parent: Goal | None, horizon: str) -> None:
    """A parent never lies below the goal (no cycles, any depth), and a child's horizon is never longer."""
    if parent is None:
        return
    if HORIZON_RANK[GoalHorizon(horizon)] < HORIZON_RANK[GoalHorizon(parent.horizon)]:
        raise Invalid(fields={"parent": [_("A goal cannot have a longer horizon than its parent goal.")]})
    if goal is None or goal.pk is None:
        return
    seen: set[int] = set()
    current = parent.pk
    for _step in range(MAX_DEPTH + 1):
        if current is None:
            return
        if current == goal.pk or current in seen:
            raise Invalid(
                fields={"parent": [_("A goal cannot be placed under itself or one of its sub-goals.")]}
            )
        seen.add(current)
        current = Goal.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    raise Invalid(fields={"parent": [_("The goal tree is too deep.")]})


def _check_fields(*, title: str, period_start, period_end, weight) -> None:
    errors: dict[str, list] = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the goal a title.")]
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = [_("The period ends before it starts.")]
    if weight is not None and Decimal(weight) < 0:
        errors["weight"] = [_("The weight cannot be negative.")]
    if errors:
        raise Invalid(fields=errors)


def _clean_tags(tags: Iterable[str]) -> list[str]:
    seen, result = set(), []
    for tag in tags or ():
        name = str(tag).strip()[:60]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    return result[:20]


# --- the audience ---------------------------------------------------------------------------------------


def _audience_set(*, actor, goal: Goal, departments=(), groups=(), people=()) -> None:
    """Make the goal's grants exactly these departments (with sub-departments), groups and people."""

    wanted = {("department", d.pk) for d in departments} | {("group", g.pk) for g in groups}
    wanted |= {("user", p.pk) for p in people}
    for grant in list(GoalGrant.objects.filter(content_object=goal)):
        kind = "department" if grant.department_id else "group" if grant.workgroup_id else "user"
        key = (kind, grant.department_id or grant.workgroup_id or grant.user_id)
        if key not in wanted:
            _unshare(actor=actor, grant=grant)
        else:
            wanted.discard(key)
    by_kind = {"department": {d.pk: d for d in departments}, "group": {g.pk: g for g in groups}}
    by_kind["user"] = {p.pk: p for p in people}
    for kind, pk in sorted(wanted):
        obj = by_kind[kind][pk]
        if kind == "department":
            _share(actor=actor, goal=goal, department=obj, include_subdepartments=True)
        elif kind == "group":
            _share(actor=actor, goal=goal, group=obj)
        else:
            _share(actor=actor, goal=goal, user=obj)


def _share(*, actor, goal, **grantee) -> None:
    # The editor (a co-owner, a head) may not be the owner `share_owner_fields` names: the service checked the
    # right to edit, so the share is made in the owner's name when the actor could not share it themselves.
    from portal.core.sharing import object_may_share, object_share

    sharer = actor if object_may_share(user=actor, obj=goal) else goal.owner
    object_share(actor=sharer, obj=goal, **grantee)


def _unshare(*, actor, grant) -> None:
    from portal.core.sharing import object_may_share, object_unshare

    goal = grant.content_object
    object_unshare(actor=actor if object_may_share(user=actor, obj=goal) else goal.owner, grant=grant)


def goal_audience(goal: Goal) -> dict:
    """{"departments": [...], "groups": [...], "people": [...]} of a restricted goal's grants."""
    grants = GoalGrant.objects.filter(content_object=goal).select_related("department", "workgroup", "user")
    return {
        "departments": [g.department for g in grants if g.department_id],
        "groups": [g.workgroup for g in grants if g.workgroup_id],
        "people": [g.user for g in grants if g.user_id],
    }


# --- the stream -----------------------------------------------------------------------------------------


def _stream_publish(*, actor, goal: Goal, event: str) -> None:
    """The goal's event in the stream, to the goal's own audience (everyone for a company-wide goal)."""
    from portal.stream.services import Audience, entry_publish

    if goal.audience == GoalAudience.COMPANY:
        audience = Audience(everyone=True)
    else:
        grants = list(
            GoalGrant.objects.filter(content_object=goal).values("department_id", "workgroup_id", "user_id")
        )
        people = {goal.owner_id, *GoalCoOwner.objects.filter(goal=goal).values_list("user_id", flat=True)}
        people |= {g["user_id"] for g in grants if g["user_id"]}
        audience = Audience(
            departments=[g["department_id"] for g in grants if g["department_id"]],
            groups=[g["workgroup_id"] for g in grants if g["workgroup_id"]],
            users=sorted(people),
        )
    try:
        entry_publish(
            actor=actor,
            verb=STREAM_VERBS[event],
            target=goal,
            audience=audience,
            template=STREAM_TEMPLATE,
            context={
                "event": event,
                "title": goal.title,
                "horizon": goal.get_horizon_display(),
                "period": f"{goal.period_start:%d.%m.%Y} – {goal.period_end:%d.%m.%Y}",
                "progress": goal.progress_percent,
            },
        )
    except DomainError as exc:  # an actor who may not address the audience: the goal stands, unposted
        log.warning("goal %s: the %s event was not posted: %s", goal.pk, event, exc.message)


# --- create and change ------------------------------------------------------------------------------------


@transaction.atomic
def goal_create(
    *,
    actor,
    title: str,
    horizon: str,
    period_start: datetime.date,
    period_end: datetime.date,
    owner=None,
    description: str = "",
    parent: Goal | None = None,
    department=None,
    co_owners: Iterable = (),
    status: str = GoalStatus.ACTIVE,
    weight: Decimal | int = 1,
    progress_rule: str = ProgressRule.AUTO,
    manual_progress: Decimal | None = None,
    audience: str = GoalAudience.COMPANY,
    departments: Iterable = (),
    groups: Iterable = (),
    people: Iterable = (),
    tags: Iterable[str] = (),
) -> Goal:
    """Create a goal. Strategy managers create any; a department head creates quarterly and monthly goals of
    their departments under a parent goal they see. Published to the goal's audience unless a draft."""
    if parent is not None:
        parent = _visible_goal(actor, parent)
    if not goal_may_create(actor, horizon=horizon, department=department):
        raise NotAllowed(_("You may not create a goal of this horizon here."))
    if not is_strategy_manager(actor) and parent is None:
        raise Invalid(fields={"parent": [_("Place the goal under a goal of a longer horizon.")]})
    if department is None and not is_strategy_manager(actor):
        department = headed_department(actor)
    _check_fields(title=title, period_start=period_start, period_end=period_end, weight=weight)
    _check_parent(goal=None, parent=parent, horizon=horizon)
    goal = Goal.objects.create(
        title=title.strip(),
        description=description or "",
        horizon=horizon,
        period_start=period_start,
        period_end=period_end,
        owner=owner or actor,
        department=department,
        status=status,
        weight=Decimal(weight),
        parent=parent,
        progress_rule=progress_rule,
        manual_progress=manual_progress,
        audience=audience,
        tags=_clean_tags(tags),
        created_by=actor,
    )
    GoalCoOwner.objects.bulk_create(
        [
            GoalCoOwner(goal=goal, user=user)
            for user in {u.pk: u for u in co_owners if u.pk != goal.owner_id}.values()
        ]
    )
    if audience == GoalAudience.RESTRICTED:
        _audience_set(actor=actor, goal=goal, departments=departments, groups=groups, people=people)
    audit_record(
        actor=actor,
        action="strategy.goal_create",
        target=goal,
        changes={"title": [None, goal.title], "horizon": [None, horizon], "parent": [None, goal.parent_id]},
    )
    if status != GoalStatus.DRAFT:
        _stream_publish(actor=actor, goal=goal, event="created")
    goal_progress_schedule([goal.pk])
    return goal


UPDATE_FIELDS = (
    "title",
    "description",
    "horizon",
    "period_start",
    "period_end",
    "owner",
    "department",
    "status",
    "weight",
    "parent",
    "progress_rule",
    "manual_progress",
    "audience",
    "tags",
)


@transaction.atomic
def goal_update(
    *,
    actor,
    goal: Goal,
    co_owners: Iterable | None = None,
    departments: Iterable | None = None,
    groups: Iterable | None = None,
    people: Iterable | None = None,
    **fields,
) -> Goal:
    """Change a goal (its owners, co-owners, strategy managers, the head above a department's goal). A new
    parent is checked for cycles; a status turning achieved or missed is published to the goal's audience."""
    unknown = set(fields) - set(UPDATE_FIELDS)
    if unknown:
        raise TypeError(f"goal_update: unknown fields {sorted(unknown)}")
    goal = _visible_goal(actor, goal)
    goal = Goal.objects.select_for_update(of=("self",)).select_related("department").get(pk=goal.pk)
    if not goal_may_edit(actor, goal):
        raise NotAllowed(_("Only the goal's owners and the strategy managers change it."))
    horizon = fields.get("horizon", goal.horizon)
    if (
        "horizon" in fields
        and horizon != goal.horizon
        and not goal_may_create(actor, horizon=horizon, department=fields.get("department", goal.department))
    ):
        raise NotAllowed(_("You may not give the goal this horizon."))
    if "parent" in fields and fields["parent"] is not None:
        fields["parent"] = _visible_goal(actor, fields["parent"])
    _check_fields(
        title=fields.get("title", goal.title),
        period_start=fields.get("period_start", goal.period_start),
        period_end=fields.get("period_end", goal.period_end),
        weight=fields.get("weight", goal.weight),
    )
    parent = fields.get("parent", goal.parent)
    if "parent" in fields or "horizon" in fields:
        _check_parent(goal=goal, parent=parent, horizon=horizon)
    if "tags" in fields:
        fields["tags"] = _clean_tags(fields["tags"])
    old_parent_id, old_status = goal.parent_id, goal.status
    changes = {}
    for name, value in fields.items():
        before = (
            getattr(goal, f"{name}_id", None)
            if name in ("owner", "department", "parent")
            else getattr(goal, name)
        )
        after = getattr(value, "pk", value)
        if before != after:
            changes[name] = [
                str(before) if before is not None else None,
                str(after) if after is not None else None,
            ]
            setattr(goal, name, value)
    if changes:
        goal.save(update_fields=[*changes, "updated_at"])
    if co_owners is not None:
        wanted = {u.pk for u in co_owners if u.pk != goal.owner_id}
        current = set(GoalCoOwner.objects.filter(goal=goal).values_list("user_id", flat=True))
        if wanted != current:
            GoalCoOwner.objects.filter(goal=goal, user_id__in=current - wanted).delete()
            GoalCoOwner.objects.bulk_create([GoalCoOwner(goal=goal, user_id=pk) for pk in wanted - current])
            changes["co_owners"] = [sorted(current), sorted(wanted)]
    if goal.audience == GoalAudience.RESTRICTED and any(x is not None for x in (departments, groups, people)):
        _audience_set(
            actor=actor, goal=goal, departments=departments or (), groups=groups or (), people=people or ()
        )
    elif goal.audience == GoalAudience.COMPANY and "audience" in changes:
        _audience_set(actor=actor, goal=goal)
    if changes:
        audit_record(actor=actor, action="strategy.goal_update", target=goal, changes=changes)
    if "status" in changes and goal.status in (GoalStatus.ACHIEVED, GoalStatus.MISSED):
        _stream_publish(actor=actor, goal=goal, event=goal.status)
    elif "status" in changes and old_status == GoalStatus.DRAFT:
        _stream_publish(actor=actor, goal=goal, event="created")
    touched = {goal.pk}
    if old_parent_id and old_parent_id != goal.parent_id:
        touched.add(old_parent_id)
    goal_progress_schedule(touched)
    return goal


# --- horizontal links -------------------------------------------------------------------------------------


@transaction.atomic
def goal_link_add(*, actor, source: Goal, target: Goal, kind: str) -> GoalLink:
    """`source` supports (or depends on) `target`; an editor of `source` links it to a goal they see."""
    source = _visible_goal(actor, source)
    target = _visible_goal(actor, target)
    if not goal_may_edit(actor, source):
        raise NotAllowed(_("Only the goal's owners and the strategy managers link it."))
    if kind not in GoalLinkKind.values:
        raise Invalid(fields={"kind": [_("Choose how the goals are linked.")]})
    if source.pk == target.pk:
        raise Invalid(fields={"target": [_("A goal cannot be linked to itself.")]})
    link, created = GoalLink.objects.get_or_create(
        source=source, target=target, kind=kind, defaults={"created_by": actor}
    )
    if created:
        audit_record(
            actor=actor, action="strategy.goal_link", target=source, changes={kind: [None, target.pk]}
        )
    return link


@transaction.atomic
def goal_link_remove(*, actor, link: GoalLink) -> None:
    source = _visible_goal(actor, link.source_id)
    if not goal_may_edit(actor, source):
        raise NotAllowed(_("Only the goal's owners and the strategy managers unlink it."))
    audit_record(
        actor=actor, action="strategy.goal_unlink", target=source, changes={link.kind: [link.target_id, None]}
    )
    link.delete()


# --- tasks ------------------------------------------------------------------------------------------------


def _task_facts():
    return registry.task_facts.get("tasks")


def task_describe(*, user, task_ids) -> dict[int, dict]:
    facts = _task_facts()
    return facts.describe(user=user, task_ids=task_ids) if facts else {}


def task_goal_resolve(task_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """{task_id: (goal_id, how)}: the goal a task serves, `how` being "direct", "parent" (inherited from a
    task above it) or "project" (from its project, the link with the largest weight). Tasks serving nothing
    are left out. Three queries whatever the number of tasks."""
    ids = [int(i) for i in task_ids]
    facts = _task_facts()
    if not ids or facts is None:
        return {}
    lineages = facts.lineage(ids)
    all_ids = {tid for chain in lineages.values() for tid, _g in chain}
    groups = {g for chain in lineages.values() for _t, g in chain if g}
    direct = dict(GoalTaskLink.objects.filter(task_id__in=all_ids).values_list("task_id", "goal_id"))
    by_project: dict[int, int] = {}
    for project_id, goal_id in (
        GoalProjectLink.objects.filter(project_id__in=groups)
        .order_by("project_id", "-weight", "id")
        .values_list("project_id", "goal_id")
    ):
        by_project.setdefault(project_id, goal_id)
    result = {}
    for task_id, chain in lineages.items():
        found = None
        for depth, (tid, _g) in enumerate(chain):
            if tid in direct:
                found = (direct[tid], "direct" if depth == 0 else "parent")
                break
        if found is None:
            for _tid, group_id in chain:
                if group_id in by_project:
                    found = (by_project[group_id], "project")
                    break
        if found is not None:
            result[task_id] = found
    return result


def task_may_pick_goal(user, task: dict) -> bool:
    """The task's responsible person and creator pick the goal it serves (strategy managers too)."""
    return bool(user and user.is_authenticated) and (
        user.pk in (task.get("responsible_id"), task.get("creator_id")) or is_strategy_manager(user)
    )


@transaction.atomic
def task_goal_set(*, actor, task_id: int, goal: Goal | None) -> GoalTaskLink | None:
    """Make the task serve `goal` directly (None: serve nothing directly, inherit again). The actor must see
    the task and the goal and be the task's responsible person or creator (or a strategy manager)."""
    task = task_describe(user=actor, task_ids=[task_id]).get(int(task_id))
    if task is None:
        raise NotFound(_("No task matches the given query."))
    if not task_may_pick_goal(actor, task):
        raise NotAllowed(_("Only the task's responsible person picks the goal it serves."))
    if goal is not None:
        goal = _visible_goal(actor, goal)
        if goal.status in (GoalStatus.DROPPED,):
            raise Invalid(fields={"goal": [_("This goal was dropped.")]})
    current = GoalTaskLink.objects.select_for_update().filter(task_id=task_id).first()
    before = current.goal_id if current else None
    if (goal.pk if goal else None) == before:
        return current
    touched = {before} if before else set()
    if goal is None:
        current.delete()
        link = None
    elif current is None:
        link = GoalTaskLink.objects.create(goal=goal, task_id=task_id, linked_by=actor)
    else:
        current.goal = goal
        current.linked_by = actor
        current.save(update_fields=["goal", "linked_by"])
        link = current
    if goal is not None:
        touched.add(goal.pk)
        audit_record(
            actor=actor, action="strategy.task_link", target=goal, changes={"task": [None, int(task_id)]}
        )
    else:
        old = Goal.objects.get(pk=before)
        audit_record(
            actor=actor, action="strategy.task_unlink", target=old, changes={"task": [int(task_id), None]}
        )
    goal_progress_schedule(touched)
    return link


def tasks_status_changed(*, task_ids) -> None:
    """The tasks app opened or closed tasks: recompute the goals they serve (after commit)."""
    resolved = task_goal_resolve(task_ids)
    if resolved:
        goal_progress_schedule({goal_id for goal_id, _how in resolved.values()})


# --- projects and pages -----------------------------------------------------------------------------------


@transaction.atomic
def goal_project_link_set(*, actor, goal: Goal, project, weight: Decimal | int = 1) -> GoalProjectLink:
    """The project serves the goal with a contribution weight (a goal editor who sees the project)."""
    from portal.groups.choices import GroupKind
    from portal.groups.models import Workgroup

    goal = _visible_goal(actor, goal)
    if not goal_may_edit(actor, goal):
        raise NotAllowed(_("Only the goal's owners and the strategy managers link projects to it."))
    project = Workgroup.objects.visible_to(actor).filter(pk=getattr(project, "pk", project)).first()
    if project is None:
        raise NotFound(_("No project matches the given query."))
    if project.kind != GroupKind.PROJECT:
        raise Invalid(fields={"project": [_("Only a project serves a goal; this is a workgroup.")]})
    weight = Decimal(weight)
    if weight <= 0:
        raise Invalid(fields={"weight": [_("The contribution weight must be above zero.")]})
    link, created = GoalProjectLink.objects.get_or_create(
        goal=goal, project=project, defaults={"weight": weight, "created_by": actor}
    )
    if not created and link.weight != weight:
        audit_record(
            actor=actor,
            action="strategy.project_link",
            target=goal,
            changes={"weight": [str(link.weight), str(weight)]},
        )
        link.weight = weight
        link.save(update_fields=["weight"])
    elif created:
        audit_record(
            actor=actor, action="strategy.project_link", target=goal, changes={"project": [None, project.pk]}
        )
    goal_progress_schedule([goal.pk])
    return link


@transaction.atomic
def goal_project_link_remove(*, actor, link: GoalProjectLink) -> None:
    goal = _visible_goal(actor, link.goal_id)
    if not goal_may_edit(actor, goal):
        raise NotAllowed(_("Only the goal's owners and the strategy managers unlink projects."))
    audit_record(
        actor=actor,
        action="strategy.project_unlink",
        target=goal,
        changes={"project": [link.project_id, None]},
    )
    link.delete()
    goal_progress_schedule([goal.pk])


def _page_url(user, source: str, title: str) -> str:
    """The address of a picked record: the search provider of the same key finds it by its title."""
    provider = registry.search.get(source)
    if provider is None or not title:
        return ""
    try:
        hits = provider.func(user=user, query=title, limit=5)
    except Exception:  # noqa: BLE001 - a search that fails leaves the link without an address
        log.warning("no address for %s %r", source, title, exc_info=True)
        return ""
    return next((hit.url for hit in hits if hit.title == title), "")


@transaction.atomic
def goal_page_link_add(*, actor, goal: Goal, source: str, object_id: str) -> GoalPageLink:
    """Link a page of a registered lookup source (the knowledge base's pages) the actor sees."""
    goal = _visible_goal(actor, goal)
    if not goal_may_edit(actor, goal):
        raise NotAllowed(_("Only the goal's owners and the strategy managers link pages to it."))
    lookup = registry.lookup_sources.get(source)
    if lookup is None:
        raise Invalid(fields={"page": [_("Pages cannot be linked yet.")]})
    items = lookup.resolve(user=actor, values=[str(object_id)])
    if not items:
        raise NotFound(_("No page matches the given query."))
    item = items[0]
    url = str(getattr(item, "url", "") or "") or _page_url(actor, source, str(item.label))
    link, _created = GoalPageLink.objects.update_or_create(
        goal=goal,
        source=source,
        object_id=str(object_id),
        defaults={"title": str(item.label)[:250], "url": url[:500]},
    )
    audit_record(
        actor=actor,
        action="strategy.page_link",
        target=goal,
        changes={"page": [None, f"{source}:{object_id}"]},
    )
    return link


@transaction.atomic
def goal_page_link_remove(*, actor, link: GoalPageLink) -> None:
    goal = _visible_goal(actor, link.goal_id)
    if not goal_may_edit(actor, goal):
        raise NotAllowed(_("Only the goal's owners and the strategy managers unlink pages."))
    audit_record(
        actor=actor, action="strategy.page_unlink", target=goal, changes={"page": [link.title, None]}
    )
    link.delete()


# --- progress ---------------------------------------------------------------------------------------------


def goal_progress_schedule(goal_ids: Iterable[int]) -> None:
    """Recompute these goals' progress (and their ancestors') after the current transaction commits."""
    ids = sorted({int(i) for i in goal_ids if i})
    if not ids:
        return
    from ..jobs import goal_progress_recompute_job

    transaction.on_commit(lambda: goal_progress_recompute_job.delay(ids))


def _weighted(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    pairs = [(Decimal(a), Decimal(w)) for a, w in pairs if w is not None and Decimal(w) > 0]
    total = sum((w for _a, w in pairs), ZERO)
    if not total:
        return None
    return sum((min(ONE, max(ZERO, a)) * w for a, w in pairs), ZERO) / total


def _indicator_achievements(goal_ids: list[int]) -> dict[int, list]:
    """S2's `goal_indicator_achievements` when the indicators are there; nothing until then."""
    try:
        from ..selectors.indicators import goal_indicator_achievements
    except ImportError:
        return {}
    return goal_indicator_achievements(goal_ids)


def goal_progress_compute(
    goal: Goal, *, indicators: list, children: list, tasks: TaskStats | None
) -> Decimal:
    """The progress (0..1) of one goal by its rule, from its indicators [(achievement, weight)], its child
    goals [(progress, weight)] and the stats of the tasks serving it. A rule without data gives 0; the
    automatic rule averages the sources that have data."""
    by_indicators = _weighted(indicators)
    by_children = _weighted(children)
    by_tasks = Decimal(tasks.closed_on_time) / Decimal(tasks.total) if tasks and tasks.total else None
    rule = goal.progress_rule
    if rule == ProgressRule.MANUAL:
        value = goal.manual_progress
    elif rule == ProgressRule.INDICATORS:
        value = by_indicators
    elif rule == ProgressRule.CHILDREN:
        value = by_children
    elif rule == ProgressRule.TASKS:
        value = by_tasks
    else:
        found = [v for v in (by_indicators, by_children, by_tasks) if v is not None]
        value = sum(found, ZERO) / len(found) if found else None
    value = ZERO if value is None else min(ONE, max(ZERO, Decimal(value)))
    return value.quantize(Decimal("0.0001"))


def goal_progress_recompute(*, goal_ids: Iterable[int]) -> list[int]:
    """Recompute and store the progress of these goals, then of their parents while anything changed (the
    roll-up climbs the tree in the same run). Safe to repeat: an unchanged goal is not written. Returns the
    ids whose progress changed."""
    facts = _task_facts()
    pending = {int(i) for i in goal_ids}
    changed: list[int] = []
    done: set[int] = set()
    for _level in range(MAX_DEPTH):
        pending -= done
        if not pending:
            break
        goals = list(Goal.objects.filter(pk__in=pending).exclude(status=GoalStatus.DROPPED))
        ids = [g.pk for g in goals]
        done |= pending
        children: dict[int, list] = {}
        for parent_id, progress, weight in (
            Goal.objects.filter(parent_id__in=ids)
            .exclude(status=GoalStatus.DROPPED)
            .values_list("parent_id", "progress", "weight")
        ):
            children.setdefault(parent_id, []).append((progress, weight))
        task_links: dict[int, list[int]] = {}
        for goal_id, task_id in GoalTaskLink.objects.filter(goal_id__in=ids).values_list(
            "goal_id", "task_id"
        ):
            task_links.setdefault(goal_id, []).append(task_id)
        project_links: dict[int, list[int]] = {}
        for goal_id, project_id in GoalProjectLink.objects.filter(goal_id__in=ids).values_list(
            "goal_id", "project_id"
        ):
            project_links.setdefault(goal_id, []).append(project_id)
        indicators = _indicator_achievements(ids)
        now = timezone.now()
        next_level = set()
        for goal in goals:
            stats = None
            if facts is not None and (task_links.get(goal.pk) or project_links.get(goal.pk)):
                stats = facts.stats(
                    task_ids=task_links.get(goal.pk, []), group_ids=project_links.get(goal.pk, [])
                )
            value = goal_progress_compute(
                goal, indicators=indicators.get(goal.pk, []), children=children.get(goal.pk, []), tasks=stats
            )
            if value != goal.progress:
                Goal.objects.filter(pk=goal.pk).update(progress=value, progress_updated_at=now)
                changed.append(goal.pk)
                if goal.parent_id:
                    next_level.add(goal.parent_id)
        pending = next_level
    return changed
