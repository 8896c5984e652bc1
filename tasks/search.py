"""Tasks in the global search: full-text over title, description and comments.

The services keep `Task.search_text` (title, description and the comments' plain text) up to date; on
PostgreSQL a GIN index covers `to_tsvector('english', COALESCE(search_text, ''))` (migration 0002), which is
exactly what `SearchVector("search_text", config="english")` renders, so the match is an index scan. The
permission filter (`Task.objects.visible_to`) is part of the same query, before ranking and the limit.
Elsewhere (embedded SQLite) every word must appear in `search_text` as a substring.
"""

from __future__ import annotations

import re

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from portal.core.search import SearchHit, uses_postgres
from portal.stream import mentions

from .models import Task

ICON = "bi-check2-square"
MAX_WORDS = 8
SNIPPET_CHARS = 200
# On PostgreSQL, the number of newest visible matches that are ranked (see task_search_queryset).
RANK_WINDOW = 500


def search_tasks(*, user, query: str, limit: int) -> list[SearchHit]:
    """Tasks `user` may see whose title, description or comments match `query`, best first (one query)."""
    words = (query or "").split()[:MAX_WORDS]
    if not words or limit <= 0:
        return []
    return [_hit(task, words) for task in task_search_queryset(user=user, query=query)[:limit]]


def task_search_queryset(*, user, query: str) -> QuerySet[Task]:
    """The ranked, permission-filtered matches of `query` (the provider slices it).

    PostgreSQL: websearch syntax ("quoted phrases", -excluded, or), word forms (stemming), ranked with
    title words weighing most (among the newest RANK_WINDOW visible matches), the matching passage as
    `snippet`. Elsewhere: every word as a case-insensitive substring, title matches first, then newest.
    """
    words = (query or "").split()[:MAX_WORDS]
    qs = Task.objects.visible_to(user)
    if not words:
        return qs.none()
    if uses_postgres():
        from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

        document = SearchVector("search_text", config="english")
        search_query = SearchQuery(query, config="english", search_type="websearch")
        weighted = SearchVector("title", config="english", weight="A") + SearchVector(
            "search_text", config="english", weight="D"
        )
        # Ranking computes each candidate's tsvector again, so only the newest RANK_WINDOW visible matches
        # are ranked. They are picked by `id + 0`, an order no index serves: PostgreSQL then finds the
        # matches through the GIN index, instead of walking the created_at index backwards and computing the
        # tsvector of every row it passes (seconds for a word in one task of fifty, on a million tasks).
        newest = (
            qs.annotate(document=document)
            .filter(document=search_query)
            .annotate(newest=F("id") + Value(0))
            .order_by("-newest")
            .values("pk")[:RANK_WINDOW]
        )
        qs = (
            Task.objects.filter(pk__in=newest)
            .annotate(
                rank=SearchRank(weighted, search_query),
                snippet=SearchHeadline(
                    "search_text",
                    search_query,
                    config="english",
                    start_sel="",
                    stop_sel="",
                    max_words=30,
                    min_words=12,
                ),
            )
            .order_by("-rank", "-created_at", "-id")
            .defer("search_text")  # the snippet is computed in the database
        )
    else:
        in_title = Q()
        for word in words:
            qs = qs.filter(search_text__icontains=word)
            in_title |= Q(title__icontains=word)
        qs = qs.annotate(
            title_hit=Case(When(in_title, then=Value(1)), default=Value(0), output_field=IntegerField())
        ).order_by("-title_hit", "-created_at", "-id")
    return qs.select_related("responsible").defer("description")


def _hit(task: Task, words: list[str]) -> SearchHit:
    text = getattr(task, "snippet", None) or _passage(task.search_text, words)
    snippet = " ".join(mentions.plain(text).split())
    person = task.responsible.full_name or task.responsible.email
    return SearchHit(
        kind="tasks",
        title=task.title,
        url=task.get_absolute_url(),
        snippet=" · ".join(part for part in (str(task.get_status_display()), person, snippet) if part),
        icon=ICON,
        extra={
            "id": task.pk,
            "status": task.status,
            "responsible": task.responsible_id,
            "deadline": task.deadline.isoformat() if task.deadline else None,
        },
    )


def _passage(text: str, words: list[str]) -> str:
    """About SNIPPET_CHARS characters of `text` around the first of `words` found in it."""
    text = " ".join((text or "").split())
    if len(text) <= SNIPPET_CHARS:
        return text
    pattern = re.compile("|".join(re.escape(w) for w in words if w), re.IGNORECASE) if words else None
    match = pattern.search(text) if pattern else None
    start = max(0, (match.start() if match else 0) - SNIPPET_CHARS // 3)
    end = min(len(text), start + SNIPPET_CHARS)
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
