"""Where the workflows app shows up in the rest of the portal: holidays. The company calendar is core's
calendar source, so every count of working days (schedules, timesheets, task and approval deadlines) skips the
public holidays and counts the moved working days."""

from __future__ import annotations

from portal.core.registry import CalendarSource, registry

CALENDAR_KEY = "workflows.holidays"


def holiday_calendar(*, start, end) -> dict:
    """{date: (working, name)} of the company calendar from `start` to `end` (one query)."""
    from ..selectors.holidays import holiday_calendar as read

    return read(start=start, end=end)


def register() -> None:
    registry.calendar_sources.register(CalendarSource(key=CALENDAR_KEY, func=holiday_calendar))
