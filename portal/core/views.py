"""Pages of the shell: the start page, global search, the health check and the 404 page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.core.search import search_all, search_providers


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: who I am in the company, my groups, colleagues' birthdays, newcomers."""
    from portal.groups.selectors import group_list_of_member
    from portal.people.selectors import birthdays_upcoming, people_recently_joined, supervisor_of

    user = request.user
    context = {
        "supervisor": supervisor_of(user),
        "my_groups": group_list_of_member(user=user)[:8],
        "birthdays": birthdays_upcoming(user=user, days=14)[:8],
        "newcomers": people_recently_joined(user=user)[:6],
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
    template = "core/partials/search_results.html" if request.htmx else "core/search.html"
    return render(request, template, context)


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
