"""The sign-in backend reads the person with the department they head: the visibility rules of the request
need no second query, and sessions from before it keep working."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.people.backends import PATH, PersonBackend
from portal.people.models import headed_path


def test_the_person_comes_with_the_path_of_the_department_they_head(org):
    head = PersonBackend().get_user(org.sales_head.pk)
    with CaptureQueriesContext(connection) as queries:
        assert headed_path(head) == org.sales.path
    assert len(queries) == 0
    nobody = PersonBackend().get_user(org.east_rep.pk)
    with CaptureQueriesContext(connection) as queries:
        assert headed_path(nobody) is None
    assert len(queries) == 0


def test_a_deactivated_or_missing_person_is_nobody(org):
    org.east_rep.is_active = False
    org.east_rep.save(update_fields=["is_active"])
    assert PersonBackend().get_user(org.east_rep.pk) is None
    assert PersonBackend().get_user(10**9) is None


def test_signing_in_records_the_backend_and_old_sessions_still_work(org):
    client = Client()
    response = client.post(reverse("login"), {"username": org.east_rep.email, "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == PATH
    assert client.get("/tasks/").status_code == 200

    old = Client()
    old.force_login(org.east_rep, backend="django.contrib.auth.backends.ModelBackend")
    assert old.get("/tasks/").status_code == 200


@pytest.mark.parametrize("path", ["/tasks/", "/api/v1/tasks/?role=all"])
def test_a_head_s_page_asks_no_separate_question_for_their_department(org, path):
    client = Client()
    client.force_login(org.sales_head)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    alone = [q["sql"] for q in queries if q["sql"].startswith('SELECT "people_department"."path"')]
    assert alone == []
