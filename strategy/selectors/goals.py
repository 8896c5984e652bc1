"""Goals: the register, one goal, the tree of the strategy map, and what a task and a person serve. Every
read starts from `Goal.objects.visible_to(user)`; a hidden goal answers 404 like a missing one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils.translation import gettext as _

from portal.core.errors import NotFound
from portal.core.links import url_for_pk

from ..choices import HORIZON_RANK, GoalStatus
from ..filters.goals import GoalFilterSet
from ..models import Goal, GoalLink, GoalPageLink, GoalProjectLink, GoalTaskLink


def _visible_projects(user):
    from portal.groups.models import Workgroup

    return Workgroup.objects.visible_to(user)


def goal_queryset(*, user) -> QuerySet[Goal]:
    """Visible goals with what the register shows: owner, department, parent, linked projects."""
    return (
        Goal.objects.visible_to(user)
        .select_related("owner", "department", "parent")
        .prefetch_related(
            Prefetch(
                "project_links",
                queryset=GoalProjectLink.objects.filter(project__in=_visible_projects(user))
                .select_related("project")
                .order_by("-weight", "id"),
            )
        )
    )


def goal_list(*, user, filters=None, request=None) -> tuple[GoalFilterSet, QuerySet[Goal]]:
    """The goal register: (the FilterSet, the filtered visible goals, shortest horizon last)."""
    filterset = GoalFilterSet(filters, queryset=goal_queryset(user=user), request=request)
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    rank = Case(
        *(When(horizon=h, then=Value(r)) for h, r in HORIZON_RANK.items()), output_field=IntegerField()
    )
    return filterset, queryset.alias(_rank=rank).order_by("_rank", "period_start", "title", "id")


def goal_get(*, user, pk) -> Goal:
    """One visible goal, or NotFound for a hidden and a missing one alike."""
    try:
        return goal_queryset(user=user).get(pk=pk)
    except (Goal.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No goal matches the given query.")) from exc


@dataclass
class IndicatorNode:
    id: int
    name: str
    url: str
    status: str


def goal_indicators(*, user, goal_ids) -> dict[int, list[IndicatorNode]]:
    """{goal_id: [IndicatorNode]} of the indicators measuring these goals that `user` sees (one query); the goals
    are ones `user` sees."""
    try:
        from ..models.indicators import Indicator, IndicatorGoal
    except ImportError:  # the indicators are not there yet
        return {}
    result: dict[int, list[IndicatorNode]] = defaultdict(list)
    rows = (
        IndicatorGoal.objects.filter(  # `goal_ids` are goals the caller read through their rights
            goal_id__in=list(goal_ids), indicator__in=Indicator.objects.visible_through_seen_goal(user)
        )
        .order_by("indicator__name", "id")
        .values_list("goal_id", "indicator_id", "indicator__name", "indicator__last_status")
    )
    for goal_id, pk, name, status in rows:
        result[goal_id].append(
            IndicatorNode(pk, name, url_for_pk("strategy:indicator_detail", pk), status or "")
        )
    return result


def goal_children(*, user, goal: Goal) -> list[Goal]:
    return list(goal_queryset(user=user).filter(parent=goal).order_by("period_start", "title", "id"))


def goal_ancestors(*, user, goal: Goal) -> list[Goal]:
    """The visible goals above this one, the root first."""
    chain, seen, current = [], {goal.pk}, goal.parent_id
    visible = Goal.objects.visible_to(user)
    while current and current not in seen and len(chain) < 50:
        seen.add(current)
        parent = visible.filter(pk=current).only("id", "title", "parent_id", "horizon").first()
        if parent is None:
            break
        chain.append(parent)
        current = parent.parent_id
    return list(reversed(chain))


def goal_links(*, user, goal: Goal) -> list[GoalLink]:
    """Horizontal links from and to the goal, both goals visible."""
    return list(
        GoalLink.objects.visible_to(user).filter(source=goal).select_related("target").order_by("kind", "id")
    ) + list(
        GoalLink.objects.visible_to(user).filter(target=goal).select_related("source").order_by("kind", "id")
    )


def goal_pages(*, user, goal: Goal) -> list[GoalPageLink]:
    """The goal's linked pages that `user` may read (their source resolves them for `user`): a page hidden from
    the reader is left out, title and all. One query per source."""
    from portal.core.registry import registry

    links = list(GoalPageLink.objects.visible_to(user).filter(goal=goal))
    wanted: dict[str, list[str]] = defaultdict(list)
    for link in links:
        wanted[link.source].append(link.object_id)
    readable: set[tuple[str, str]] = set()
    for source, values in wanted.items():
        lookup = registry.lookup_sources.get(source)
        if lookup is not None:
            readable |= {(source, _key(item.value)) for item in lookup.resolve(user=user, values=values)}
    return [link for link in links if (link.source, _key(link.object_id)) in readable]


def _key(value) -> str:
    text = str(value)
    return str(int(text)) if text.isdecimal() else text


def goal_tasks(*, user, goal: Goal) -> list[dict]:
    """The tasks linked to the goal directly that `user` sees: [{id, title, url, closed}]."""
    from ..services.goals import task_describe

    ids = list(GoalTaskLink.objects.filter(goal=goal).values_list("task_id", flat=True)[:500])
    described = task_describe(user=user, task_ids=ids)
    return [{"id": pk, **described[pk]} for pk in ids if pk in described]


def goal_choices(*, user, exclude: Goal | None = None, limit: int = 500) -> list[Goal]:
    """Goals to pick (a parent, a linked goal, the goal a task serves): visible, not closed."""
    queryset = (
        Goal.objects.visible_to(user)
        .exclude(status__in=[GoalStatus.DROPPED])
        .only("id", "title", "horizon", "period_start", "period_end", "status")
    )
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return list(queryset.order_by("horizon", "period_start", "title", "id")[:limit])


# --- the strategy map -------------------------------------------------------------------------------------


@dataclass
class MapNode:
    kind: str  # "goal", "project" or "indicator"
    id: int
    title: str
    url: str
    meta: str = ""
    status: str = ""
    progress: int | None = None
    children: list[MapNode] = field(default_factory=list)
    x: int = 0
    y: int = 0
    depth: int = 0


# The most goals one map draws: the longest horizons first (a company's 2,000 goals drawn at once made a
# megabyte of SVG nobody can read); the filters narrow it to a horizon, a department or a status.
MAP_LIMIT = 200


def goal_map(*, user, filters=None, request=None) -> tuple[GoalFilterSet, list[MapNode], bool]:
    """The goal tree as nodes: goals → sub-goals → projects → indicators, only what `user` sees, at most
    `MAP_LIMIT` goals (the longest horizons first); the flag says whether some were left out. A goal whose
    parent is hidden or filtered out becomes a root. Three queries whatever the number of goals."""
    filterset, goals = goal_list(user=user, filters=filters, request=request)
    # What a node shows only: no owner, department or parent rows, no description.
    goals = list(goals.select_related(None).defer("description")[: MAP_LIMIT + 1])
    truncated = len(goals) > MAP_LIMIT
    goals = goals[:MAP_LIMIT]
    ids = {g.pk for g in goals}
    indicators = goal_indicators(user=user, goal_ids=ids)
    nodes: dict[int, MapNode] = {}
    for goal in goals:
        nodes[goal.pk] = MapNode(
            "goal",
            goal.pk,
            goal.title,
            goal.get_absolute_url(),
            meta=goal.get_horizon_display(),
            status=goal.rag(),
            progress=goal.progress_percent,
        )
    roots: list[MapNode] = []
    for goal in goals:
        node = nodes[goal.pk]
        if goal.parent_id in nodes:
            nodes[goal.parent_id].children.append(node)
        else:
            roots.append(node)
    for goal in goals:
        node = nodes[goal.pk]
        for link in goal.project_links.all():
            node.children.append(
                MapNode(
                    "project",
                    link.project_id,
                    link.project.name,
                    link.project.get_absolute_url(),
                    meta=_("weight %(weight)s") % {"weight": link.weight.normalize()},
                )
            )
        for ind in indicators.get(goal.pk, []):
            node.children.append(MapNode("indicator", ind.id, ind.name, ind.url, status=ind.status))
    return filterset, roots, truncated


# Geometry of the map's picture (SVG units).
NODE_W, NODE_H, GAP_X, GAP_Y = 220, 54, 60, 14


def map_layout(roots: list[MapNode]) -> tuple[list[MapNode], list[tuple[int, int, int, int]], int, int]:
    """Place the tree left to right (depth → column, leaves stacked): (nodes, edges, width, height)."""
    placed: list[MapNode] = []
    edges: list[tuple[int, int, int, int]] = []
    next_y = [0]

    def place(node: MapNode, depth: int) -> int:
        node.depth = depth
        node.x = depth * (NODE_W + GAP_X)
        if node.children:
            ys = [place(child, depth + 1) for child in node.children]
            node.y = (ys[0] + ys[-1]) // 2
        else:
            node.y = next_y[0]
            next_y[0] += NODE_H + GAP_Y
        placed.append(node)
        for child in node.children:
            edges.append((node.x + NODE_W, node.y + NODE_H // 2, child.x, child.y + NODE_H // 2))
        return node.y

    for root in roots:
        place(root, 0)
    width = max((n.x for n in placed), default=0) + NODE_W + 10
    height = max(next_y[0], NODE_H) + 10
    return placed, edges, width, height


# --- a person's goals -------------------------------------------------------------------------------------


def goals_of_person(*, user, person) -> dict:
    """The goals `person` owns and the goals their open and recent tasks serve, as `user` sees them."""
    from portal.core.registry import registry

    owned = list(
        Goal.objects.visible_to(user)
        .filter(owner=person)
        .exclude(status=GoalStatus.DROPPED)
        .order_by("period_start", "title")[:20]
    )
    served: list[Goal] = []
    facts = registry.task_facts.get("tasks")
    if facts is not None:
        from ..services.goals import task_goal_resolve

        task_ids = _person_task_ids(person)
        goal_ids = {goal_id for goal_id, _how in task_goal_resolve(task_ids).values()} - {g.pk for g in owned}
        if goal_ids:
            served = list(
                Goal.objects.visible_to(user).filter(pk__in=goal_ids).order_by("period_start", "title")[:20]
            )
    return {"owned": owned, "served": served}


def _person_task_ids(person) -> list[int]:
    """Ids of tasks the person is responsible for (the tasks app's lookup, by id only)."""
    from portal.core.registry import registry

    source = registry.task_facts.get("tasks")
    if source is None:
        return []
    ids = getattr(source, "responsible_ids", None)
    return list(ids(person_id=person.pk, limit=300)) if ids else []
