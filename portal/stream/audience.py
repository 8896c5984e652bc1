"""Who an entry is for: the `Audience` every publisher passes, and the reverse question "who may see
this entry" (for mentions, announcements and counters), which mirrors `Entry.objects.visible_to`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet


def _ids(items) -> list[int]:
    out: list[int] = []
    for item in items or ():
        pk = getattr(item, "pk", item)
        if pk is None:
            continue
        out.append(int(pk))
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Audience:
    """The readers of an entry: everyone, and/or departments (each with its sub-departments),
    workgroups (their members) and named people. Items may be model instances or ids."""

    everyone: bool = False
    departments: tuple[Any, ...] | list[Any] = field(default_factory=tuple)
    groups: tuple[Any, ...] | list[Any] = field(default_factory=tuple)
    users: tuple[Any, ...] | list[Any] = field(default_factory=tuple)

    @property
    def department_ids(self) -> list[int]:
        return _ids(self.departments)

    @property
    def group_ids(self) -> list[int]:
        return _ids(self.groups)

    @property
    def user_ids(self) -> list[int]:
        return _ids(self.users)

    @property
    def is_empty(self) -> bool:
        return not (self.everyone or self.department_ids or self.group_ids or self.user_ids)


def entry_audience_users(entry) -> QuerySet:
    """Active people who may see `entry` (the reverse of `Entry.objects.visible_to`)."""
    from portal.people.models import Department, User

    from .choices import AudienceKind

    people = User.objects.filter(is_active=True)
    if entry.audience_everyone:
        return people
    condition = Q(pk=entry.author_id) | Q(is_staff=True) | Q(is_superuser=True)
    rows = list(entry.audience.all())
    user_ids = [r.user_id for r in rows if r.kind == AudienceKind.USER]
    group_ids = [r.group_id for r in rows if r.kind == AudienceKind.GROUP]
    department_ids = [r.department_id for r in rows if r.kind == AudienceKind.DEPARTMENT]
    if user_ids:
        condition |= Q(pk__in=user_ids)
    if group_ids:
        condition |= Q(memberships__group_id__in=group_ids)
    if department_ids:
        for path in Department.objects.filter(pk__in=department_ids).values_list("path", flat=True):
            condition |= Q(department__path__startswith=path)
    return people.filter(condition).distinct()
