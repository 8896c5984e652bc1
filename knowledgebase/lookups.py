"""The "kb_pages" lookup source of the chip picker: a page any app can link to (a strategy goal, say),
searched and resolved among the pages the person may read."""

from __future__ import annotations

from portal.core.pickers import LookupItem, int_values
from portal.core.search import match_names

from .choices import PageStatus
from .models import Page


def _item(page: Page) -> LookupItem:
    return LookupItem(source="kb_pages", value=str(page.pk), label=page.title, hint=page.space.title)


def pages_search(*, user, query: str, limit: int) -> list[LookupItem]:
    qs = (
        Page.objects.visible_to(user)
        .filter(status=PageStatus.PUBLISHED)
        .select_related("space")
        .defer("body")
    )
    if query:
        qs = match_names(qs, query, ["title"])
    else:
        qs = qs.order_by("-updated_at", "-id")
    return [_item(page) for page in qs[:limit]]


def pages_resolve(*, user, values: list[str]) -> list[LookupItem]:
    ids = int_values(values)
    found = {
        page.pk: page
        for page in Page.objects.visible_to(user).filter(pk__in=ids).select_related("space").defer("body")
    }
    return [_item(found[pk]) for pk in ids if pk in found]
