"""The OpenAPI schema of the tasks API: generated without a warning, valid, every endpoint with a summary and
the examples clients copy from."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

PREFIX = "/api/v1/tasks/"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("schema") / "schema.json"
    GENERATOR_STATS.reset()
    # --fail-on-warn raises on any warning of the whole API; --validate checks it against the OpenAPI spec.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(target)
    )
    return json.loads(target.read_text())


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        if path.startswith(PREFIX):
            for method in METHODS:
                if method in item:
                    yield path, method, item[method]


def test_every_tasks_endpoint_is_documented(schema):
    operations = list(_operations(schema))
    assert len(operations) == 51  # a new endpoint: add it to the permission matrix too
    for path, method, operation in operations:
        assert operation.get("summary"), f"{method.upper()} {path} has no summary"
        if method in ("post", "put", "patch") and not path.endswith(("/seen/", "/timer/stop/")):
            assert "requestBody" in operation, f"{method.upper()} {path} has no request body"
        assert operation["responses"], f"{method.upper()} {path} has no responses"
    paths = {path for path, _method, _op in operations}
    assert {
        f"{PREFIX}",
        f"{PREFIX}{{id}}/transition/",
        f"{PREFIX}{{id}}/checklist/reorder/",
        f"{PREFIX}links/",
        f"{PREFIX}tags/{{id}}/merge/",
        f"{PREFIX}time-entries/",
        f"{PREFIX}timer/start/",
        f"{PREFIX}files/{{id}}/download/",
        f"{PREFIX}efficiency/",
        f"{PREFIX}time-report/",
    } <= paths


def _examples(schema: dict, path: str, method: str) -> dict:
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
    return body.get("examples", {})


@pytest.mark.parametrize(
    ("path", "method", "fields"),
    [
        (PREFIX, "post", {"title", "responsible"}),
        (f"{PREFIX}{{id}}/transition/", "post", {"action"}),
        (f"{PREFIX}{{id}}/reschedule/", "post", {"dependants"}),
        (f"{PREFIX}links/", "post", {"predecessor", "successor", "kind"}),
        (f"{PREFIX}time-entries/", "post", {"task", "seconds"}),
    ],
)
def test_examples_for_the_main_writes(schema, path, method, fields):
    examples = _examples(schema, path, method)
    assert examples, f"{method.upper()} {path} has no example"
    assert any(fields <= set(example["value"]) for example in examples.values())


def test_the_task_list_documents_the_page_filters_and_the_cursor(schema):
    parameters = {p["name"]: p for p in schema["paths"][PREFIX]["get"]["parameters"]}
    assert {"role", "status", "overdue", "tag", "sort", "cursor", "page_size", "q"} <= set(parameters)
    assert parameters["role"]["schema"]["enum"] == ["all", "do", "help", "observe", "set"]
    assert parameters["tag"]["schema"] == {"type": "array", "items": {"type": "integer"}}
    assert parameters["tag"]["explode"] is False
    page = schema["paths"][PREFIX]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    listed = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[1]]
    assert set(listed["properties"]) == {"next", "previous", "results"}


def test_status_enums_are_named_after_their_choices(schema):
    components = schema["components"]["schemas"]
    assert components["TaskStatusEnum"]["enum"] == [
        "new",
        "pending",
        "in_progress",
        "awaiting_control",
        "completed",
        "deferred",
        "declined",
    ]
    assert set(components["TaskActionEnum"]["enum"]) == {
        "accept",
        "start",
        "pause",
        "complete",
        "approve",
        "return",
        "defer",
        "decline",
        "renew",
    }
