"""The picker's lookups: one JSON endpoint that searches the registered lookup sources.

The chip picker (`portal/core/widgets.py`, static/lumen/chip_picker.js) asks `GET /lookups/?sources=a,b&q=...`
and shows the answer grouped by source. A source is registered by the app that owns the data, from its
`AppConfig.ready()`, with `register_lookup(...)`; its `search` and `resolve` start from the model's
`visible_to(user)`, so what the user may not see never appears: permission filtering happens in the
database, before the limit. Each source costs one query, whatever the number of rows.

The endpoint answers 401 (JSON) to anonymous callers: it is read by `fetch`, which cannot follow a redirect
to the sign-in page usefully.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from portal.core.registry import LookupSource, registry

# Hits per source in one answer, and the longest query read.
LOOKUP_LIMIT = 8
LOOKUP_LIMIT_MAX = 20
QUERY_MAX = 100


@dataclass(frozen=True)
class LookupItem:
    """One thing to pick: `value` is what the form receives, `label` the chip's text, `hint` a second line
    (a department, a task's number and status)."""

    source: str
    value: str
    label: str
    hint: str = ""


def register_lookup(
    key: str,
    label,
    *,
    search: Callable[..., list[LookupItem]],
    resolve: Callable[..., list[LookupItem]],
    icon: str = "bi-search",
    order: int = 100,
) -> None:
    """Called from an AppConfig.ready(): adds a source to `registry.lookup_sources`."""
    registry.lookup_sources.register(
        LookupSource(key=key, label=label, search=search, resolve=resolve, icon=icon, order=order)
    )


def lookup_search(*, user, query: str, sources: list[str], limit: int = LOOKUP_LIMIT) -> list[dict]:
    """[{source, label, icon, items}] for each named source (in the registry's order) with hits."""
    query = (query or "").strip()[:QUERY_MAX]
    wanted = set(sources)
    groups = []
    for source in registry.lookup_sources:
        if source.key not in wanted:
            continue
        items = source.search(user=user, query=query, limit=limit)
        if items:
            groups.append(
                {
                    "source": source.key,
                    "label": str(source.label),
                    "icon": source.icon,
                    "items": [asdict(item) for item in items],
                }
            )
    return groups


def lookup_resolve(*, user, source: str, values: list[str]) -> list[LookupItem]:
    """The items behind `values` of `source` that `user` may see, in the order of `values`; an unknown
    source resolves nothing."""
    values = [str(v) for v in dict.fromkeys(values) if v not in (None, "")]
    item = registry.lookup_sources.get(source)
    if item is None or not values or user is None or not user.is_authenticated:
        return []
    return item.resolve(user=user, values=values)


def int_values(values) -> list[int]:
    """The values that are whole numbers (ids), as ints: for `resolve` functions over primary keys."""
    ids = []
    for value in values:
        text = str(value).strip().lstrip("#")
        if text.isdecimal() and len(text) < 19:
            ids.append(int(text))
    return ids


@require_GET
def lookup(request: HttpRequest) -> JsonResponse:
    """`?sources=people,departments&q=ann&limit=8`: the matches the user may see, grouped by source."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": gettext("Sign in to search.")}, status=401)
    sources = [s for s in request.GET.get("sources", "").split(",") if s]
    unknown = [s for s in sources if s not in registry.lookup_sources]
    if not sources or unknown:
        return JsonResponse(
            {"detail": gettext("Unknown lookup: %(names)s") % {"names": ", ".join(unknown) or "-"}},
            status=400,
        )
    try:
        limit = max(1, min(int(request.GET.get("limit", LOOKUP_LIMIT)), LOOKUP_LIMIT_MAX))
    except ValueError:
        limit = LOOKUP_LIMIT
    groups = lookup_search(user=request.user, query=request.GET.get("q", ""), sources=sources, limit=limit)
    return JsonResponse({"results": groups})
