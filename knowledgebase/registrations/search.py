"""Knowledge base pages in the global search ("kb_pages") and in the pickers ("kb_pages": another app, such as
the strategy's goals, links a page through the chip picker), filtered by the reader's rights."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from portal.core.pickers import register_lookup
    from portal.core.search import register_search

    from .. import lookups, search

    register_search("kb_pages", _("Knowledge base"), search.search_pages, order=30)
    register_lookup(
        "kb_pages",
        _("Knowledge base pages"),
        search=lookups.pages_search,
        resolve=lookups.pages_resolve,
        icon="bi-journal-text",
        order=80,
    )
