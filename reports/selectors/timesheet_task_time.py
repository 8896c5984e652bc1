"""Reports: the time logged on tasks in a timesheet (tasks.TimeEntry and any registered time model), read
per time zone window of the month and split at the person's local midnights, so a daylight-saving day counts
its real 23 or 25 hours. A constant number of queries whatever the number of people.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from .people_ids import PeopleIds, ids_lookup
from .timesheets import _zone

__all__: list[str] = []

_UTC = datetime.UTC
# No time zone is more than 14 hours away from UTC, and no task time entry is longer than seven days.
_ZONE_SLACK = datetime.timedelta(hours=14)
_ENTRY_MAX = datetime.timedelta(days=7)


def _local_midnight(date: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The instant (UTC) the local date begins in `zone`."""
    return datetime.datetime.combine(date, datetime.time.min, tzinfo=zone).astimezone(_UTC)


def _split_by_local_day(
    start: datetime.datetime, end: datetime.datetime, zone: zoneinfo.ZoneInfo
) -> dict[datetime.date, int]:
    """Seconds of the interval [start, end) on each local date of `zone` (cut at local midnights, so a
    daylight-saving day counts its real 23 or 25 hours)."""
    start, end = start.astimezone(_UTC), end.astimezone(_UTC)
    result: dict[datetime.date, int] = {}
    date = start.astimezone(zone).date()
    while start < end:
        next_midnight = _local_midnight(date + datetime.timedelta(days=1), zone)
        piece_end = min(end, next_midnight)
        if piece_end > start:
            result[date] = result.get(date, 0) + int((piece_end - start).total_seconds())
        start = max(start, piece_end)
        date += datetime.timedelta(days=1)
    return result


@dataclass
class _Window:
    """The month of one time zone, as UTC instants."""

    zone: zoneinfo.ZoneInfo
    start: datetime.datetime
    end: datetime.datetime
    user_ids: list[int] = field(default_factory=list)


def _windows(people, first: datetime.date, last: datetime.date, *, query=None) -> dict[str, _Window]:
    """The month of each time zone among `people`. With `query` (a values("pk") queryset of exactly these
    people), a window holding everybody filters by it (`IN (SELECT ...)`, not hundreds of ids)."""
    windows = _zone_windows(people, first, last)
    if query is not None and len(windows) == 1:
        window = next(iter(windows.values()))
        window.user_ids = PeopleIds(window.user_ids, query=query)
    return windows


def _zone_windows(people, first: datetime.date, last: datetime.date) -> dict[str, _Window]:
    windows: dict[str, _Window] = {}
    for person in people:
        name = person.time_zone or settings.TIME_ZONE
        if name not in windows:
            zone = _zone(name)
            windows[name] = _Window(
                zone=zone,
                start=_local_midnight(first, zone),
                end=_local_midnight(last + datetime.timedelta(days=1), zone),
            )
        windows[name].user_ids.append(person.pk)
    return windows


def _entry_interval(row: dict, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """A time entry's interval: from its start for its logged seconds; a running timer until now."""
    start = row["started_at"]
    if row["ended_at"] is None:
        return start, max(start, now)
    return start, start + datetime.timedelta(seconds=int(row["seconds"] or 0))


def _overlapping(window: _Window) -> Q:
    """Time entries of the window's people that may overlap its month: started before its end, and either
    not longer ago than the longest entry allows or still running (a forgotten timer runs on)."""
    return Q(user_id__in=ids_lookup(window.user_ids), started_at__lt=window.end) & (
        Q(started_at__gte=window.start - _ENTRY_MAX) | Q(ended_at__isnull=True)
    )


def _inside(window: _Window) -> Q:
    """Stopped time entries wholly inside the window's month."""
    return Q(
        user_id__in=ids_lookup(window.user_ids),
        started_at__gte=window.start,
        ended_at__isnull=False,
        ended_at__lte=window.end,
    )


def _time_models() -> list[type]:
    """The models of logged time other apps register (time on tasks): `registry.timesheet_sources`."""
    from portal.core.registry import registry

    return [source.model() for source in registry.timesheet_sources]


def _task_seconds_by_day(
    people, windows: dict[str, _Window], now: datetime.datetime
) -> dict[int, dict[datetime.date, int]]:
    """{user_id: {local date: seconds on tasks}} inside each person's month. One query (a source)."""
    condition = Q()
    for window in windows.values():
        condition |= _overlapping(window)
    zone_of = {person.pk: _zone(person.time_zone) for person in people}
    window_of = {uid: w for w in windows.values() for uid in w.user_ids}
    result: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    if not zone_of:
        return result
    rows = [
        row
        for model in _time_models()
        for row in model.objects.filter(condition)
        .order_by()
        .values("user_id", "started_at", "ended_at", "seconds")
    ]
    for row in rows:
        window = window_of[row["user_id"]]
        start, end = _entry_interval(row, now)
        start, end = max(start, window.start), min(end, window.end)
        if end <= start:
            continue
        mine = result[row["user_id"]]
        for date, seconds in _split_by_local_day(start, end, zone_of[row["user_id"]]).items():
            mine[date] = mine.get(date, 0) + seconds
    return result


def _task_seconds_totals(people, windows: dict[str, _Window], now: datetime.datetime) -> dict[int, int]:
    """{user_id: seconds on tasks inside their month}. Two queries whatever the number of people: entries
    wholly inside the month are summed by the database, those crossing its edges (or still running) are
    cut in Python."""
    from django.db.models import Sum

    inside = Q()
    edges = Q()
    for window in windows.values():
        inside |= _inside(window)
        edges |= _overlapping(window) & (
            Q(started_at__lt=window.start) | Q(ended_at__isnull=True) | Q(ended_at__gt=window.end)
        )
    result: dict[int, int] = defaultdict(int)
    if not windows:
        return result
    models = _time_models()
    window_of = {uid: w for w in windows.values() for uid in w.user_ids}
    for model in models:
        for row in model.objects.filter(inside).order_by().values("user_id").annotate(s=Sum("seconds")):
            result[row["user_id"]] += int(row["s"] or 0)
    for row in (
        row
        for model in models
        for row in model.objects.filter(edges)
        .order_by()
        .values("user_id", "started_at", "ended_at", "seconds")
    ):
        window = window_of[row["user_id"]]
        start, end = _entry_interval(row, now)
        start, end = max(start, window.start), min(end, window.end)
        if end > start:
            result[row["user_id"]] += int((end - start).total_seconds())
    return result
