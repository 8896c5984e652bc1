"""The project register: projects (workgroups of the project kind) the user sees, with their goals and
weights, owner, dates, status, progress and open/overdue counts from their tasks, and the last status note.
A constant number of queries whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from portal.core.registry import TaskStats, registry
from portal.groups.choices import GroupKind, MemberRole
from portal.groups.models import Membership, Workgroup

from ..filters.projects import ProjectFilterSet
from ..models import Goal, GoalProjectLink, ProjectStatusNote


def project_queryset(*, user) -> QuerySet[Workgroup]:
    notes = ProjectStatusNote.objects.filter(project=OuterRef("pk")).order_by("-week", "-id")
    return (
        Workgroup.objects.visible_to(user)
        .filter(kind=GroupKind.PROJECT)
        .select_related("department")
        .annotate(
            note_rag=Subquery(notes.values("rag")[:1]),
            note_text=Subquery(notes.values("text")[:1]),
            note_week=Subquery(notes.values("week")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "goal_links",
                queryset=GoalProjectLink.objects.filter(goal__in=Goal.objects.visible_to(user))
                .select_related("goal")
                .order_by("-weight", "id"),
            ),
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(role=MemberRole.OWNER)
                .select_related("user")
                .order_by("id"),
                to_attr="owner_memberships",
            ),
        )
    )


def project_list(*, user, filters=None, request=None) -> tuple[ProjectFilterSet, QuerySet[Workgroup]]:
    filterset = ProjectFilterSet(filters, queryset=project_queryset(user=user), request=request)
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return filterset, queryset.order_by("end_date", "name", "id")


@dataclass
class ProjectRow:
    project: Workgroup
    goals: list = field(default_factory=list)
    owner: object = None
    stats: TaskStats = field(default_factory=TaskStats)
    status: str = ""

    @property
    def progress(self) -> int:
        return int(self.stats.closed * 100 / self.stats.total) if self.stats.total else 0

    @property
    def at_risk(self) -> bool:
        return self.project.note_rag == "red" or (self.stats.overdue > 0 and self.project.note_rag != "green")


def project_status(project, today) -> str:
    if project.is_archived:
        return "archived"
    if project.start_date and project.start_date > today:
        return "planned"
    if project.end_date and project.end_date < today:
        return "finished"
    return "active"


def project_rows(projects: list[Workgroup]) -> list[ProjectRow]:
    """Decorate a page of projects: goals, owner, status and the task counts (one query for all)."""
    facts = registry.task_facts.get("tasks")
    stats = facts.group_stats([p.pk for p in projects]) if facts is not None and projects else {}
    today = timezone.localdate()
    rows = []
    for project in projects:
        owners = getattr(project, "owner_memberships", [])
        rows.append(
            ProjectRow(
                project=project,
                goals=list(project.goal_links.all()),
                owner=owners[0].user if owners else None,
                stats=stats.get(project.pk, TaskStats()),
                status=project_status(project, today),
            )
        )
    return rows


def project_notes(*, user, project, limit: int = 12) -> list[ProjectStatusNote]:
    return list(
        ProjectStatusNote.objects.visible_to(user).filter(project=project).select_related("author")[:limit]
    )


def projects_at_risk(*, user, limit: int = 10) -> list[ProjectRow]:
    """Running projects whose last note is red or amber, or that have overdue tasks."""
    _filterset, queryset = project_list(user=user, filters={"status": "active"})
    rows = project_rows(list(queryset[:300]))
    risky = [r for r in rows if r.project.note_rag in ("red", "amber") or r.stats.overdue]
    risky.sort(key=lambda r: (r.project.note_rag != "red", -r.stats.overdue))
    return risky[:limit]


def goal_project_weights(goal_ids) -> dict[int, list]:
    result = defaultdict(list)
    for link in GoalProjectLink.objects.filter(goal_id__in=goal_ids):
        result[link.goal_id].append(link)
    return result
