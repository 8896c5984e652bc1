"""The governance part of the knowledge base API: in the OpenAPI schema (every operation with a summary, its
components named apart from the stream's), the shared JSON error shape (a wrong answer field by field, a
comment moderated twice is 409 `already_decided`), and the same FilterSets as the pages."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from knowledgebase.models import CommentStatus
from tests.knowledgebase.factories_governance import (
    CampaignFactory,
    CommentFactory,
    governance_world,
    reading_laid,
)
from tests.utils import client_as

PREFIXES = ("/api/v1/kb/comments/", "/api/v1/kb/campaigns/", "/api/v1/kb/reading/")
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    target = tmp_path_factory.mktemp("schema") / "schema.json"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--format", "openapi-json", "--file", str(target))
    return json.loads(target.read_text())


def test_every_governance_endpoint_is_documented(schema):
    operations = [
        (path, method, item[method])
        for path, item in schema["paths"].items()
        if path.startswith(PREFIXES)
        for method in METHODS
        if method in item
    ]
    assert len(operations) == 18  # a new endpoint: add it to the permission matrix too
    for path, method, operation in operations:
        assert operation.get("summary"), f"{method.upper()} {path} has no summary"
        assert operation["responses"], f"{method.upper()} {path} has no responses"
    approve = schema["paths"]["/api/v1/kb/comments/{id}/approve/"]["post"]
    assert "409" in approve["responses"]
    names = set(schema["components"]["schemas"])
    assert {"KbComment", "KbCampaign", "KbReading", "KbCommentStatusEnum"} <= names
    assert "Comment" in names  # the stream's keeps its own name


@pytest.mark.django_db
def test_a_wrong_answer_is_a_field_error_and_a_second_decision_a_conflict(org):
    world = governance_world(org, moderated=True)
    campaign = CampaignFactory(space=world.space, question="Who?", options=["A", "B"], answer=1)
    reading_laid(campaign, world.rules, org.east_rep)
    client = client_as(org.east_rep)
    wrong = client.post(
        "/api/v1/kb/reading/confirm/",
        {"page": world.rules.pk, "answers": {str(campaign.pk): 0}},
        format="json",
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid" and "answer" in wrong.json()["error"]["fields"]
    right = client.post(
        "/api/v1/kb/reading/confirm/",
        {"page": world.rules.pk, "answers": {str(campaign.pk): 1}},
        format="json",
    )
    assert right.status_code == 200 and right.json()[0]["confirmed_at"]

    waiting = CommentFactory(page=world.rules, author=org.east_rep, status=CommentStatus.PENDING)
    editor = client_as(org.sales_head)
    assert editor.post(f"/api/v1/kb/comments/{waiting.pk}/approve/").status_code == 200
    again = editor.post(f"/api/v1/kb/comments/{waiting.pk}/reject/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"


@pytest.mark.django_db
def test_the_api_filters_as_the_pages_do(org):
    world = governance_world(org)
    CommentFactory(page=world.rules, author=org.east_rep)
    CommentFactory(page=world.report, author=org.east_rep)
    client = client_as(org.field_rep)
    rows = client.get(f"/api/v1/kb/comments/?page_id={world.report.pk}").json()["results"]
    assert [r["page"] for r in rows] == [world.report.pk]
    open_campaign = CampaignFactory(space=world.space)
    CampaignFactory(space=world.space, status="closed")
    for campaign in _campaigns(world):
        reading_laid(campaign, world.rules, org.field_rep)
    answer = client.get("/api/v1/kb/campaigns/?status=running").json()
    listed = answer["results"] if "results" in answer else answer
    assert [c["id"] for c in listed] == [open_campaign.pk]


def _campaigns(world):
    from knowledgebase.models import Campaign

    return Campaign.objects.filter(space=world.space)
