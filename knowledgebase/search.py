"""Knowledge base pages in the global search and in the pickers.

PostgreSQL: full text over the stored, GIN-indexed `knowledgebase_page.search_vector` (title words weight A,
the text weight B, each page stemmed with its own language; migration 0001). The query is parsed with both
the Russian and the English configuration and OR-ed, so either language's word forms match (the Russian
configuration stems Latin words as English does). Matches are ranked (`ts_rank`, title first) and the
reader's rights (`Page.objects.visible_to`) are part of the same query, before ranking and the limit; only the
best `limit` rows are read whole, with a `ts_headline` snippet. When nothing matches in the text, titles are
matched by trigram similarity (typos: "vacaton" finds "Vacation"). Elsewhere (embedded SQLite) every word must
be a substring of the title or the text, title matches first.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from portal.core.search import SearchHit, StoredSearchVector, match_names, uses_postgres

from .choices import PageStatus
from .models import Page, Space

ICON = "bi-journal-text"
MAX_WORDS = 8
SNIPPET_START, SNIPPET_STOP = "\u0002", "\u0003"  # markers ts_headline puts around a match; escaped later
CONFIGS = ("russian", "english")
RANDOM_PAGE_COST = 1.1  # the pages and their indexes are read from memory, not from a spinning disk


def _search_query(query: str):
    from django.contrib.postgres.search import SearchQuery

    combined = None
    for config in CONFIGS:
        part = SearchQuery(query, config=config, search_type="websearch")
        combined = part if combined is None else combined | part
    return combined


@contextmanager
def _costs_of_cached_pages():
    """Plan the ranking query with a random read costing about a sequential one (`SET LOCAL`, this transaction
    only). With PostgreSQL's default (4, a spinning disk) it scanned every page of a reader's hundreds of spaces
    through the space index rather than the text index's few thousand matches: twice the time for a topic
    word; with it, each word gets the cheaper of the two plans."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL random_page_cost = {RANDOM_PAGE_COST}")
        yield


def page_search_queryset(*, user, query: str, limit: int | None = None, space=None) -> QuerySet[Page]:
    """The pages `user` may read that match `query`, best first, each with `rank` and `snippet` (PostgreSQL),
    within `space` if given. With `limit`, only the best `limit` rows are read whole."""
    words = (query or "").split()[:MAX_WORDS]
    qs = Page.objects.visible_to(user).filter(status=PageStatus.PUBLISHED)
    if space is not None:
        qs = qs.filter(space=space)
    if not words:
        return qs.none()
    if not uses_postgres():
        in_title = Q()
        for word in words:
            qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
            in_title |= Q(title__icontains=word)
        return (
            qs.annotate(
                title_hit=Case(When(in_title, then=Value(1)), default=Value(0), output_field=IntegerField())
            )
            .select_related("space")
            .order_by("-title_hit", "-updated_at", "-id")
        )
    from django.contrib.postgres.search import SearchHeadline, SearchRank

    search_query = _search_query(" ".join(words))
    vector = StoredSearchVector()
    order = ("-rank", "-updated_at", "-id")
    matched = qs.alias(document=vector).filter(document=search_query)
    if limit is not None:
        # The best `limit` among the published pages of the spaces the reader reads (exactly what
        # `Page.visible_to` lets through once drafts are left out), with the spaces' ids read first: given as a
        # list, the rights are checked while scanning, so PostgreSQL keeps only the best rows as it ranks
        # (a top-N sort of narrow rows) instead of sorting every match whole and checking rights afterwards.
        space_ids = list(Space.objects.visible_to(user).values_list("pk", flat=True))
        if space is not None:
            space_ids = [pk for pk in space_ids if pk == space.pk]
        candidates = Page.objects.filter(status=PageStatus.PUBLISHED, space_id__in=space_ids)
        with _costs_of_cached_pages():
            best = list(
                candidates.alias(document=vector)
                .filter(document=search_query)
                .annotate(rank=SearchRank(vector, search_query))
                .order_by(*order)
                .values_list("pk", flat=True)[: max(limit, 0)]
            )
        # `best` holds only pages the reader reads (published, in their spaces): read by id, the rights are
        # not compiled again.
        matched = Page.objects.filter(pk__in=best).alias(document=vector)
    return (
        matched.annotate(
            rank=SearchRank(vector, search_query),
            snippet=SearchHeadline(
                "body",
                search_query,
                config=F("language"),
                start_sel=SNIPPET_START,
                stop_sel=SNIPPET_STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
            ),
        )
        .select_related("space")
        .defer("body")
        .order_by(*order)
    )


def page_title_fallback(*, user, query: str, space=None) -> QuerySet[Page]:
    """Pages whose title is like `query` (trigram word similarity on PostgreSQL; typos forgiven)."""
    qs = Page.objects.visible_to(user).filter(status=PageStatus.PUBLISHED)
    if space is not None:
        qs = qs.filter(space=space)
    return match_names(qs, query, ["title"]).select_related("space").defer("body")


def page_search(*, user, query: str, limit: int = 20, space=None) -> list[Page]:
    """The best `limit` matches: full text first; when it finds nothing, the titles' trigram fallback."""
    if limit <= 0 or not (query or "").strip():
        return []
    pages = list(page_search_queryset(user=user, query=query, limit=limit, space=space)[:limit])
    if not pages:
        pages = list(page_title_fallback(user=user, query=query, space=space)[:limit])
    return pages


def snippet_html(page: Page) -> str:
    """The page's snippet with the matched words in <mark> (escaped; markers from ts_headline)."""
    text = getattr(page, "snippet", "") or ""
    text = " ".join(text.split())
    html = escape(text).replace(SNIPPET_START, "<mark>").replace(SNIPPET_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above


def snippet_text(page: Page) -> str:
    text = getattr(page, "snippet", "") or ""
    return " ".join(text.replace(SNIPPET_START, "").replace(SNIPPET_STOP, "").split())


def search_pages(*, user, query: str, limit: int) -> list[SearchHit]:
    """The global search's provider: the pages `user` reads matching `query`."""
    return [
        SearchHit(
            kind="kb_pages",
            title=page.title,
            url=page.get_absolute_url(),
            snippet=" · ".join(p for p in (page.space.title, snippet_text(page)) if p),
            icon=ICON,
            extra={"id": page.pk, "space": page.space_id},
        )
        for page in page_search(user=user, query=query, limit=limit)
    ]
