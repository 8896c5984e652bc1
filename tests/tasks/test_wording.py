"""Wording (issue 13, bug 6): plural forms instead of "(s)", and "just now" instead of "0 minutes ago"."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone, translation

from portal.core.templatetags.lumen import time_ago
from tasks import services
from tasks.choices import TaskStatus
from tests.tasks.factories import TaskFactory
from tests.utils import client_as

NOW = timezone.now()


# --- "just now" ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seconds_ago, expected",
    [
        (0, "just now"),
        (20, "just now"),
        (59, "just now"),
        (-30, "just now"),  # a moment a little ahead of the server's clock
        (60, "1 minute ago"),
        (5 * 60, "5 minutes ago"),
        (3 * 3600 + 5 * 60, "3 hours, 5 minutes ago"),
    ],
)
def test_time_ago(seconds_ago, expected):
    with translation.override("en"):
        shown = time_ago(NOW - datetime.timedelta(seconds=seconds_ago), now=NOW)
    assert shown.replace("\xa0", " ") == expected  # timesince keeps a number and its unit together


def test_time_ago_of_nothing_is_empty():
    assert time_ago(None) == ""


def test_the_ago_filter_in_a_template():
    template = Template("{% load lumen %}{{ when|ago }}")
    with translation.override("en"):
        assert template.render(Context({"when": timezone.now()})) == "just now"
        hour = timezone.now() - datetime.timedelta(hours=1, seconds=5)
        assert template.render(Context({"when": hour})) == "1\xa0hour ago"


@pytest.mark.django_db
def test_a_fresh_stream_post_says_just_now(org):
    from portal.stream.templatetags.stream import _since

    with translation.override("en"):
        assert _since(timezone.now()) == "just now"
        assert "0\xa0minutes" not in _since(timezone.now())


# --- plural forms --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "count, expected",
    [
        (1, "This task has 1 open subtask: complete it too, or leave it open?"),
        (2, "This task has 2 open subtasks: complete them too, or leave them open?"),
    ],
)
def test_the_open_subtasks_question_uses_plural_forms(org, count, expected):
    parent = TaskFactory(creator=org.sales_head, responsible=org.east_rep, status=TaskStatus.IN_PROGRESS)
    for _ in range(count):
        TaskFactory(creator=org.sales_head, responsible=org.east_rep, parent=parent)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.task_transition(actor=org.east_rep, task=parent, action="complete")
    assert caught.value.message_dict["open_subtasks"] == [expected]


@pytest.mark.django_db
def test_unknown_ids_in_the_api_use_plural_forms(org):
    client = client_as(org.sales_head)
    one = client.post(
        "/api/v1/tasks/",
        {"title": "A", "responsible": org.east_rep.pk, "participants": [987654]},
        format="json",
    )
    assert one.status_code == 400
    assert one.json()["error"]["fields"]["participants"] == ["No active person has the id 987654."]
    two = client.post(
        "/api/v1/tasks/",
        {"title": "A", "responsible": org.east_rep.pk, "observers": [987654, 987655], "tags": [876543]},
        format="json",
    )
    fields = two.json()["error"]["fields"]
    assert fields["observers"] == ["No active person has the ids 987654, 987655."]
    assert fields["tags"] == ["You have no tag with the id 876543."]
