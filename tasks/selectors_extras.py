"""Reads of the extra task pages: the tags page (tags with their numbers of tasks and whether the viewer may
manage them) and the scopes of the efficiency and time reports (which departments and people a viewer may
look at). Everything starts from the `visible_to` choke points; what the viewer may not see answers 404.
"""

from __future__ import annotations

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Lower

from portal.core.permissions import get_visible_or_404, is_portal_admin

from . import selectors
from .choices import CLOSED_STATUSES
from .models import Tag, Task

# --- tags --------------------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _manageable_q(user) -> Q:
    """Mirrors the services' rule for renaming, merging and deleting a tag: the owner of a personal tag,
    owners and moderators of a group's shared tag (admins: every tag; see `tag_list_managed`)."""
    from portal.groups.models import Membership
    from portal.groups.selectors import MODERATING_ROLES

    moderates = Membership.objects.filter(group=OuterRef("group_id"), user=user, role__in=MODERATING_ROLES)
    return Q(group__isnull=True, owner=user) | Q(Exists(moderates), group__isnull=False)


def _annotate_manageable(qs: QuerySet[Tag], user) -> QuerySet[Tag]:
    if is_portal_admin(user):
        return qs.annotate(can_manage=Value(True, output_field=BooleanField()))
    return qs.annotate(
        can_manage=Case(
            When(_manageable_q(user), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def _mine(user) -> QuerySet[Tag]:
    """The viewer's own tags and the shared tags of the groups they belong to (for admins too: the page
    lists a person's tags, not everybody's)."""
    from portal.groups.models import Membership

    if not _active(user):
        return Tag.objects.none()
    groups = Membership.objects.filter(user=user).values("group_id")
    return Tag.objects.filter(Q(owner=user, group__isnull=True) | Q(group__in=groups))


def tag_overview(*, user) -> QuerySet[Tag]:
    """The viewer's tags (their own, then their groups' shared ones, group by group), each with
    `tasks_count` (tasks with the tag the viewer may see), `open_count` (of those, the open ones) and
    `can_manage`. One query."""
    counted = Q()
    if not is_portal_admin(user):
        counted = Q(task_tags__task__in=Task.objects.visible_to(user).values("pk"))
    still_open = ~Q(task_tags__task__status__in=CLOSED_STATUSES)
    qs = (
        _mine(user)
        .select_related("group")
        .annotate(
            tasks_count=Count("task_tags", filter=counted),
            open_count=Count("task_tags", filter=counted & still_open),
            personal=Case(When(group__isnull=True, then=Value(0)), default=Value(1)),
        )
        .order_by("personal", Lower("group__name"), "group_id", Lower("name"), "id")
    )
    return _annotate_manageable(qs, user)


def tag_list_managed(*, user) -> QuerySet[Tag]:
    """The viewer's tags (see `tag_overview`) they may rename, merge and delete: the merge targets."""
    qs = _mine(user).select_related("group")
    if not is_portal_admin(user):
        qs = qs.filter(_manageable_q(user))
    return qs.order_by(Lower("name"), "id")


def can_manage_tag(user, tag: Tag) -> bool:
    """Whether the viewer may rename, merge or delete `tag` (the `can_manage` annotation when present)."""
    if not _active(user):
        return False
    annotated = getattr(tag, "can_manage", None)
    if annotated is not None:
        return bool(annotated)
    if is_portal_admin(user):
        return True
    return Tag.objects.filter(_manageable_q(user), pk=tag.pk).exists()


# --- the scopes of the efficiency and time reports -------------------------------------------------


def report_departments(*, user):
    """The departments whose efficiency the viewer may look at: their own sub-tree for a head, every
    department for admins, none for others."""
    from portal.people.selectors import departments_managed_by

    if not _active(user):
        from portal.people.models import Department

        return Department.objects.none()
    return departments_managed_by(user).order_by("path")


def report_department_get(*, user, pk):
    """One department of `report_departments`; any other (or a missing one) answers 404."""
    return get_visible_or_404(report_departments(user=user), pk=pk)


EFFICIENCY_SCOPES = ("me", "direct", "subtree")


def efficiency_scopes(*, user) -> list[str]:
    """The people switches the viewer has: "me" always; "direct" and "subtree" for the head of a
    department."""
    from portal.people.models import headed_path

    return list(EFFICIENCY_SCOPES) if headed_path(user) else ["me"]


def efficiency_report(
    *, user, start, end, scope: str | None = None, department=None, people=None
) -> list[dict]:
    """`selectors.efficiency` for one of the viewer's scopes.

    `scope`: "me", "direct" (the people the viewer supervises directly) or "subtree" (everyone below them);
    `department`: a department id of `report_departments` (404 for any other), with its total row;
    `people`: person ids; those the viewer may not look at are left out (as `selectors.efficiency` does).
    Nothing given: everyone the viewer may look at. A constant number of queries.
    """
    from portal.people.selectors import subordinates_of

    dept = report_department_get(user=user, pk=department) if department is not None else None
    person_ids: list[int] | None = None
    if scope == "me":
        person_ids = [user.pk]
    elif scope in ("direct", "subtree"):
        person_ids = list(subordinates_of(user, recursive=scope == "subtree").values_list("pk", flat=True))
    elif scope is not None:
        raise ValueError(f"scope must be one of {', '.join(EFFICIENCY_SCOPES)}")
    if people is not None:
        wanted = {int(p) for p in people}
        person_ids = sorted(wanted) if person_ids is None else [p for p in person_ids if p in wanted]
    return selectors.efficiency(user=user, person_ids=person_ids, department=dept, start=start, end=end)


TIME_ROW_KEYS = {"task": ("task_id", "title"), "person": ("user_id", "name"), "project": ("group_id", "name")}


def time_report(*, user, group_by: str, start=None, end=None, person=None, group=None) -> dict:
    """`selectors.time_spent_by` in one shape whatever the grouping, with its totals.

    Rows: `id` (of the task, person or project; None for time on tasks without a project), `name`, `seconds`,
    `entries` and `time_estimate` (seconds; tasks only). A person the viewer may not see in the directory or
    a group hidden from them answers 404 (only time on tasks the viewer may see counts anyway)."""
    from django.contrib.auth import get_user_model

    from portal.groups.models import Workgroup

    if group_by not in TIME_ROW_KEYS:
        raise ValueError(f"group_by must be one of {', '.join(TIME_ROW_KEYS)}")
    filters: dict = {"start": start, "end": end}
    if person is not None:
        filters["person"] = get_visible_or_404(get_user_model().objects.visible_to(user), pk=person).pk
    if group is not None:
        filters["group"] = get_visible_or_404(Workgroup.objects.visible_to(user), pk=group).pk
    key, name = TIME_ROW_KEYS[group_by]
    rows = [
        {
            "id": row[key],
            "name": row[name],
            "seconds": row["seconds"],
            "entries": row["entries"],
            "time_estimate": row.get("time_estimate"),
        }
        for row in selectors.time_spent_by(user=user, group_by=group_by, filters=filters)
    ]
    return {
        "rows": rows,
        "total_seconds": sum(row["seconds"] for row in rows),
        "total_entries": sum(row["entries"] for row in rows),
    }
