"""Reads of deputies: a person sees the periods they set and those in which they act for someone; admins
see every period."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.core.permissions import get_visible, is_portal_admin
from portal.core.visibility import is_active_person

from ..models import Deputy


def deputies_visible_to(user) -> QuerySet[Deputy]:
    """The choke point of deputy periods: the person's own and those they act in; admins all."""
    if not is_active_person(user):
        return Deputy.objects.none()
    if is_portal_admin(user):
        return Deputy.objects.all()
    return Deputy.objects.filter(Q(user_id=user.pk) | Q(deputy_id=user.pk))


def deputy_list(
    *, user, everyone: bool = False, current: bool = True, today: datetime.date | None = None
) -> QuerySet[Deputy]:
    """Deputy periods `user` may see: their own and those they act in, or (admins, `everyone`) all;
    `current` leaves out the periods that are over."""
    qs = deputies_visible_to(user)
    if not (everyone and is_portal_admin(user)):
        qs = qs.filter(Q(user_id=user.pk) | Q(deputy_id=user.pk))
    if current:
        qs = qs.filter(end__gte=today or timezone.localdate())
    return qs.select_related("user__department", "deputy__department").order_by("start", "user_id", "id")


def deputy_get(*, user, pk) -> Deputy:
    return get_visible(deputies_visible_to(user).select_related("user", "deputy"), pk=pk)


def deputy_on(*, user_ids, day: datetime.date) -> dict[int, Deputy]:
    """{user_id: the deputy period covering `day`} (one query)."""
    ids = [int(pk) for pk in user_ids]
    if not ids:
        return {}
    rows = (
        Deputy.objects.filter(user_id__in=ids, start__lte=day, end__gte=day)
        .select_related("deputy")
        .order_by("user_id", "start")
    )
    return {row.user_id: row for row in rows}
