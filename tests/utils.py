"""Test helpers every app reuses: the role x endpoint permission matrix and query budgets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

ROLES = ("anonymous", "outsider", "member", "supervisor", "admin")


def client_as(user) -> APIClient:
    """A client signed in as `user` (None: anonymous). Works for pages and the API alike."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Endpoint:
    """One row of a permission matrix.

    `url` and `data` may be callables taking the role name, for writes that need fresh state per role.
    `expect` maps role -> status (or a tuple of acceptable statuses).
    """

    name: str
    method: str
    url: str | Callable[[str], str]
    expect: dict[str, int | tuple[int, ...]]
    data: Any = None
    format: str = "json"  # json | form | multipart
    extra: dict = field(default_factory=dict)


def _call(client: APIClient, ep: Endpoint, role: str):
    url = ep.url(role) if callable(ep.url) else ep.url
    data = ep.data(role) if callable(ep.data) else ep.data
    method = getattr(client, ep.method.lower())
    if ep.method.upper() == "GET":
        return method(url, data or {}, **ep.extra)
    if ep.format == "json":
        return method(url, data or {}, format="json", **ep.extra)
    if ep.format == "multipart":
        return method(url, data or {}, format="multipart", **ep.extra)
    from urllib.parse import urlencode

    return method(
        url, urlencode(data or {}, doseq=True), content_type="application/x-www-form-urlencoded", **ep.extra
    )


def assert_matrix(users: dict[str, Any], endpoints: list[Endpoint]) -> None:
    """Call every endpoint as every role and fail with the whole table of mismatches at once."""
    failures = []
    for ep in endpoints:
        for role, expected in ep.expect.items():
            response = _call(client_as(users[role]), ep, role)
            allowed = expected if isinstance(expected, tuple) else (expected,)
            if response.status_code not in allowed:
                failures.append(f"{ep.name:<40} {role:<11} expected {allowed} got {response.status_code}")
    assert not failures, "Permission matrix mismatches:\n" + "\n".join(failures)


def count_queries(fn: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def assert_query_budget(fn: Callable[[], Any], grow: Callable[[], Any], *, budget: int) -> None:
    """`fn` must stay within `budget` queries, and the same number after `grow()` adds many rows."""
    before = count_queries(fn)
    grow()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    after = len(ctx.captured_queries)
    sql = "\n".join(q["sql"][:200] for q in ctx.captured_queries)
    assert after <= budget, f"{after} queries > budget {budget}:\n{sql}"
    assert after == before, f"queries grew with rows: {before} -> {after}:\n{sql}"
