"""The one "partial for htmx, page otherwise" helper (NetBox's ``utilities/htmx.py`` idea).

A view renders through these instead of branching on ``request.htmx`` by hand:

- ``render_htmx``: the partial for an htmx request, the full page otherwise;
- ``redirect_htmx``: a redirect; for htmx a 204 with ``HX-Redirect`` so that the whole page moves
  (htmx follows a plain 302 inside the swap target, which would put a page inside a fragment);
- ``with_trigger``: adds an ``HX-Trigger`` header so that other parts of the page refresh.

Branches that do something else for htmx (another query, a message instead of a page) stay in views.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def is_htmx(request: HttpRequest) -> bool:
    """An htmx swap of a part of the page (django-htmx's ``request.htmx``).

    A boosted navigation and a history restore (htmx re-fetching a page missing from its cache) want the
    whole page, so they count as pages.
    """
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_htmx(
    request: HttpRequest,
    template: str,
    context: Mapping | None = None,
    *,
    partial: str | None = None,
    status: int = 200,
    partial_status: int | None = None,
    trigger: str | Mapping | None = None,
    page_context: Callable[[], Mapping] | None = None,
) -> HttpResponse:
    """``partial`` for an htmx request, ``template`` (the full page) otherwise.

    ``partial_status`` is for forms whose page answers 400 but whose partial answers 200, so that htmx
    swaps the errors in (htmx does not swap 4xx responses by default). Without ``partial`` both render
    ``template``. ``trigger`` adds ``HX-Trigger`` to the htmx response. ``page_context`` builds what only
    the full page shows (the filter form, the tabs): it is called, and its mapping added over ``context``,
    only when the page is rendered, so that the partial costs none of its queries.
    """
    htmx = is_htmx(request)
    swap = bool(htmx and partial)
    name = partial if swap else template
    code = partial_status if htmx and partial_status is not None else status
    context = dict(context or {})
    if page_context is not None and not swap:
        context.update(page_context())
    response = render(request, name, context, status=code)
    if htmx and trigger:
        with_trigger(response, trigger)
    return response


def redirect_htmx(request: HttpRequest, to, *args, **kwargs) -> HttpResponse:
    """Redirect: a 302 for a page, a 204 with ``HX-Redirect`` for htmx (the browser moves the whole page)."""
    target = redirect(to, *args, **kwargs)
    if not is_htmx(request):
        return target
    response = HttpResponse(status=204)
    response["HX-Redirect"] = target.url
    return response


def with_trigger(response: HttpResponse, trigger: str | Mapping) -> HttpResponse:
    """Add client-side events to ``HX-Trigger``: one name, or a mapping of names to details."""
    response["HX-Trigger"] = trigger if isinstance(trigger, str) else json.dumps(dict(trigger))
    return response
