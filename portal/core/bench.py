"""Instruments of the load benchmark (bench/), wired only when the LUMEN_BENCH variable is set.

- `QueryCountMiddleware` counts the database queries of each request and reports them in the
  `X-Lumen-Queries` response header, so the benchmark can put queries per request next to latency.
- `floor` is the least a server can do for the heaviest list: the directory's first page of people as
  JSON through `.values()`, with no template, no permissions and no middleware work beyond the stack's.
  Every benchmark figure reads as a ratio to it.
"""

from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpRequest, JsonResponse

QUERY_COUNT_HEADER = "X-Lumen-Queries"
FLOOR_ROWS = 50  # one directory page


class QueryCountMiddleware:
    """First in the stack, so that the session, the user and the view are all counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response[QUERY_COUNT_HEADER] = str(count)
        return response


def floor(request: HttpRequest) -> JsonResponse:
    """The directory's first page (id, names, position, department) in one query, for loopback only."""
    from django.contrib.auth import get_user_model

    User = get_user_model()  # noqa: N806 - the project's user model, whichever app defines it
    if request.META.get("REMOTE_ADDR") not in {"127.0.0.1", "::1"}:
        raise Http404
    rows = (
        User.objects.filter(is_active=True)
        .order_by("last_name", "first_name", "id")
        .values("id", "first_name", "last_name", "position", "department__name")[:FLOOR_ROWS]
    )
    return JsonResponse({"results": list(rows)})
