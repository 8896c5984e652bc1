"""Pages of the shell: the start page, global search, the health check and the 404 page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.core.htmx import render_htmx
from portal.core.registry import registry
from portal.core.search import search_all, search_providers


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the cards apps register (who I am, my groups, birthdays, newcomers, ...)."""
    cards = [
        {"key": card.key, "template": card.template, "width": card.width, "data": card.context(request)}
        for card in registry.home_cards
    ]
    return render(request, "core/home.html", {"cards": cards})


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
