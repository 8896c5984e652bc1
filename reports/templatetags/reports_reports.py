"""Template helpers of the work-report pages."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def report_duration(seconds) -> str:
    """Seconds as H:MM (7:05); "0:00" for nothing."""
    try:
        total = max(0, int(seconds or 0))
    except (TypeError, ValueError):
        return ""
    minutes = total // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


@register.filter
def report_instant(value):
    """An ISO string stored in a report's pre-fill as an aware datetime (the template shows it in the
    viewer's time zone), or a date for a plain date; None when it is not one."""
    if not value:
        return None
    try:
        if len(str(value)) == 10:
            return datetime.date.fromisoformat(str(value))
        return datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None
