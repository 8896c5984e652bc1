"""Reads of the company calendar: the holidays of a year for the page and the API, and the calendar source
that `portal.core.workdays` merges (registered in registrations/holidays.py)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.db.models.functions import ExtractYear

from portal.core.permissions import get_visible
from portal.core.visibility import is_active_person

from ..choices import HolidayKind
from ..models import Holiday


def holiday_list(*, user, year: int | None = None) -> QuerySet[Holiday]:
    """The calendar's dates (of `year`, if given) for every employee, in date order."""
    if not is_active_person(user):
        return Holiday.objects.none()
    qs = Holiday.objects.all()
    if year is not None:
        qs = qs.filter(date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31))
    return qs.order_by("date")


def holiday_get(*, user, pk) -> Holiday:
    return get_visible(holiday_list(user=user), pk=pk)


def holiday_years(*, user) -> list[int]:
    """The years the calendar has dates in, newest first (one query)."""
    if not is_active_person(user):
        return []
    return list(
        Holiday.objects.annotate(year=ExtractYear("date"))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def holiday_calendar(*, start: datetime.date, end: datetime.date) -> dict[datetime.date, tuple[bool, str]]:
    """{date: (working, name)} from `start` to `end`: False for a public holiday, True for a moved working day.
    One query: core's calendar source (portal.core.registry.CalendarSource)."""
    if end < start:
        return {}
    rows = Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind", "name")
    return {date: (kind == HolidayKind.WORKDAY, name) for date, kind, name in rows}
