"""Pages of the shell: the start page, global search, the health check and the 404 page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.core.htmx import render_htmx
from portal.core.registry import HOME_COMPANY, HOME_DAY, HOME_TOP, HomeCard, registry
from portal.core.search import search_all, search_providers


def _home_card(request: HttpRequest, card: HomeCard) -> dict | None:
    """What the page needs of one registered card for this person (None: the card does not concern them)."""
    data = card.context(request)
    if data is None:
        return None
    count = data.get("count")
    rows = data.get("rows") or []
    todo = bool(data.get("todo", count > 0 if count is not None else True))
    url = data.get("url") or card.url
    if callable(url):
        url = url(request)
    elif url and not url.startswith("/"):
        url = reverse(url)
    return {
        "key": card.key,
        "dom_id": "home-" + card.key.replace(".", "-").replace("_", "-"),
        "section": card.section,
        "order": card.order,
        "framed": bool(card.title),
        "title": card.title,
        "icon": card.icon,
        "template": card.template or "core/home/list_body.html",
        "data": data,
        "count": count,
        "todo": todo,
        # Nothing behind the card: it shrinks to its "nothing to do" line.
        "quiet": count == 0,
        "more": count - len(rows) if count is not None and count > len(rows) else 0,
        "url": url or "",
        "empty": data.get("empty") or card.empty or _("Nothing to do."),
        "width": "col-12 col-md-6 col-xl-4" if count == 0 else card.width,
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page, the person's day: the cards apps register (portal.core.registry.HomeCard) by section;
    in "my day", the cards with something to do come first (each group in its registered order), and a day
    without anything to do says so."""
    shown = [c for c in (_home_card(request, card) for card in registry.home_cards) if c is not None]
    day = sorted(
        (c for c in shown if c["section"] == HOME_DAY),
        key=lambda c: (not c["todo"], c["quiet"], c["order"], c["key"]),
    )
    context = {
        "top_cards": [c for c in shown if c["section"] == HOME_TOP],
        "day_cards": day,
        "day_busy": any(c["todo"] for c in day),
        "company_cards": [c for c in shown if c["section"] == HOME_COMPANY],
        "today": timezone.localdate(),
    }
    return render(request, "core/home.html", context)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Global search over everything the user may see; each app adds its provider."""
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind") or None
    results = search_all(
        user=request.user, query=query, limit=50 if kind else 10, kinds=[kind] if kind else None
    )
    context = {
        "search_query": query,
        "kind": kind,
        "results": results,
        "providers": search_providers(),
        "too_short": 0 < len(query) < 2,
    }
    return render_htmx(request, "core/search.html", context, partial="core/partials/search_results.html")


# How many hits of each kind the top bar's suggestions show.
SUGGEST_PER_KIND = 5


@login_required
@require_GET
def search_suggest(request: HttpRequest) -> HttpResponse:
    """The top bar's suggestions as one types: a few hits of each kind from the same permission-filtered
    providers as the search page, as a small HTML list (static/lumen/search.js shows it under the box)."""
    query = request.GET.get("q", "").strip()[:200]
    results = search_all(user=request.user, query=query, limit=SUGGEST_PER_KIND)
    context = {
        "search_query": query,
        "results": results,
        "too_short": len(query) < 2,
        "hit_count": sum(len(hits) for _provider, hits in results),
    }
    return render(request, "core/partials/search_suggest.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database readiness for load balancers and docker compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}}
        return JsonResponse(body, status=404)
    return render(request, "404.html", status=404)
