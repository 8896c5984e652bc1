from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def search_posts(*, user, query: str, limit: int):
    """Posts the user may see whose text matches: PostgreSQL full-text (ranked, with the matching
    passage as the snippet), a case-insensitive substring match elsewhere."""
    from portal.core.search import SearchHit, StoredSearchVector, uses_postgres

    from . import mentions
    from .choices import EntryKind
    from .models import Entry

    qs = Entry.objects.visible_to(user).filter(kind=EntryKind.POST)
    words = query.split()[:8]
    if not words:
        return []
    if uses_postgres():
        from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

        # The stored, GIN-indexed `stream_entry.search_vector` (migration 0004): matched from the index and
        # ranked from the stored vector, no tsvector computed per candidate. Every visible match is ranked over
        # its id, rank and date alone (a narrow top-N sort); only the best `limit` rows are read whole, with
        # their author and snippet.
        search_query = SearchQuery(query, config="english", search_type="websearch")
        order = ("-rank", "-created_at", "-id")
        best = (
            qs.alias(document=StoredSearchVector())
            .filter(document=search_query)
            .annotate(rank=SearchRank(StoredSearchVector(), search_query))
            .order_by(*order)
            .values("pk")[: max(limit, 0)]
        )
        qs = (
            Entry.objects.filter(pk__in=best)
            .annotate(
                rank=SearchRank(StoredSearchVector(), search_query),
                snippet=SearchHeadline(
                    "body",
                    search_query,
                    config="english",
                    start_sel="",
                    stop_sel="",
                    max_words=30,
                    min_words=12,
                ),
            )
            .order_by(*order)
        )
    else:
        for word in words:
            qs = qs.filter(body__icontains=word)
        qs = qs.order_by("-created_at", "-id")
    hits = []
    for entry in qs.select_related("author")[:limit]:
        text = mentions.plain(entry.body)
        title = text.strip().splitlines()[0][:90] if text.strip() else str(entry)
        snippet = mentions.plain(getattr(entry, "snippet", "") or text[:200])
        author = entry.author.full_name or entry.author.email
        hits.append(
            SearchHit(
                kind="posts",
                title=title,
                url=entry.get_absolute_url(),
                snippet=f"{author}: {snippet}",
                icon="bi-megaphone" if entry.is_important else "bi-chat-square-text",
                extra={"id": entry.pk, "author": entry.author_id, "created_at": entry.created_at.isoformat()},
            )
        )
    return hits


class StreamConfig(AppConfig):
    name = "portal.stream"
    label = "stream"
    verbose_name = _("Activity stream")

    def ready(self) -> None:
        from portal.core.registry import DemoSeeder
        from portal.core.registry import registry as core_registry

        from .demo import seed_demo_stream

        core_registry.demo_seeders.register(DemoSeeder("stream", seed_demo_stream, order=10, stage="content"))
        from portal.core.registry import NavigationEntry, registry
        from portal.core.search import register_search

        registry.navigation.register(
            NavigationEntry("stream", _("Stream"), "bi-activity", "stream:feed", order=10)
        )

        register_search("posts", _("Posts"), search_posts, order=30)
        # The start page's card of important posts to read.
        from . import registrations

        registrations.register()
        try:
            from portal.notifications.counters import register_counter
        except ImportError:  # pragma: no cover - the notifications app ships with every install
            return
        from .selectors import important_unread_counts

        register_counter(
            "stream.important_unread",
            label=_("Important posts to read"),
            area="stream",
            compute=important_unread_counts,
        )
