"""Every path of the API answers every HTTP method without a server error, and the page routes too.

The paths come from the OpenAPI schema drf-spectacular generates, so a new endpoint is swept as soon as it
exists. Each path is called with the ids of real objects the caller may see and with ids no row has:
OPTIONS describes the endpoint, HEAD answers like GET without a body, a method the path does not declare
answers 405 in the API's JSON error shape, and GET, HEAD and OPTIONS write nothing. (OPTIONS once crashed on a
singleton endpoint whose view looked up an object by a `pk` its URL does not have; HEAD ran the write branch
of actions that answer GET and POST, and took likes back.)
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from tests.core.api_world import MISSING_IDS, build_api_world
from tests.core.openapi import openapi_schema
from tests.utils import client_as

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
PARAMETER = re.compile(r"{(\w+)}")
WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def api_paths() -> dict[str, set[str]]:
    """Each path of the schema with the methods it declares."""
    return {path: {m for m in item if m in HTTP_METHODS} for path, item in openapi_schema()["paths"].items()}


@pytest.fixture(scope="module")
def public_paths() -> set[str]:
    """The paths an anonymous caller may use (their operations allow no credentials: `{}`)."""
    return {
        path
        for path, item in openapi_schema()["paths"].items()
        if any({} in operation.get("security", []) for m, operation in item.items() if m in HTTP_METHODS)
    }


@pytest.fixture
def world(org):
    return build_api_world(org)


def _reporting(client):
    """A client that answers a crash with its 500 (and the log its traceback), so one run lists them all."""
    client.raise_request_exception = False
    return client


def _fill(path: str, values: dict) -> str:
    return PARAMETER.sub(lambda match: str(values[match.group(1)]), path)


def _undeclared(declared: set[str]) -> str:
    return next((m for m in ("patch", "put", "delete", "post") if m not in declared), "trace")


def _is_error_shape(response, status: int) -> bool:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return (
        error["status"] == status and isinstance(error["message"], str) and isinstance(error["fields"], dict)
    )


def _body(response) -> bytes:
    # Reading a streamed body to its end closes the response (the test client's way, which keeps the
    # test's database connection open).
    return b"".join(response.streaming_content) if response.streaming else response.content


def _sweep(client, path: str, declared: set[str], *, missing: bool) -> list[str]:
    """The problems of one path for one caller."""
    problems = []
    got = {}
    for method in ("get", "head", "options", _undeclared(declared)):
        if method == "get" and "get" not in declared:
            continue
        with CaptureQueriesContext(connection) as queries:
            response = client.generic(method.upper(), path)
        got[method] = response
        writes = [q["sql"][:80] for q in queries.captured_queries if WRITE.match(q["sql"])]
        if writes and method in ("get", "head", "options"):
            problems.append(f"{method.upper()} {path} writes: {writes}")
        if method == "get":
            _body(response)
        if response.status_code >= 500:
            problems.append(f"{method.upper()} {path}: {response.status_code}")
    if problems:
        return problems

    get = got.get("get")
    denied = get is not None and get.status_code in (401, 403)
    hidden = missing or (get is not None and get.status_code == 404)
    if get is not None and missing and get.status_code not in (401, 403, 404):
        problems.append(f"GET {path} (no such row): {get.status_code}")

    head = got["head"]
    if get is not None and head.status_code != get.status_code:
        problems.append(f"HEAD {path}: {head.status_code}, GET: {get.status_code}")
    if get is None and head.status_code not in (401, 403, 405):
        problems.append(f"HEAD {path} (no GET): {head.status_code}")
    if body := _body(head):
        problems.append(f"HEAD {path}: a body of {len(body)} bytes")

    options = got["options"]
    allowed_options = {200} | ({401, 403} if denied else set()) | ({404} if hidden else set())
    if options.status_code not in allowed_options:
        problems.append(f"OPTIONS {path}: {options.status_code}")

    method = _undeclared(declared)
    other = got[method]
    allowed_other = {405} | ({get.status_code} if denied else set())
    if other.status_code not in allowed_other:
        problems.append(f"{method.upper()} {path}: {other.status_code}, expected {sorted(allowed_other)}")
    elif not _is_error_shape(other, other.status_code):
        problems.append(f"{method.upper()} {path}: not the JSON error shape: {other.content[:200]!r}")
    return problems


def test_every_path_with_parameters_is_filled_by_the_world(api_paths, world):
    values = world.path_values(world.employee)
    unfilled = [path for path in api_paths if PARAMETER.search(path) and path not in values]
    assert not unfilled, "Add these paths to tests/core/api_world.py: " + ", ".join(unfilled)
    stale = [path for path in values if path not in api_paths]
    assert not stale, "These paths are gone from the schema: " + ", ".join(stale)


@pytest.mark.parametrize(
    ("role", "missing_id"), [("employee", MISSING_IDS[0]), ("supervisor", MISSING_IDS[1])]
)
def test_every_api_path_answers_every_method(api_paths, world, role, missing_id):
    user = getattr(world, role)
    client = _reporting(client_as(user))
    values = world.path_values(user)
    problems = []
    for path, declared in api_paths.items():
        problems += _sweep(client, _fill(path, values.get(path, {})), declared, missing=False)
        if PARAMETER.search(path):
            missing = {name: missing_id for name in PARAMETER.findall(path)}
            problems += _sweep(client, _fill(path, missing), declared, missing=True)
    assert not problems, f"{len(problems)} problems as {role}:\n" + "\n".join(problems)


def test_every_api_path_answers_anonymous_callers(api_paths, public_paths, world):
    client = _reporting(client_as(None))
    values = world.path_values(world.employee)
    problems = []
    for path, declared in api_paths.items():
        url = _fill(path, values.get(path, {}))
        for method in ("get", "head", "options", _undeclared(declared)):
            response = client.generic(method.upper(), url)
            if path not in public_paths:
                expected = {401, 403}  # before anything else, even a method the path has not
            elif method == "options" or method in declared:
                expected = {200}
            else:
                expected = {405}
            if response.status_code not in expected:
                problems.append(f"{method.upper()} {url}: {response.status_code}")
            elif method not in ("head", "options") and not _is_error_shape(response, response.status_code):
                problems.append(f"{method.upper()} {url}: not the JSON error shape")
    assert not problems, "\n".join(problems)


# --- pages -------------------------------------------------------------------------------------------------


def _plain_routes(resolver=None, prefix: str = "") -> list[str]:
    """Every route of the URLconf without parameters, outside the API and the admin."""
    resolver = resolver or get_resolver()
    routes = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _plain_routes(pattern, route)
        elif isinstance(pattern, URLPattern) and not re.search(r"[<(\\^$?*+]", route):
            routes.append("/" + route)
    return sorted({r for r in routes if not r.startswith(("/api/", "/admin/"))})


def test_pages_answer_head_and_options_without_a_server_error(org):
    routes = _plain_routes()
    assert "/tasks/" in routes and "/search/" in routes
    client = _reporting(client_as(org.sales_head))
    problems = []
    for route in routes:
        for method in ("GET", "HEAD", "OPTIONS"):
            response = client.generic(method, route)
            if response.status_code >= 500:
                problems.append(f"{method} {route}: {response.status_code}")
        if client.session.get("_auth_user_id") is None:  # a route signed us out: sign in again
            client = _reporting(client_as(org.sales_head))
    assert not problems, "\n".join(problems)
