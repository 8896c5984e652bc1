"""Absences: who is away when, for every app that shows people (timesheets, the control dashboard, the
digests, the directory, the task form, chat).

An absence app (the workflows app's absence chart) registers a provider in `registry.absence_providers`
with `register_absence_provider(func)`; core asks every provider and merges their answers, so no app reads
the absence app's models:

    absence_days(user_ids=[...], start=..., end=...)   # {user_id: {date: label}}: the timesheet's columns
    absence_until(user_ids=[...], day=today)           # {user_id: Away(label, last_day)}: "on vacation
                                                       # until 12 Jan" (one call per page)

A provider answers `func(*, user_ids, start, end) -> {user_id: {date: label}}` for any number of people in a
constant number of queries; so do both functions here (per provider). `user_ids` is a list of ids, or a
`values_list("pk", flat=True)` queryset of the people when a page covers thousands of them (a provider that
filters with `user_id__in=user_ids` then lets the database do it; iterating it gives the ids as well).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .registry import AbsenceProvider as AbsenceSource
from .registry import registry

__all__ = [
    "AbsenceProvider",
    "Away",
    "absence_days",
    "absence_until",
    "register_absence_provider",
    "unregister_absence_provider",
]

AbsenceProvider = Callable[..., dict[int, dict[datetime.date, str]]]

# How far ahead `absence_until` first looks for the end of an absence, and how many times it looks further
# for the (few) people still away at the end of the window: a bound on the queries, not on the people.
UNTIL_WINDOW_DAYS = 92
UNTIL_MAX_ROUNDS = 6


def _provider_key(func: AbsenceProvider) -> str:
    return f"{func.__module__}.{getattr(func, '__qualname__', repr(func))}"


def register_absence_provider(func: AbsenceProvider) -> AbsenceProvider:
    """Register `func(*, user_ids, start, end) -> {user_id: {date: label}}` (usable as a decorator) in
    `registry.absence_providers`.

    A provider must answer for any number of people in a constant number of queries. Registering the same
    function twice keeps one.
    """
    registry.absence_providers.register(AbsenceSource(_provider_key(func), func), replace=True)
    return func


def unregister_absence_provider(func: AbsenceProvider) -> None:
    registry.absence_providers.unregister(_provider_key(func))


def absence_days(
    *, user_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, dict[datetime.date, str]]:
    """{user_id: {date: label}} of the people's absences from `start` to `end` (inclusive).

    Empty until an absence app registers a provider. Answers of several providers are merged (two labels of
    one date are joined); dates outside the range and people not asked about are dropped. `user_ids` may be
    a `values_list("pk", flat=True)` queryset: it is handed to the providers as it is (not read here).
    """
    result: dict[int, dict[datetime.date, str]] = {}
    providers = registry.absence_providers.items()
    if not providers or end < start:
        return result
    ids: set[int] | None = None
    if isinstance(user_ids, QuerySet):
        asked = user_ids
    else:
        ids = {int(i) for i in user_ids}
        if not ids:
            return result
        asked = sorted(ids)
    for provider in providers:
        answer = provider.func(user_ids=asked, start=start, end=end) or {}
        for user_id, dates in answer.items():
            if ids is not None and int(user_id) not in ids:
                continue
            mine = result.setdefault(int(user_id), {})
            for date, label in (dates or {}).items():
                if not start <= date <= end:
                    continue
                label = str(label or _("Absent"))
                mine[date] = f"{mine[date]}, {label}" if date in mine and label not in mine[date] else label
    return {user_id: dates for user_id, dates in result.items() if dates}


class Away(NamedTuple):
    """A person away on a day: what the absence is (the provider's label: "Vacation", or "Absent" for a
    private type) and the last day of the run of absent days that includes it."""

    label: str
    last_day: datetime.date

    @property
    def until(self) -> str:
        """The last day as a sentence shows it ("12 Jan", the year only when it is not this year's)."""
        today = timezone.localdate()
        return date_format(self.last_day, "j M" if self.last_day.year == today.year else "j M Y")

    @property
    def text(self) -> str:
        """ "Vacation until 12 Jan" (translated)."""
        return _("%(label)s until %(date)s") % {"label": self.label, "date": self.until}

    def __str__(self) -> str:
        return self.text


def absence_until(
    *,
    user_ids: Iterable[int],
    day: datetime.date,
    days: dict[int, dict[datetime.date, str]] | None = None,
) -> dict[int, Away]:
    """{user_id: Away(label, last_day)} of the people away on `day`: the label of that day and the last day
    of the continuous run of absent days (of any provider) that includes it.

    One call per page: first every provider is asked about `day` alone, then about the weeks after it for
    the people away only (again, for the few still away at the end of the window, up to `UNTIL_MAX_ROUNDS`
    times): a constant number of queries per provider whatever the number of people. A caller holding an
    answer of `absence_days` that covers `day` for these people passes it as `days`: who is away is read
    from it instead of being asked again.
    """
    if days is None:
        days = absence_days(user_ids=user_ids, start=day, end=day)
    away = {int(user_id): dates[day] for user_id, dates in days.items() if day in dates}
    if not away:
        return {}
    last = dict.fromkeys(away, day)
    open_ids = set(away)
    start = day + datetime.timedelta(days=1)
    span = UNTIL_WINDOW_DAYS
    for _round in range(UNTIL_MAX_ROUNDS):
        if not open_ids:
            break
        end = start + datetime.timedelta(days=span - 1)
        found = absence_days(user_ids=sorted(open_ids), start=start, end=end)
        still_open = set()
        for user_id in open_ids:
            dates = found.get(user_id, {})
            date = start
            while date <= end and date in dates:
                date += datetime.timedelta(days=1)
            last[user_id] = date - datetime.timedelta(days=1)
            if date > end:  # away the whole window: look further
                still_open.add(user_id)
        open_ids = still_open
        start = end + datetime.timedelta(days=1)
        span *= 2
    return {user_id: Away(label, last[user_id]) for user_id, label in away.items()}
