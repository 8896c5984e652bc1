"""Rows and cards built in Python (the task list, the Kanban, the feed, the directory) escape what people
typed, as the templates they replaced did."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.people.factories import UserFactory
from tests.stream.factories import post
from tests.tasks.factories import TaskFactory

NAME = '<script>alert("name")</script>'
TITLE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def hostile(org):
    person = UserFactory(first_name=NAME, last_name="Doe", department=org.east, position=TITLE)
    TaskFactory(title=TITLE, creator=person, responsible=person)
    post(person, body="A plain post", everyone=True)
    client = Client()
    client.force_login(person)
    return client


@pytest.mark.parametrize(
    "path", ["/tasks/?role=do", "/tasks/kanban/", "/stream/", "/company/", "/company/?q=Doe"]
)
def test_what_people_typed_is_escaped_in_built_rows(hostile, path):
    html = hostile.get(path).content.decode()
    assert NAME not in html and TITLE not in html
    assert "&lt;script&gt;" in html or "&lt;img" in html
