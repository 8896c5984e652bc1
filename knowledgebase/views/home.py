"""The knowledge base's home (the spaces I read, the pages changed last, the search box) and its search page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from portal.core.htmx import render_htmx

from ..search import page_search, snippet_html
from ..selectors.pages import recent_pages
from ..selectors.spaces import space_list
from ..services.defaults import defaults_ensure, defaults_missing
from ..services.spaces import space_may_create

NAV = {"nav_area": "kb"}
SEARCH_LIMIT = 30
HOME_SPACES = 24  # the home shows the first ones; "All spaces" pages through the rest
SPACES_PAGE = 50


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if defaults_missing():  # a fresh portal: nobody could answer for them at its first migrate
        defaults_ensure()
    spaces = space_list(user=request.user).order_by(F("key").desc(nulls_last=True), "title", "id")
    shown = list(spaces[: HOME_SPACES + 1])
    context = {
        **NAV,
        "spaces": shown[:HOME_SPACES],
        "more_spaces": len(shown) > HOME_SPACES,
        "recent": list(recent_pages(user=request.user, limit=12)),
        "may_create": any(space_may_create(user=request.user, kind=kind) for kind in ("company", "personal")),
    }
    return render(request, "knowledgebase/home/home.html", context)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Full-text search over the pages I read (`?q=`), optionally within one space (`?space=`)."""
    query = (request.GET.get("q") or "").strip()[:200]
    space = None
    if request.GET.get("space"):
        from ..selectors.spaces import space_get

        space = space_get(user=request.user, pk=request.GET["space"])
    pages = (
        page_search(user=request.user, query=query, limit=SEARCH_LIMIT, space=space)
        if len(query) >= 2
        else []
    )
    results = [{"page": page, "snippet": snippet_html(page)} for page in pages]
    return render_htmx(
        request,
        "knowledgebase/home/search.html",
        {**NAV, "query": query, "space": space, "results": results},
        partial="knowledgebase/home/partials/results.html",
    )


@login_required
@require_GET
def space_list_page(request: HttpRequest) -> HttpResponse:
    """Every space I read, 50 a page, with `?q=` words of the title."""
    spaces = space_list(user=request.user)
    query = (request.GET.get("q") or "").strip()[:100]
    for word in query.split()[:6]:
        spaces = spaces.filter(title__icontains=word)
    page = Paginator(spaces, SPACES_PAGE).get_page(request.GET.get("page") or 1)
    return render(request, "knowledgebase/home/spaces.html", {**NAV, "page_obj": page, "query": query})


urls = [
    path("", home, name="home"),
    path("spaces/", space_list_page, name="space_list"),
    path("search/", search, name="search"),
]
