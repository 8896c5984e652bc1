"""Tasks on the start page ("my day"): what I have to finish today and what waits for my control. Each read
is one query that brings the first lines and, through a window count, how many there are in all."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Count, Window
from django.utils import timezone

from ..choices import TaskRole, TaskStatus
from ..models import Task

__all__ = ["end_of_today", "tasks_awaiting_my_control", "tasks_due_today"]


def _zone(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", None) or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def end_of_today(user, now: datetime.datetime | None = None) -> datetime.datetime:
    """The next local midnight of `user` (aware): a deadline before it falls today or has passed."""
    zone = _zone(user)
    today = timezone.localtime(now or timezone.now(), zone).date()
    return datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)


def _first_and_total(qs, fields: tuple[str, ...], limit: int) -> tuple[list[dict], int]:
    rows = list(qs.annotate(home_total=Window(Count("id"))).values(*fields, "home_total")[: max(limit, 1)])
    return rows[:limit], (rows[0]["home_total"] if rows else 0)


def tasks_due_today(*, user, limit: int, now: datetime.datetime | None = None) -> tuple[list[dict], int]:
    """Running tasks `user` is responsible for whose deadline is today (in their time zone) or has passed, the
    most overdue first: ([{"id", "title", "deadline", "priority"}, ...] up to `limit`, how many in all)."""
    qs = (
        Task.objects.visible_in_role(user, TaskRole.DO)
        .filter(responsible_id=user.pk)
        .running()
        .filter(deadline__lt=end_of_today(user, now))
        .order_by("deadline", "id")
    )
    return _first_and_total(qs, ("id", "title", "deadline", "priority"), limit)


def tasks_awaiting_my_control(*, user, limit: int) -> tuple[list[dict], int]:
    """Tasks `user` created that were completed and wait for them to accept or return, the longest waiting
    first: ([{"id", "title", "completed_at", "responsible__first_name", "responsible__last_name"}, ...], total)."""
    qs = (
        Task.objects.visible_in_role(user, TaskRole.SET)
        .filter(creator_id=user.pk, status=TaskStatus.AWAITING_CONTROL)
        .order_by("completed_at", "id")
    )
    fields = ("id", "title", "completed_at", "responsible__first_name", "responsible__last_name")
    return _first_and_total(qs, fields, limit)
