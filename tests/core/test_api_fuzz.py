"""Schemathesis fuzzes every operation of the API, as an employee and as their supervisor.

The schema is the one drf-spectacular generates; the requests go to Django's WSGI application in this
process, inside the test's database transaction. Path parameters are ids of real objects of the world
(tests/core/api_world.py), so the requests reach the views rather than stopping at 404; bodies and queries
are generated, valid and invalid. Each call runs in a savepoint rolled back afterwards, so every case meets
the same world and deletes, sign-outs or deactivations leave nothing behind; the database does not grow.

Checks: no server error, status codes, content types and bodies as the schema documents them (errors too,
in the API's one JSON error shape). Deterministic: a fixed seed, derandomized generation, no example database.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client

from tests.core.api_world import build_api_world
from tests.core.openapi import openapi_schema
from tests.utils import client_as

pytestmark = pytest.mark.fuzz

SEED = 20260401
# Generated cases per operation (each sent as both callers). `make fuzz` digs deeper with more.
MAX_EXAMPLES = int(os.environ.get("LUMEN_FUZZ_EXAMPLES", "12"))
# How often a field or query parameter takes an edge value, or a field naming an object a real one's id.
EDGE_RATE, REFERENCE_RATE = 0.15, 0.6
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)

# Values that break what is not ready for them: NUL (PostgreSQL refuses it in text), integers beyond
# PostgreSQL's integer and bigint, Unicode digits that `str.isdigit` accepts and `int` does not, and more.
EDGE_VALUES = [
    "\x00",
    "a\x00b",
    "\u00b2",
    "\u0663",
    "\u202e",
    " ",
    "%00",
    0,
    -1,
    2_147_483_648,
    -2_147_483_649,
    9_223_372_036_854_775_808,
    10**20,
]

schema = schemathesis.pytest.from_fixture("api_schema")


class InProcessApp(WSGIHandler):
    """Django's WSGI application as the test client runs it: CSRF is not enforced (the session cookie stands
    for a signed-in browser that sends its token)."""

    def get_response(self, request):
        request._dont_enforce_csrf_checks = True
        return super().get_response(request)


@pytest.fixture
def app():
    # A real request closes a connection left in a transaction: here that is the test's own, kept open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield InProcessApp()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(org):
    return build_api_world(org)


@pytest.fixture
def sessions(world):
    """The session cookie of each caller: the employee and their supervisor. They are still signed in at the
    end: whatever a case did (signing out, revoking, deactivating) was rolled back with it."""
    name = settings.SESSION_COOKIE_NAME
    cookies = [{name: client_as(user).cookies[name].value} for user in (world.employee, world.supervisor)]
    yield cookies
    for cookie in cookies:
        client = Client()
        client.cookies[name] = cookie[name]
        assert client.get("/api/v1/people/me/").status_code == 200, "a fuzz case signed a caller out for good"


@pytest.fixture
def api_schema(request, world):
    # Schemathesis 4's lazy loader reads pytest's former private `_nodeid`, which pytest 9.2 no longer has.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    operations = [
        {"include-path": path, "parameters": {f"path.{name}": value for name, value in values.items()}}
        for path, values in world.path_values(world.employee).items()
    ]
    raw = openapi_schema()
    references = world.references()
    dictionaries = {f"ref-{name}": {"values": ids} for name, ids in references.items()}
    dictionaries["edge"] = {"values": EDGE_VALUES}
    # Body fields take edge values now and then (only those their type admits, in valid requests), and
    # the fields that name an object the ids of real ones more often than not.
    edge = {"dictionary": "edge", "probability": EDGE_RATE}
    parameters = {f"body.{name}": edge for name in _body_fields(raw)}
    for name in references:
        for location in ("body", "query"):
            parameters[f"{location}.{name}"] = {"dictionary": f"ref-{name}", "probability": REFERENCE_RATE}
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},
            "dictionaries": dictionaries,
            "parameters": parameters,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                # The callers sign in with their session cookie: no generated credentials.
                "with-security-parameters": False,
                "dictionaries": {"string": edge, "integer": edge},  # query parameters
            },
            # The coverage phase's boundary cases run to tens of thousands of requests, too many for every
            # run of the suite: the edge values above bring its sharpest ones (NUL, integers beyond 64 bits).
            # The stateful phase chains operations through links the schema does not declare.
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "operations": operations,
        }
    )
    return schemathesis.openapi.from_dict(raw, config=config)


def _body_fields(raw: dict) -> set[str]:
    """The names of the top-level fields of every request body of the schema."""
    components = raw["components"]["schemas"]
    names = set()
    for item in raw["paths"].values():
        for operation in item.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                body = content["schema"]
                if "$ref" in body:
                    body = components[body["$ref"].rsplit("/", 1)[1]]
                names |= set(body.get("properties", {}))
    return names


@schema.parametrize()
def test_api_fuzz(case, app, sessions):
    for cookies in sessions:
        with transaction.atomic():
            response = case.call(app=app, cookies=cookies)
            transaction.set_rollback(True)
        case.validate_response(response)
