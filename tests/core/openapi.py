"""The OpenAPI schema drf-spectacular generates, for tests that read it (made once per test run)."""

from __future__ import annotations

import copy
import functools

from drf_spectacular.generators import SchemaGenerator


@functools.cache
def _generated() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def openapi_schema() -> dict:
    """The whole schema, the caller's own copy."""
    return copy.deepcopy(_generated())


def component(name: str) -> dict:
    return openapi_schema()["components"]["schemas"][name]


def response_schema(path: str, method: str, status: str = "200") -> dict:
    """The JSON schema of one response, its top-level reference resolved."""
    schema = openapi_schema()
    body = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    if "$ref" in body:
        return schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return body
