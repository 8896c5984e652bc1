"""The goal picker's lookup source ("goals"): visible goals by title, one query each way."""

from __future__ import annotations

from portal.core.pickers import LookupItem

from .models import Goal
from .search import _matching


def _item(goal: Goal) -> LookupItem:
    return LookupItem(
        source="goals",
        value=str(goal.pk),
        label=goal.title,
        hint=f"{goal.get_horizon_display()} · {goal.period_start:%Y}",
    )


def goals_search(*, user, query: str, limit: int) -> list[LookupItem]:
    qs, _words = _matching(user, query)
    return [_item(g) for g in qs.only("id", "title", "horizon", "period_start")[:limit]]


def goals_resolve(*, user, values) -> list[LookupItem]:
    ids = [int(v) for v in values if str(v).isdigit()]
    found = {
        g.pk: g
        for g in Goal.objects.visible_to(user)
        .filter(pk__in=ids)
        .only("id", "title", "horizon", "period_start")
    }
    return [_item(found[i]) for i in ids if i in found]
