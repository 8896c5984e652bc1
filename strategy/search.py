"""The goals' search provider: visible goals whose title or description holds every word (the filter runs in
the database before the limit, so a hidden goal never shows)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

from portal.core.search import SearchHit

from .models import Goal

MAX_WORDS = 8


def _matching(user, query: str):
    words = (query or "").split()[:MAX_WORDS]
    if not words:
        return Goal.objects.none(), words
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(description__icontains=word)
    in_title = Q()
    for word in words:
        in_title &= Q(title__icontains=word)
    qs = (
        Goal.objects.visible_to(user)
        .filter(condition)
        .annotate(_title=Case(When(in_title, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("_title", "-period_start", "id")
    )
    return qs, words


def search_goals(*, user, query: str, limit: int) -> list[SearchHit]:
    """Goals `user` may see matching `query`, title matches first (one query)."""
    qs, _words = _matching(user, query)
    return [
        SearchHit(
            kind="goals",
            title=goal.title,
            url=goal.get_absolute_url(),
            snippet=f"{goal.get_horizon_display()} · {goal.period_start:%d.%m.%Y}–{goal.period_end:%d.%m.%Y}",
            icon="bi-bullseye",
        )
        for goal in qs.only("id", "title", "horizon", "period_start", "period_end")[:limit]
    ]
