"""The workflows app in the global search: the processes a person may see, found by their title or their
counterparty.

The provider starts from `Process.objects.visible_to(user)`, so the rights are part of the one query, before
the ranking and the limit (`portal.core.search.match_names`: trigram-ranked words on PostgreSQL, substrings
elsewhere).
"""

from __future__ import annotations

from django.urls import NoReverseMatch

from portal.core.links import url_for_pk
from portal.core.search import SearchHit, match_names, uses_postgres

from .models import Process

SEARCH_FIELDS = ["title", "counterparty"]
ICON = "bi-diagram-3"


def process_search_queryset(*, user, query: str):
    """The processes `user` may see matching `query`, best first (the caller slices)."""
    found = match_names(Process.objects.visible_to(user), query, SEARCH_FIELDS)
    if not uses_postgres():
        found = found.order_by("-submitted_at", "-pk")
    return found


def _url(pk: int) -> str:
    try:
        return url_for_pk("workflows:process_detail", pk)
    except NoReverseMatch:  # the process page is not routed
        return ""


def _person(user) -> str:
    return (user.full_name or user.email) if user is not None else ""


def search_processes(*, user, query: str, limit: int) -> list[SearchHit]:
    """Search hits for the processes `user` may see (one query)."""
    if limit <= 0:
        return []
    rows = process_search_queryset(user=user, query=query).select_related("requester")[:limit]
    hits = []
    for process in rows:
        parts = [
            str(process.get_status_display()),
            process.counterparty,
            str(process.amount) if process.amount is not None else "",
            _person(process.requester),
        ]
        hits.append(
            SearchHit(
                "workflows_processes",
                process.title,
                _url(process.pk),
                " · ".join(p for p in parts if p),
                ICON,
                {"id": process.pk, "status": process.status, "kind": process.kind},
            )
        )
    return hits
