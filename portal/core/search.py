"""Global search: each app registers a provider; the search page and API ask all of them.

A provider is `provider(*, user, query, limit) -> list[SearchHit]` and must search only what `user` may
see (it starts from the model's `visible_to`), so permission filtering happens in the database, before
ranking and the limit. On PostgreSQL names are matched with trigrams (typo-tolerant, ranked by
similarity); elsewhere a case-insensitive substring match keeps embedded mode working.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal.core.registry import SearchProvider, registry


@dataclass(frozen=True)
class SearchHit:
    kind: str
    title: str
    url: str
    snippet: str = ""
    icon: str = "bi-search"
    extra: dict = field(default_factory=dict)


def register_search(key: str, label: str, func: Callable[..., list[SearchHit]], order: int = 100) -> None:
    """Called from an AppConfig.ready(): adds a provider to `registry.search`."""
    registry.search.register(SearchProvider(key=key, label=label, func=func, order=order))


def search_providers() -> list[SearchProvider]:
    return registry.search.items()


def search_all(*, user, query: str, limit: int = 10, kinds: list[str] | None = None) -> list[tuple]:
    """[(provider, hits)] for every provider with hits, in the registry's order."""
    query = (query or "").strip()
    if len(query) < 2 or not (user and user.is_authenticated):
        return []
    results = []
    for provider in search_providers():
        if kinds and provider.key not in kinds:
            continue
        hits = provider.func(user=user, query=query, limit=limit)
        if hits:
            results.append((provider, hits))
    return results


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def match_names(qs: QuerySet, query: str, fields: list[str]) -> QuerySet:
    """Filter `qs` to rows whose `fields` match every word of `query`, best first.

    PostgreSQL: substring (served by GIN trigram indexes on UPPER(field)) or trigram word similarity,
    ordered by similarity. Other databases: substring only, in the queryset's own order.
    """
    words = [w for w in re.split(r"\s+", query.strip()) if w][:6]
    if not words:
        return qs.none()
    condition = Q()
    for word in words:
        per_word = Q()
        for f in fields:
            per_word |= Q(**{f"{f}__icontains": word})
            if uses_postgres() and len(word) >= 3:
                per_word |= Q(**{f"{f}__trigram_word_similar": word})
        condition &= per_word
    qs = qs.filter(condition)
    if uses_postgres():
        from django.contrib.postgres.search import TrigramWordSimilarity

        sims = [TrigramWordSimilarity(query, f) for f in fields]
        score = Greatest(*sims) if len(sims) > 1 else sims[0]
        qs = qs.annotate(search_score=score).order_by("-search_score", "pk")
    return qs


def highlight(text: str, query: str) -> SafeString:
    """Escape `text` and wrap each word of `query` found in it in <mark>."""
    escaped = escape(text or "")
    words = sorted({w for w in re.split(r"\s+", (query or "").strip()) if len(w) >= 2}, key=len, reverse=True)
    if not words:
        return mark_safe(escaped)  # noqa: S308 - escaped above
    pattern = re.compile("|".join(re.escape(escape(w)) for w in words), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))  # noqa: S308
