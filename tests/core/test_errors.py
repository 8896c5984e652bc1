"""Domain errors at the edges: pages (404/403/400), the API (the one JSON shape) and jobs (logged, not retried).

Also the house rule that services and selectors know nothing of HTTP: none of them imports `django.http`.
"""

from __future__ import annotations

import ast
import copy
import logging
from pathlib import Path

import pytest
from celery import Celery
from django.core.exceptions import PermissionDenied, ValidationError

from portal.core.errors import DomainError, Invalid, NotAllowed, NotFound, job_edge
from portal.core.permissions import get_visible
from portal.groups.choices import GroupVisibility
from portal.groups.models import Workgroup
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.utils import client_as

ROOT = Path(__file__).resolve().parents[2]
ERROR_URLS = "tests.core.errors_urls"


# --- the errors themselves -----------------------------------------------------------------------------


def test_invalid_is_a_validation_error_with_fields():
    exc = Invalid({"title": "Give it a title.", "due": ["Too early.", "Not a workday."]})
    assert isinstance(exc, ValidationError) and isinstance(exc, DomainError)
    assert (
        exc.fields
        == exc.message_dict
        == {"title": ["Give it a title."], "due": ["Too early.", "Not a workday."]}
    )
    assert exc.code == "invalid"
    plain = Invalid("Closed.", code="closed")
    assert plain.messages == ["Closed."] and plain.code == "closed" and plain.fields == {}
    # Django copies form errors: a copy keeps the fields and the code.
    again = copy.deepcopy(exc)
    assert again.fields == exc.fields and again.message_dict == exc.message_dict and str(again) == str(exc)


def test_not_allowed_is_a_permission_denied_and_not_found_knows_no_http():
    from django.http import Http404

    assert isinstance(NotAllowed(), PermissionDenied)
    assert not isinstance(NotFound(), Http404)


@pytest.mark.django_db
def test_get_visible_answers_hidden_and_missing_alike():
    group = WorkgroupFactory()
    with pytest.raises(NotFound) as hidden:
        get_visible(Workgroup.objects.none(), pk=group.pk)
    with pytest.raises(NotFound) as missing:
        get_visible(Workgroup.objects.all(), pk=group.pk + 1000)
    with pytest.raises(NotFound):
        get_visible(Workgroup.objects.all(), pk="not a number")
    assert hidden.value.message == missing.value.message


# --- pages ---------------------------------------------------------------------------------------------


@pytest.mark.urls(ERROR_URLS)
def test_page_not_found_renders_the_404_page(user):
    response = client_as(user).get("/test-errors/not_found/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


@pytest.mark.urls(ERROR_URLS)
def test_page_not_allowed_renders_the_403_page(user):
    response = client_as(user).get("/test-errors/not_allowed/")
    assert response.status_code == 403
    assert "You may not do this" in response.content.decode()


@pytest.mark.urls(ERROR_URLS)
def test_page_invalid_renders_a_400_page_with_the_message(user):
    response = client_as(user).get("/test-errors/invalid_plain/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "This thing is closed." in html and "<html" in html.lower()


@pytest.mark.urls(ERROR_URLS)
def test_page_invalid_for_htmx_is_a_small_partial(user):
    response = client_as(user).get("/test-errors/invalid/", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give it a title." in html and "Pick a later date." in html
    assert "<html" not in html.lower()


def test_hidden_group_page_answers_404_through_the_selector(org):
    secret = WorkgroupFactory(visibility=GroupVisibility.SECRET)
    MembershipFactory(group=secret, user=org.developer)
    assert client_as(org.developer).get(f"/groups/{secret.pk}/").status_code == 200
    response = client_as(org.east_rep).get(f"/groups/{secret.pk}/")
    assert response.status_code == 404 and "Nothing here" in response.content.decode()


# --- the API -------------------------------------------------------------------------------------------


@pytest.mark.urls(ERROR_URLS)
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "status", "code", "fields"),
    [
        ("not_found", 404, "not_found", {}),
        ("not_allowed", 403, "permission_denied", {}),
        ("invalid", 400, "invalid", {"title": ["Give it a title."], "due": ["Pick a later date."]}),
        ("invalid_plain", 400, "invalid", {"non_field_errors": ["This thing is closed."]}),
    ],
)
def test_api_maps_each_error_to_the_one_shape(kind, status, code, fields):
    response = client_as(None).get(f"/api/v1/test-errors/{kind}/")
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "fields"}
    assert body["error"]["status"] == status and body["error"]["code"] == code
    assert body["error"]["fields"] == fields
    if kind == "not_allowed":
        assert body["error"]["message"] == "Only the owner may do this."
    if kind == "not_found":
        assert body["error"]["message"] == "Not found."  # hidden and missing read the same


