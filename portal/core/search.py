"""Global search: each app registers a provider; the search page and API ask all of them.

A provider is `provider(*, user, query, limit) -> list[SearchHit]` and must search only what `user` may
see (it starts from the model's `visible_to`), so permission filtering happens in the database, before
ranking and the limit. On PostgreSQL names are matched with trigrams (typo-tolerant, ranked by
similarity) on one GIN index over all the fields searched (`match_names`); elsewhere a case-insensitive
substring match keeps embedded mode working.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Expression, F, Func, Lookup, Q, QuerySet, TextField
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


class NameDocument(Func):
    """The text columns `fields` joined by single spaces: `(a || ' ' || b || ...)`.

    The trigram indexes of the name searches are built on exactly this expression (people migration 0007,
    groups migration 0005), so one GIN index serves every field of a search: the substring test and the word
    similarity of each word are one index condition each, instead of one per field (and a sequential scan
    for the fields without an index). The fields must be NOT NULL text columns (a NULL would blank the
    whole document).
    """

    arg_joiner = " || ' ' || "
    template = "(%(expressions)s)"
    output_field = TextField()

    def __init__(self, *fields: str):
        super().__init__(*(F(f) for f in fields))


class ContainsIgnoringCase(Lookup):
    """`lhs ILIKE '%value%'` (the operator a trigram GIN index serves; Django's `icontains` writes
    `UPPER(lhs) LIKE UPPER(...)`, which would need an index on UPPER of the document). Used as an
    expression in `filter()`, never registered as a lookup."""

    lookup_name = "ilike_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def match_names(qs: QuerySet, query: str, fields: list[str]) -> QuerySet:
    """Filter `qs` to rows whose `fields` match every word of `query`, best first.

    PostgreSQL: each word is a case-insensitive substring of, or trigram-word-similar to, the fields
    joined by spaces (`NameDocument`, which the trigram GIN indexes are built on), ordered by the best
    similarity of the query to one field. Other databases: substring of one of the fields only, in the
    queryset's own order.
    """
    words = [w for w in re.split(r"\s+", query.strip()) if w][:6]
    if not words:
        return qs.none()
    if uses_postgres():
        from django.contrib.postgres.lookups import TrigramWordSimilar
        from django.contrib.postgres.search import TrigramWordSimilarity

        document = NameDocument(*fields)
        for word in words:
            contains = ContainsIgnoringCase(document, f"%{connection.ops.prep_for_like_query(word)}%")
            qs = qs.filter(
                Q(contains) | Q(TrigramWordSimilar(document, word)) if len(word) >= 3 else contains
            )
        sims = [TrigramWordSimilarity(query, f) for f in fields]
        score = Greatest(*sims) if len(sims) > 1 else sims[0]
        return qs.annotate(search_score=score).order_by("-search_score", "pk")
    condition = Q()
    for word in words:
        per_word = Q()
        for f in fields:
            per_word |= Q(**{f"{f}__icontains": word})
        condition &= per_word
    return qs.filter(condition)


class StoredSearchVector(Expression):
    """A stored, GIN-indexed `tsvector` column that the model does not name (PostgreSQL only: embedded SQLite
    has no tsvector), on whatever alias the model's table has in the query (it is relabelled when the query
    becomes a subquery). Tasks (`tasks_task.search_vector`) and posts (`stream_entry.search_vector`) keep
    one, generated by the database from the row on every write."""

    contains_aggregate = False

    def __init__(self, column: str = "search_vector"):
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())
        self.column = column

    def as_sql(self, compiler, connection):
        alias = compiler.query.base_table
        return f"{compiler.quote_name_unless_alias(alias)}.{connection.ops.quote_name(self.column)}", []


def highlight(text: str, query: str) -> SafeString:
    """Escape `text` and wrap each word of `query` found in it in <mark>."""
    escaped = escape(text or "")
    words = sorted({w for w in re.split(r"\s+", (query or "").strip()) if len(w) >= 2}, key=len, reverse=True)
    if not words:
        return mark_safe(escaped)  # noqa: S308 - escaped above
    pattern = re.compile("|".join(re.escape(escape(w)) for w in words), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))  # noqa: S308
