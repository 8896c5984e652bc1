"""The one "partial for htmx, page otherwise" helper (NetBox's ``utilities/htmx.py`` idea).

A view renders through these instead of branching on ``request.htmx`` by hand:

- ``render_htmx``: the partial for an htmx request, the full page otherwise;
- ``redirect_htmx``: a redirect; for htmx a 204 with ``HX-Redirect`` so that the whole page moves
  (htmx follows a plain 302 inside the swap target, which would put a page inside a fragment);
- ``partial_or_redirect``: after a POST, the refreshed part for htmx; for a page, the flash messages
  and a redirect (the "partial for htmx, redirect and message for a page" shape of most actions);
- ``with_trigger``: adds an ``HX-Trigger`` header so that other parts of the page refresh.

Branches that do something else for htmx (a question asked only inline) stay in views.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping

from django.contrib import messages
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


def partial_or_redirect(
    request: HttpRequest,
    to,
    *,
    partial: str | None = None,
    context: Mapping | Callable[[], Mapping] | None = None,
    response: Callable[[], HttpResponse] | None = None,
    success: str | None = None,
    warning: str | None = None,
    errors: Iterable[str] = (),
    status: int = 200,
    trigger: str | Mapping | None = None,
) -> HttpResponse:
    """The answer to an action: the refreshed part for htmx, messages and a redirect for a page.

    For htmx: ``response()`` when given (a view's own renderer), else ``partial`` rendered with
    ``context`` (a mapping, or a callable so that its queries run only for htmx), else an empty 200 (the
    swap removes the target, as after a delete). The partial shows ``errors`` itself, so they are not
    flashed. For a page: each of ``errors`` flashed as an error, else ``success``; ``warning`` in both
    cases; then a redirect to ``to`` (a URL, a view name or a model, as ``redirect`` takes).
    """
    errors = [str(error) for error in errors]
    if is_htmx(request):
        if response is not None:
            answer = response()
        elif partial is not None:
            data = context() if callable(context) else dict(context or {})
            answer = render(request, partial, data, status=status)
        else:
            answer = HttpResponse("", status=status)
        if trigger:
            with_trigger(answer, trigger)
        return answer
    for error in errors:
        messages.error(request, error)
    if warning:
        messages.warning(request, warning)
    if success and not errors:
        messages.success(request, success)
    return redirect(to)


def with_trigger(response: HttpResponse, trigger: str | Mapping) -> HttpResponse:
    """Add client-side events to ``HX-Trigger``: one name, or a mapping of names to details."""
    response["HX-Trigger"] = trigger if isinstance(trigger, str) else json.dumps(dict(trigger))
    return response
