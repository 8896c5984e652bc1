"""Reports: absences in the timesheets, the hook of the future absence chart. An absence app registers a
provider with `register_absence_provider(func)`; `absence_days` asks every provider and merges their answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _

from portal.core.registry import AbsenceProvider as AbsenceSource
from portal.core.registry import registry

__all__ = [
    "AbsenceProvider",
    "absence_days",
    "register_absence_provider",
    "unregister_absence_provider",
]

# --- absences: the hook of the future absence chart --------------------------------------------------------

AbsenceProvider = Callable[..., dict[int, dict[datetime.date, str]]]


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
    one date are joined); dates outside the range and people not asked about are dropped.
    """
    ids = {int(i) for i in user_ids}
    result: dict[int, dict[datetime.date, str]] = {}
    providers = registry.absence_providers.items()
    if not ids or not providers:
        return result
    for provider in providers:
        answer = provider.func(user_ids=sorted(ids), start=start, end=end) or {}
        for user_id, dates in answer.items():
            if int(user_id) not in ids:
                continue
            mine = result.setdefault(int(user_id), {})
            for date, label in (dates or {}).items():
                if not start <= date <= end:
                    continue
                label = str(label or _("Absent"))
                mine[date] = f"{mine[date]}, {label}" if date in mine and label not in mine[date] else label
    return {user_id: dates for user_id, dates in result.items() if dates}
