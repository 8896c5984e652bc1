"""Tasks: reads of tags: the tags a person may use, and the "my tags" overview with what they may manage."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower

from portal.core.permissions import get_visible, is_portal_admin

from ..choices import CLOSED_STATUSES
from ..models import (
    Tag,
    Task,
)
from ..permissions import _active, _manageable_q


def tag_list(*, user) -> QuerySet[Tag]:
    """Tags the user may use: their own and their groups' shared ones."""
    return Tag.objects.visible_to(user).select_related("group").order_by("name", "id")


def tag_get(*, user, pk) -> Tag:
    return get_visible(Tag.objects.visible_to(user), pk=pk)


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