def test_api_hidden_group_is_404_and_a_refused_write_is_403(org):
    secret = WorkgroupFactory(visibility=GroupVisibility.SECRET)
    response = client_as(org.east_rep).get(f"/api/v1/groups/{secret.pk}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    group = WorkgroupFactory(name="Before")
    MembershipFactory(group=group, user=org.east_rep)
    response = client_as(org.east_rep).patch(f"/api/v1/groups/{group.pk}/", {"name": "After"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    group.refresh_from_db()
    assert group.name == "Before"


# --- jobs ----------------------------------------------------------------------------------------------

CALLS: list[str] = []


# A Celery app of its own, so that the test job is not one of the project's (the worker test lists those).
job_app = Celery("lumen-errors-test", set_as_current=False)
job_app.conf.task_always_eager = True


@job_app.task(name="refusing_job", shared=False, autoretry_for=(Exception,), retry_kwargs={"max_retries": 3})
@job_edge
def refusing_job(kind: str):
    CALLS.append(kind)
    if kind == "boom":
        raise RuntimeError("the network is down")
    raise {"not_found": NotFound, "not_allowed": NotAllowed, "invalid": Invalid}[kind]("the rule says no")


@pytest.mark.parametrize("kind", ["not_found", "not_allowed", "invalid"])
def test_job_logs_a_domain_error_and_is_not_retried(kind, caplog):
    CALLS.clear()
    with caplog.at_level(logging.WARNING, logger="portal.core.errors"):
        result = refusing_job.apply(args=[kind])
    assert result.successful() and result.result is None
    assert CALLS == [kind]  # ran once: autoretry_for=(Exception,) did not see the refusal
    assert any("the rule says no" in r.getMessage() and kind in r.getMessage() for r in caplog.records)


def test_job_other_errors_still_reach_celery():
    with pytest.raises(RuntimeError):
        refusing_job.run("boom")  # the edge lets it through
    CALLS.clear()
    result = refusing_job.apply(args=["boom"])
    assert not result.successful()
    assert len(CALLS) > 1  # Celery's autoretry ran it again, as before


# --- no HTTP below the edges ---------------------------------------------------------------------------

SKIP_DIRS = {".venv", "node_modules", "tests", ".git", "static", "var", "bench"}


def _service_and_selector_modules():
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if SKIP_DIRS & set(parts) or any(p.endswith(".egg-info") for p in parts):
            continue
        if path.name in ("services.py", "selectors.py") or {"services", "selectors"} & set(parts[:-1]):
            yield path


def _imports_django_http(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name == "django.http" or a.name.startswith("django.http.") for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "django.http" or node.module.startswith("django.http."):
                lines.append(node.lineno)
            elif node.module == "django" and any(a.name == "http" for a in node.names):
                lines.append(node.lineno)
    return lines


def test_walker_finds_the_modules_and_the_imports():
    found = {p.relative_to(ROOT).as_posix() for p in _service_and_selector_modules()}
    assert "portal/groups/services.py" in found and "portal/groups/selectors.py" in found
    assert any(p.startswith("tasks/services/") for p in found)
    assert any(p.startswith("reports/selectors/") for p in found)
    assert _imports_django_http(ast.parse("def f():\n    from django.http import Http404\n")) == [2]
    assert _imports_django_http(ast.parse("from django import http")) == [1]
    assert _imports_django_http(ast.parse("from django.core.exceptions import ValidationError")) == []


def test_no_service_or_selector_imports_django_http():
    offenders = []
    for path in _service_and_selector_modules():
        for line in _imports_django_http(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(ROOT).as_posix()}:{line}")
    assert sorted(offenders) == [], "services and selectors raise portal.core.errors, never django.http"
