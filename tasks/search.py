"""Tasks in the global search: full-text over title, description and comments.

The services keep `Task.search_text` (title, description and the comments' plain text) up to date; on
PostgreSQL the database keeps a stored, GIN-indexed `tsvector` of it in the generated column
`tasks_task.search_vector` (title words weighted A, the whole text D; migration 0008), filled on every write
and on the seeders' COPY. The match is a GIN index scan, and every visible match is ranked from the stored
vector (`ts_rank`, no tsvector computed per candidate); the permission filter (`Task.objects.visible_to`) is
part of the same query, before ranking and the limit. The model does not name the column (embedded SQLite
has no tsvector): core's `StoredSearchVector` reads it. Elsewhere every word must appear in `search_text` as a
substring.
"""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from portal.core.search import SearchHit, StoredSearchVector, uses_postgres
from portal.stream import mentions

from .models import Task

ICON = "bi-check2-square"
MAX_WORDS = 8
SNIPPET_CHARS = 200
VECTOR_COLUMN = "search_vector"

__all__ = ["StoredSearchVector", "search_tasks", "task_search_queryset"]


def search_tasks(*, user, query: str, limit: int) -> list[SearchHit]:
    """Tasks `user` may see whose title, description or comments match `query`, best first (one query)."""
    words = (query or "").split()[:MAX_WORDS]
    if not words or limit <= 0:
        return []
    return [_hit(task, words) for task in task_search_queryset(user=user, query=query, limit=limit)[:limit]]


def task_search_queryset(*, user, query: str, limit: int | None = None) -> QuerySet[Task]:
    """The ranked, permission-filtered matches of `query` (the caller slices it; with `limit`, only the best
    `limit` are read).

    PostgreSQL: websearch syntax ("quoted phrases", -excluded, or), word forms (stemming), every visible
    match ranked with title words weighing most, the matching passage as `snippet`. With `limit`, the
    ranking runs over the matches' ids, rank and date alone (a narrow top-N sort), and only the best `limit`
    rows are read whole, with their snippet. Elsewhere: every word as a case-insensitive substring, title
    matches first, then newest.
    """
    words = (query or "").split()[:MAX_WORDS]
    qs = Task.objects.visible_to(user)
    if not words:
        return qs.none()
    if uses_postgres():
        from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

        search_query = SearchQuery(query, config="english", search_type="websearch")
        order = ("-rank", "-created_at", "-id")
        vector = StoredSearchVector(VECTOR_COLUMN)
        qs = qs.alias(document=vector).filter(document=search_query)
        if limit is not None:
            best = qs.annotate(rank=SearchRank(vector, search_query)).order_by(*order)
            qs = Task.objects.filter(pk__in=best.values("pk")[: max(limit, 0)])
        qs = (
            qs.annotate(
                rank=SearchRank(vector, search_query),
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
            .order_by(*order)
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
    # On PostgreSQL the database made the snippet (an empty one too: `search_text` is deferred, and reading it
    # here would cost a query per hit); elsewhere the passage is cut from the text.
    text = task.snippet if hasattr(task, "snippet") else _passage(task.search_text, words)
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
