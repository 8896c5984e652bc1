"""The benchmark's instruments: the query-counting middleware and the floor view."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from portal.core.bench import FLOOR_ROWS, QUERY_COUNT_HEADER, QueryCountMiddleware, floor
from tests.people.factories import UserFactory


def test_middleware_reports_the_queries_of_the_request(db):
    def view(request):
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT 1")
        return HttpResponse("ok")

    response = QueryCountMiddleware(view)(RequestFactory().get("/"))

    assert response[QUERY_COUNT_HEADER] == "3"


def test_floor_returns_the_first_directory_page_in_one_query(org, django_assert_num_queries):
    UserFactory.create_batch(FLOOR_ROWS, department=org.it)
    UserFactory(last_name="Aaronson", is_active=False)

    with django_assert_num_queries(1):
        response = floor(RequestFactory().get("/bench/floor/", REMOTE_ADDR="127.0.0.1"))

    rows = json.loads(response.content)["results"]
    assert len(rows) == FLOOR_ROWS
    assert set(rows[0]) == {"id", "first_name", "last_name", "position", "department__name"}
    assert "Aaronson" not in {row["last_name"] for row in rows}
    assert [r["last_name"] for r in rows] == sorted(r["last_name"] for r in rows)


def test_floor_answers_loopback_only(db):
    with pytest.raises(Http404):
        floor(RequestFactory().get("/bench/floor/", REMOTE_ADDR="203.0.113.9"))
