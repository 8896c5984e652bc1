# ruff: noqa: F811 - the fixtures imported from reports_support are redefined as test arguments
"""Work reports API: the life cycle over JSON, the pre-fill and credited-share endpoints, stable errors,
the OpenAPI schema, and the list's query budget."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from reports.choices import Rating, ReportStatus
from reports.models import WorkReport
from tests.people.factories import UserFactory
from tests.reports.factories import WorkReportFactory
from tests.reports.reports_support import (  # noqa: F401 (fixtures)
    BERLIN,
    MONDAY,
    UTC,
    WEDNESDAY,
    at,
    clock,
    commit,
    people,
)
from tests.tasks.factories import TaskFactory
from tests.utils import assert_query_budget, client_as

pytestmark = pytest.mark.django_db
LIST = "/api/v1/reports/reports/"


def detail(pk, action=""):
    return f"{LIST}{pk}/{action + '/' if action else ''}"


def test_life_cycle_over_the_api(people, clock, commit):
    clock.set(at(BERLIN, 2026, 11, 25, 18, 0))
    author, boss = client_as(people.east_rep), client_as(people.east_head)

    created = author.post(LIST, {"facts": "Draft", "plans": "More"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert (body["status"], body["period"], body["period_start"]) == ("draft", "day", "2026-11-25")
    assert body["can_edit"] is True and body["can_rate"] is False and body["revisions"] == []

    patched = author.patch(detail(pk), {"facts": "Met Acme"}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["facts"], patched.json()["plans"]) == ("Met Acme", "More")

    with commit():
        sent = author.post(detail(pk, "send"))
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert sent.json()["supervisor"]["id"] == people.east_head.pk

    seen = boss.get(detail(pk)).json()
    assert seen["can_rate"] is True and seen["can_edit"] is False
    inbox = boss.get(f"{LIST}to-rate/").json()
    assert [r["id"] for r in inbox["results"]] == [pk]

    returned = boss.post(detail(pk, "return"), {"comment": "Numbers?"}, format="json")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert (
        author.put(detail(pk), {"facts": "Met Acme: 3 licences", "send": True}, format="json").json()[
            "status"
        ]
        == "sent"
    )

    rated = boss.post(detail(pk, "rate"), {"rating": "positive", "comment": "Good"}, format="json")
    assert rated.status_code == 200
    body = rated.json()
    assert (body["status"], body["rating"], body["is_locked"]) == ("rated", "positive", True)
    assert len(body["revisions"]) == 2

    locked = author.patch(detail(pk), {"facts": "Late change"}, format="json")
    assert locked.status_code == 400
    assert locked.json()["error"]["fields"] == {
        "report": ["This report is rated; it can no longer be changed."]
    }


def test_create_validates_with_field_errors(people, clock):
    client = client_as(people.east_rep)
    response = client.post(LIST, {"facts": "", "send": True}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"facts"}
    response = client.post(LIST, {"facts": "x", "period_start": "2027-01-01"}, format="json")
    assert set(response.json()["error"]["fields"]) == {"period_start"}
    response = client.post(LIST, {"facts": "x", "period_start": "yesterday"}, format="json")
    assert set(response.json()["error"]["fields"]) == {"period_start"}
    assert not WorkReport.objects.exists()


def test_rate_rejects_a_bad_rating_and_the_author(people, clock):
    report = WorkReportFactory(author=people.east_rep, status=ReportStatus.SENT, period_start=WEDNESDAY)
    bad = client_as(people.east_head).post(detail(report.pk, "rate"), {"rating": "meh"}, format="json")
    assert bad.status_code == 400 and "rating" in bad.json()["error"]["fields"]
    own = client_as(people.east_rep).post(detail(report.pk, "rate"), {"rating": "positive"}, format="json")
    assert own.status_code == 403
    no_comment = client_as(people.east_head).post(detail(report.pk, "return"), {}, format="json")
    assert no_comment.status_code == 400


def test_prefill_endpoint(people, clock):
    clock.set(at(BERLIN, 2026, 11, 25, 18, 0))
    TaskFactory(
        responsible=people.east_rep,
        creator=people.east_head,
        title="Quote",
        status="completed",
        completed_at=at(BERLIN, 2026, 11, 24, 10, 0),
    )
    client = client_as(people.east_rep)
    body = client.get(f"{LIST}prefill/", {"date": "2026-11-24"}).json()
    assert body["period_start"] == "2026-11-24" and body["period"] == "day"
    assert [t["title"] for t in body["closed_tasks"]] == ["Quote"]
    assert body["report"] is None
    assert body["due_at"].startswith("2026-11-24T19:00:00+01:00")
    today = client.get(f"{LIST}prefill/").json()
    assert today["period_start"] == "2026-11-25" and today["closed_tasks"] == []
    assert client.get(f"{LIST}prefill/", {"date": "2026-12-31"}).status_code == 400


def test_credited_share_endpoint(people):
    for day in (MONDAY, MONDAY + datetime.timedelta(days=1)):
        WorkReportFactory(
            author=people.east_rep, period_start=day, status=ReportStatus.RATED, rating=Rating.POSITIVE
        )
    params = {"user": people.east_rep.pk, "start": "2026-11-23", "end": "2026-11-29"}
    body = client_as(people.sales_head).get("/api/v1/reports/credited-share/", params).json()
    assert body == {
        "user": people.east_rep.pk,
        "start": "2026-11-23",
        "end": "2026-11-29",
        "credited": 2,
        "working_days": 5,
        "share": 40.0,
    }
    mine = client_as(people.east_rep).get(
        "/api/v1/reports/credited-share/", {"start": "2026-11-23", "end": "2026-11-29"}
    )
    assert mine.json()["user"] == people.east_rep.pk
    assert client_as(people.developer).get("/api/v1/reports/credited-share/", params).status_code == 404
    bad = client_as(people.east_rep).get(
        "/api/v1/reports/credited-share/", {"start": "2026-11-29", "end": "2026-11-01"}
    )
    assert bad.status_code == 400 and "end" in bad.json()["error"]["fields"]
    assert client_as(people.east_rep).get("/api/v1/reports/credited-share/").status_code == 400


def test_list_filters_and_visibility(people):
    WorkReportFactory(author=people.east_rep, period_start=MONDAY, status=ReportStatus.SENT)
    WorkReportFactory(
        author=people.field_rep, period_start=MONDAY, status=ReportStatus.RATED, rating="negative"
    )
    WorkReportFactory(author=people.developer, period_start=MONDAY)
    client = client_as(people.east_head)
    assert client.get(LIST).json()["count"] == 2
    assert client.get(LIST, {"rating": "negative"}).json()["count"] == 1
    assert client.get(LIST, {"author": people.east_rep.pk}).json()["count"] == 1
    assert client.get(LIST, {"waiting": "true"}).json()["count"] == 1
    assert client.get(LIST, {"date_from": "2026-11-24"}).json()["count"] == 0
    assert client_as(people.admin).get(LIST).json()["count"] == 3
    assert client_as(people.developer).get(LIST).json()["count"] == 1


def test_list_query_budget(people):
    client = client_as(people.sales_head)

    def grow():
        for _ in range(30):
            WorkReportFactory(
                author=UserFactory(department=people.east),
                period_start=WEDNESDAY,
                status=ReportStatus.SENT,
                supervisor=people.east_head,
            )

    grow()
    client.get(LIST)
    assert_query_budget(lambda: client.get(LIST), grow, budget=8)


def test_schema_documents_the_endpoints(people):
    schema = client_as(people.admin).get(reverse("api-schema"), {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/reports/reports/",
        "/api/v1/reports/reports/{id}/",
        "/api/v1/reports/reports/{id}/send/",
        "/api/v1/reports/reports/{id}/rate/",
        "/api/v1/reports/reports/{id}/return/",
        "/api/v1/reports/reports/prefill/",
        "/api/v1/reports/reports/to-rate/",
        "/api/v1/reports/credited-share/",
    ):
        assert path in paths, path
    rate = paths["/api/v1/reports/reports/{id}/rate/"]["post"]
    assert rate["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "WorkReportRateRequest"
    )


def test_the_rating_of_a_report_not_yet_rated_is_documented_as_empty(people, clock):
    """Found by the API fuzz: the read-only model field lost `blank`, so "" was outside the documented enum."""
    from tests.core.openapi import component

    body = client_as(people.east_rep).post(LIST, {"facts": "Done"}, format="json").json()
    assert body["rating"] == ""
    rating = component("WorkReport")["properties"]["rating"]
    enums = [component(ref["$ref"].rsplit("/", 1)[1])["enum"] for ref in rating["oneOf"]]
    documented = [value for enum in enums for value in enum]
    assert sorted(documented) == sorted(["", *Rating.values])
