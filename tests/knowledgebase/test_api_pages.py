"""The knowledge base API: rights (hidden is 404), the optimistic lock's 409 in the shared error shape, the
diff and restore, the tree, query budgets, and every endpoint documented in the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgebase.models import Page
from tests.knowledgebase.factories import PageFactory, kb_world
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db


def test_a_stale_put_is_a_409_in_the_shared_error_shape_and_changes_nothing(org):
    world = kb_world(org)
    url = reverse("kb-page-detail", args=[world.secret.pk])
    editor = client_as(org.sales_rep)
    first = editor.put(url, {"base_revision": 1, "title": "Discount rules", "body": "v2"}, format="json")
    assert first.status_code == 200 and first.json()["revision"] == 2
    stale = client_as(org.east_head).put(
        url, {"base_revision": 1, "title": "Mine", "body": "v2b"}, format="json"
    )
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["status"] == 409 and error["code"] == "edit_conflict" and "revision 2" in error["message"]
    assert Page.objects.get(pk=world.secret.pk).body == "v2"


def test_hidden_pages_are_404_everywhere_in_the_api(org):
    world = kb_world(org)
    outsider = client_as(org.developer)
    for url in (
        reverse("kb-page-detail", args=[world.secret.pk]),
        reverse("kb-space-detail", args=[world.restricted.pk]),
        reverse("kb-space-tree", args=[world.restricted.pk]),
        reverse("kb-revision-list", args=[world.secret.pk]),
        reverse("kb-revision-diff", args=[world.secret.pk]),
    ):
        response = outsider.get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", url
    listed = outsider.get(reverse("kb-page-list")).json()
    assert world.secret.pk not in [p["id"] for p in listed["results"]]
    assert world.public.pk in [p["id"] for p in listed["results"]]


def test_the_page_list_filters_as_the_pages_do(org):
    world = kb_world(org)
    tagged = PageFactory(space=world.company, title="Tagged")
    tagged.tags.create(name="onboarding")
    reader = client_as(org.east_rep)
    by_space = reader.get(reverse("kb-page-list"), {"space": world.restricted.pk}).json()
    assert [p["id"] for p in by_space["results"]] == [world.secret.pk]
    by_tag = reader.get(reverse("kb-page-list"), {"tag": "Onboarding"}).json()
    assert [p["id"] for p in by_tag["results"]] == [tagged.pk]
    assert reader.get(reverse("kb-page-list"), {"status": "nonsense"}).json()["results"] == []


def test_diff_restore_and_move_through_the_api(org):
    world = kb_world(org)
    editor = client_as(org.sales_rep)
    page_url = reverse("kb-page-detail", args=[world.secret.pk])
    editor.put(
        page_url,
        {"base_revision": 1, "title": "Discount rules", "body": "Up to five percent."},
        format="json",
    )
    diff = editor.get(reverse("kb-revision-diff", args=[world.secret.pk]), {"from": 1, "to": 2}).json()
    assert diff["added"] == 1 and diff["removed"] == 1 and "+Up to five percent." in diff["unified"]
    restored = editor.post(reverse("kb-revision-restore", args=[world.secret.pk, 1]))
    assert (
        restored.status_code == 201
        and restored.json()["number"] == 3
        and restored.json()["restored_from"] == 1
    )
    child = editor.post(
        reverse("kb-page-list"),
        {"space": world.restricted.pk, "title": "Child", "parent": world.secret.pk},
        format="json",
    ).json()
    cycle = editor.post(
        reverse("kb-page-move", args=[world.secret.pk]), {"parent": child["id"]}, format="json"
    )
    assert cycle.status_code == 400 and "parent" in cycle.json()["error"]["fields"]
    tree = editor.get(reverse("kb-space-tree", args=[world.restricted.pk])).json()
    assert [(n["title"], n["depth"]) for n in tree] == [("Discount rules", 0), ("Child", 1)]


@pytest.mark.parametrize("name", ["kb-page-list", "kb-space-list", "kb-revision-list"])
def test_the_api_lists_cost_the_same_at_10_and_1000_rows(org, name):
    from knowledgebase.models import PageRevision, Space

    world = kb_world(org)
    client = client_as(org.east_rep)
    url = reverse(name, args=[world.secret.pk]) if name == "kb-revision-list" else reverse(name)

    def grow():
        if name == "kb-page-list":
            Page.objects.bulk_create(
                [Page(space=world.restricted, title=f"P{n}", revision=1) for n in range(990)]
            )
        elif name == "kb-space-list":
            Space.objects.bulk_create(
                [Space(title=f"S{n}", responsible=org.ceo, everyone_access="read") for n in range(990)]
            )
        else:
            PageRevision.objects.bulk_create(
                [PageRevision(page=world.secret, number=n, title="t") for n in range(2, 992)]
            )

    client.get(url)  # warm what every request shares once per process (the content types, the counters)
    assert_query_budget(lambda: client.get(url + "?page_size=200"), grow, budget=15)


def test_every_kb_endpoint_is_documented(org):
    from tests.core.openapi import openapi_schema

    paths = {p: item for p, item in openapi_schema()["paths"].items() if p.startswith("/api/v1/kb/")}
    mine = [
        p
        for p in paths
        if "/discussion" not in p and "comment" not in p and "campaign" not in p and "reading" not in p
    ]
    assert {
        "/api/v1/kb/spaces/",
        "/api/v1/kb/spaces/{id}/",
        "/api/v1/kb/spaces/{id}/tree/",
        "/api/v1/kb/pages/",
        "/api/v1/kb/pages/{id}/",
        "/api/v1/kb/pages/{id}/move/",
        "/api/v1/kb/pages/{id}/revisions/",
        "/api/v1/kb/pages/{id}/revisions/{number}/",
        "/api/v1/kb/pages/{id}/revisions/{number}/restore/",
        "/api/v1/kb/pages/{id}/diff/",
        "/api/v1/kb/search/",
    } <= set(mine)
    for path in mine:
        for method, operation in paths[path].items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert operation.get("summary"), f"{method.upper()} {path} has no summary"
