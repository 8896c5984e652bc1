"""Reports on the start page ("my day"): the reports waiting for my rating, and my own report of today's
period. Each list read is one query that brings the first lines and, through a window count, how many there
are in all."""

from __future__ import annotations

import datetime

from django.db.models import Count, Window

from ..models import WorkReport
from .reports import ReportSpan, report_period_for, waiting_for_q

__all__ = ["my_report_today", "reports_to_rate_first"]


def reports_to_rate_first(*, user, limit: int) -> tuple[list[dict], int]:
    """The sent reports waiting for `user`'s rating (as `reports_to_rate`: the sub-tree they head; HR and admins
    everyone's), the longest waiting first: ([{"id", "period", "period_start", "period_end", "sent_at",
    "is_late", "author__first_name", "author__last_name"}, ...] up to `limit`, how many in all)."""
    qs = (
        WorkReport.objects.visible_to(user)
        .filter(waiting_for_q(user, direct_only=False))
        .order_by("sent_at", "id")
        .annotate(home_total=Window(Count("id")))
    )
    fields = ("id", "period", "period_start", "period_end", "sent_at", "is_late")
    rows = list(qs.values(*fields, "author__first_name", "author__last_name", "home_total")[: max(limit, 1)])
    return rows[:limit], (rows[0]["home_total"] if rows else 0)


def my_report_today(*, user, today: datetime.date) -> tuple[ReportSpan, WorkReport | None]:
    """`user`'s report period that contains `today` and their report of it (None when not written yet)."""
    span = report_period_for(user, today)
    report = (
        WorkReport.objects.filter(author_id=user.pk, period=span.period, period_start=span.start)
        .only("id", "status", "period", "period_start", "period_end", "sent_at", "rating")
        .first()
    )
    return span, report
