"""The OpenAPI schema's common parts: the error responses every endpoint shares, times of day, and lists
that are paged only where they are read.

Every error of the API has one JSON shape (portal/core/api/errors.py). The views document their successes
and, where it helps, what an error means for them; this hook adds the errors every operation of a kind can
answer, with that shape, so that clients (and the API fuzz test) can rely on the schema for errors too.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema

ERROR_COMPONENT = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API: its HTTP status, a stable code, a message and, for invalid "
    "input, what is wrong with each field.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status."},
                "code": {
                    "type": "string",
                    "description": "Stable: invalid, not_found, permission_denied, ...",
                },
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "For `invalid`: the messages of each field (`non_field_errors`: of the "
                    "whole request). Empty otherwise.",
                    "additionalProperties": {"type": "array", "items": {}},
                },
            },
            "required": ["status", "code", "message", "fields"],
        }
    },
    "required": ["error"],
}

DESCRIPTIONS = {
    "400": "Invalid input: `error.fields` names what is wrong.",
    "401": "Not signed in, or the credentials are wrong.",
    "403": "Not signed in (session callers), or not allowed to do this.",
    "404": "Missing, or hidden from the caller.",
    "415": "The request body's content type is not one this endpoint reads.",
    "429": "Too many requests: wait as Retry-After says.",
}

WRITES = ("post", "put", "patch", "delete")


def _error_codes(method: str, operation: dict) -> list[str]:
    """The errors an operation can answer, besides those its view documents."""
    public = {} in operation.get("security", [])
    queried = any(p.get("in") == "query" for p in operation.get("parameters", []))
    addressed = any(p.get("in") == "path" for p in operation.get("parameters", []))
    write = method in WRITES
    codes = ["429"]  # every endpoint is throttled
    if write or queried or "requestBody" in operation:
        codes.append("400")
    if "requestBody" in operation:
        codes.append("415")
    if not public:
        codes += ["401", "403"]
        if write or queried or addressed:  # a missing or hidden object, page or cursor
            codes.append("404")
    return codes


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: the shared error responses and their JSON shape."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", *WRITES):
                continue
            responses = operation.setdefault("responses", {})
            for code in _error_codes(method, operation):
                responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400 and not response.get("content"):
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
                    response["description"] = response.get("description") or DESCRIPTIONS.get(code, "")
    return result


class TimeOfDayFieldExtension(OpenApiSerializerFieldExtension):
    """A time of day (a schedule's start, a person's working hours) is a wall-clock time in the person's or
    company's zone: "09:00:00", without the UTC offset that the JSON Schema format `time` requires."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "example": "09:00:00",
        }


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema of a view, except that only reads page through lists: a write that answers a
    list (the invitations it sent, the photos it added) answers it whole, even in a paginated view set."""

    def _get_paginator(self):
        if self.method != "GET":
            return None
        return super()._get_paginator()
