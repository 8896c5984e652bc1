"""Pages of the workflows app: home (/workflows/). Cards of the templates the person may start, the requests
waiting for their decision (approve in one click, reject or return with a comment, straight from the list) and
their own requests with where each stands."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from portal.core.htmx import render_htmx

from ..selectors import processes as selectors
from ..selectors.payments import is_accountant


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    waiting, waiting_total = selectors.waiting_for_me(user=user)
    context = {
        "nav_area": "workflows",
        "templates": list(selectors.startable_templates(user=user)),
        "waiting": waiting,
        "waiting_total": waiting_total,
        "mine": selectors.my_requests(user=user),
        "keeps_register": is_accountant(user),
    }
    return render_htmx(
        request, "workflows/home/home.html", context, partial="workflows/home/partials/waiting.html"
    )


urls = [path("", home, name="home")]
