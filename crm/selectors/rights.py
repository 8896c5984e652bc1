"""Reading CRM roles for their admin pages (CRM administrators only: anyone else gets `NotFound`)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from portal.core.errors import NotFound

from .. import rights
from ..choices import Action, Entity, Level
from ..models import CrmRole, CrmRoleAssignment, CrmSettings


def role_list(*, user) -> QuerySet[CrmRole]:
    """Every role with its table and holders prefetched, and the number of people and departments holding it."""
    rights.require_crm_admin(user)
    return CrmRole.objects.annotate(
        people_count=Count("assignments", filter=Q(assignments__user__isnull=False)),
        department_count=Count("assignments", filter=Q(assignments__department__isnull=False)),
    ).prefetch_related(
        "permissions",
        Prefetch(
            "assignments",
            queryset=CrmRoleAssignment.objects.select_related("user", "department").order_by("id"),
        ),
    )


def role_get(*, user, pk) -> CrmRole:
    rights.require_crm_admin(user)
    try:
        return CrmRole.objects.get(pk=pk)
    except (CrmRole.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def role_table(role: CrmRole | None) -> dict[tuple[str, str], int]:
    """{(entity, action): level} of every cell (none where the role holds nothing)."""
    table = {(entity, action): Level.NONE for entity in Entity.values for action in Action.values}
    if role is not None and role.pk:
        for permission in role.permissions.all():
            table[(permission.entity, permission.action)] = permission.level
    return table


def role_summary(role: CrmRole) -> list[tuple[str, str]]:
    """(entity label, the view level's label) per entity: the list page's short description of a role."""
    table = role_table(role)
    return [(str(label), str(Level(table[(entity, Action.VIEW)]).label)) for entity, label in Entity.choices]


def role_holders(role: CrmRole | None) -> dict[str, list[int]]:
    """Who holds the role: {"users": [...], "departments": [...], "subtree_departments": [...]} (ids)."""
    held: dict[str, list[int]] = {"users": [], "departments": [], "subtree_departments": []}
    if role is None or not role.pk:
        return held
    for assignment in role.assignments.all():
        if assignment.user_id:
            held["users"].append(assignment.user_id)
        elif assignment.include_subdepartments:
            held["subtree_departments"].append(assignment.department_id)
        else:
            held["departments"].append(assignment.department_id)
    return held


def crm_settings_get(*, user) -> CrmSettings:
    rights.require_crm_admin(user)
    return CrmSettings.current()
