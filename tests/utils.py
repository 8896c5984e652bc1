"""Test helpers every app reuses: the role x endpoint permission matrix and query budgets."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.shortcuts import resolve_url
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
    `changed` probes the side effect of a write: a callable (taking the role, or nothing) returning a
    comparable value, read before and after each call. A refused call (4xx, or anonymous sent to the login
    page) must leave it equal, an allowed one must change it, except for the roles in `unchanged_for`
    (an allowed write that has nothing to do for them, such as "mark all read" with nothing unread).
    """

    name: str
    method: str
    url: str | Callable[[str], str]
    expect: dict[str, int | tuple[int, ...]]
    data: Any = None
    format: str = "json"  # json | form | multipart
    extra: dict = field(default_factory=dict)
    changed: Callable[..., Any] | None = None
    unchanged_for: tuple[str, ...] = ()

    @property
    def is_write(self) -> bool:
        return self.method.upper() not in ("GET", "HEAD", "OPTIONS")


class MatrixCollected(Exception):
    """Raised by `assert_matrix` in collect mode (see `collecting`) once it has recorded its rows."""


_collected: list[tuple[Endpoint, str]] | None = None


@contextmanager
def collecting():
    """Collect mode: `assert_matrix` records each row with the URL it would call, calls nothing and raises
    `MatrixCollected`. tests/matrix.py uses it to learn which routes a matrix covers."""
    global _collected
    rows: list[tuple[Endpoint, str]] = []
    previous, _collected = _collected, rows
    try:
        yield rows
    finally:
        _collected = previous


def _call(client: APIClient, ep: Endpoint, url: str, data: Any):
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


def _probe(ep: Endpoint, role: str) -> Any:
    takes_role = bool(inspect.signature(ep.changed).parameters)
    value = ep.changed(role) if takes_role else ep.changed()
    return list(value) if isinstance(value, QuerySet) else value


def _refused(response) -> bool:
    if response.status_code >= 400:
        return True
    location = response.headers.get("Location", "") if 300 <= response.status_code < 400 else ""
    return bool(location) and location.split("?")[0] == resolve_url(settings.LOGIN_URL)


def assert_matrix(
    users: dict[str, Any], endpoints: list[Endpoint], *, changed: Callable[..., Any] | None = None
) -> None:
    """Call every endpoint as every role and fail with the whole table of mismatches at once.

    Rows with a `changed` probe also check the side effect: refused calls change nothing, allowed ones do.
    `changed` here is the probe of the write rows that bring none of their own.
    """
    if changed is not None:
        endpoints = [
            dataclasses.replace(ep, changed=changed) if ep.is_write and ep.changed is None else ep
            for ep in endpoints
        ]
    if _collected is not None:
        for ep in endpoints:
            signed_in = [r for r in ep.expect if users.get(r) is not None] or list(ep.expect)
            role = "admin" if "admin" in signed_in else signed_in[-1]
            _collected.append((ep, ep.url(role) if callable(ep.url) else ep.url))
        raise MatrixCollected
    failures = []
    for ep in endpoints:
        for role, expected in ep.expect.items():
            # URL and data first: they may make the fresh object the probe then reads.
            url = ep.url(role) if callable(ep.url) else ep.url
            data = ep.data(role) if callable(ep.data) else ep.data
            before = _probe(ep, role) if ep.changed else None
            response = _call(client_as(users[role]), ep, url, data)
            allowed = expected if isinstance(expected, tuple) else (expected,)
            label = f"{ep.name:<40} {role:<11}"
            if response.status_code not in allowed:
                failures.append(f"{label} expected {allowed} got {response.status_code}")
                continue
            if ep.changed is None:
                continue
            after = _probe(ep, role)
            if _refused(response) and after != before:
                failures.append(
                    f"{label} refused ({response.status_code}) but changed {before!r} -> {after!r}"
                )
            elif not _refused(response) and role not in ep.unchanged_for and after == before:
                failures.append(f"{label} allowed ({response.status_code}) but changed nothing ({before!r})")
    assert not failures, "Permission matrix mismatches:\n" + "\n".join(failures)


def rows(source, *fields: str) -> Callable[[], list[tuple]]:
    """A `changed` probe: primary key and `fields` of every row of a model (or queryset), in key order.

    With no fields it probes which rows exist (creates and deletes)."""

    def probe() -> list[tuple]:
        queryset = source._default_manager.all() if isinstance(source, type) else source.all()
        return list(queryset.order_by("pk").values_list("pk", *fields))

    return probe


def tables(*models) -> Callable[[], list[list[tuple]]]:
    """A `changed` probe over whole tables: every column of every row of `models` and of their many-to-many
    tables. For matrices whose writes touch many tables of one app (a default for `assert_matrix`)."""
    sources = list(models) + [
        f.remote_field.through for model in models for f in model._meta.local_many_to_many
    ]

    def probe() -> list[list[tuple]]:
        return [list(m._default_manager.order_by("pk").values_list()) for m in sources]

    return probe


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
