"""The task list API's light rows (`selectors.task_list_rows` + `task_list_data`) give exactly the JSON of
`TaskSerializer`, the list's schema: every key, value and date format, the people, the group, the tags the
caller may see, in the caller's time zone; through the endpoint with session and token sign-in alike."""

from __future__ import annotations

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from portal.people.services.signin import api_token_create
from tasks import selectors
from tasks.api.serializers.tasks import TaskSerializer, task_list_data
from tasks.choices import TaskPriority, TaskStatus
from tasks.filters import TaskFilterSet
from tasks.models import Tag, Task, TaskTag
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks.factories import TagFactory, TaskFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tasks/"


def _varied_tasks(org) -> list[Task]:
    """Tasks that exercise every field: people, a group, a parent, tags of three kinds, dates, numbers."""
    me = org.east_rep
    group = WorkgroupFactory()
    MembershipFactory(group=group, user=me)
    mine = TagFactory(owner=me, name="mine")
    shared = Tag.objects.create(name="alpha", group=group)
    foreign = TagFactory(owner=org.field_rep, name="foreign")  # another person's: never shown to me
    now = timezone.now().replace(microsecond=123456)
    parent = TaskFactory(creator=org.field_rep, responsible=me, title="Parent")
    tasks = [
        parent,
        TaskFactory(
            creator=org.field_rep,
            responsible=me,
            parent=parent,
            group=group,
            status=TaskStatus.IN_PROGRESS,
            priority=TaskPriority.HIGH,
            deadline=now - datetime.timedelta(days=2),
            planned_start=now - datetime.timedelta(days=5),
            planned_end=now + datetime.timedelta(days=1),
            started_at=now - datetime.timedelta(days=4),
            time_estimate=3600,
            time_spent=4000,
            subtasks_count=3,
            subtasks_done=1,
            checklist_count=4,
            checklist_done=2,
            comments_count=5,
            files_count=1,
            last_comment_at=now,
            schedule_conflict=True,
            requires_control=True,
        ),
        TaskFactory(
            creator=me,
            responsible=me,
            status=TaskStatus.AWAITING_CONTROL,
            deadline=now - datetime.timedelta(hours=1),
        ),
        TaskFactory(
            creator=me,
            responsible=org.field_rep,
            status=TaskStatus.COMPLETED,
            completed_at=now,
            deadline=now + datetime.timedelta(days=3),
        ),
    ]
    for task in tasks[1:3]:
        for tag in (mine, shared, foreign):
            TaskTag.objects.create(task=task, tag=tag)
    return tasks


def _full(user, tasks) -> list[dict]:
    request = RequestFactory().get(LIST)
    request.user = user
    rows = selectors.task_list_decorate(Task.objects.filter(pk__in=[t.pk for t in tasks]), user=user)
    return TaskSerializer(rows.order_by("-id"), many=True, context={"request": request}).data


def _light(user, tasks) -> list[dict]:
    rows = list(
        selectors.task_list_rows(
            user=user, queryset=Task.objects.filter(pk__in=[t.pk for t in tasks]).order_by("-id")
        )
    )
    return task_list_data(
        rows, people=selectors.task_row_people(rows), tags=selectors.task_row_tags(rows, user=user)
    )


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_light_rows_equal_the_serializer(org, zone):
    tasks = _varied_tasks(org)
    with timezone.override(zone):
        full, light = _full(org.east_rep, tasks), _light(org.east_rep, tasks)
    assert [dict(row) for row in full] == light
    assert [list(row) for row in full] == [list(row) for row in light]  # the same key order
    by_id = {row["id"]: row for row in light}
    assert [t["name"] for t in by_id[tasks[1].pk]["tags"]] == ["alpha", "mine"]  # never "foreign"
    assert by_id[tasks[1].pk]["is_overdue"] and not by_id[tasks[2].pk]["is_overdue"]  # awaiting control


def test_admin_sees_every_tag(org):
    tasks = _varied_tasks(org)
    light = _light(org.admin, tasks)
    assert light == [dict(row) for row in _full(org.admin, tasks)]
    assert {t["name"] for t in {r["id"]: r for r in light}[tasks[1].pk]["tags"]} == {
        "alpha",
        "mine",
        "foreign",
    }


def _api_rows(client, params) -> list[dict]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize(
    "params", [{}, {"role": "do"}, {"role": "do", "sort": "deadline"}, {"sort": "title"}]
)
def test_endpoint_answers_the_serializers_json(org, params):
    tasks = _varied_tasks(org)
    me = org.east_rep
    me.time_zone = "Asia/Tokyo"
    me.save(update_fields=["time_zone"])
    body = _api_rows(client_as(me), params)
    visible = {t.pk for t in Task.objects.visible_to(me)}
    assert {row["id"] for row in body} <= visible
    filterset = TaskFilterSet(params, queryset=Task.objects.visible_to(me), user=me)
    assert filterset.is_valid()
    assert {row["id"] for row in body} == set(filterset.qs.values_list("pk", flat=True))
    with timezone.override("Asia/Tokyo"):  # the session's middleware puts the caller's zone in force
        full = {row["id"]: dict(row) for row in _full(me, tasks)}
    assert [full[row["id"]] for row in body] == body
    assert body[0]["created_at"].endswith("+09:00")


def test_token_sign_in_answers_the_same_rows(org):
    _varied_tasks(org)
    me = org.east_rep
    _token, secret = api_token_create(actor=me, person=me, label="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    by_token = _api_rows(client, {"role": "do"})
    assert by_token and by_token == _api_rows(client_as(me), {"role": "do"})


def test_invalid_filter_is_refused_in_the_one_json_shape(org):
    response = client_as(org.east_rep).get(LIST, {"role": "nonsense"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"role"}


def test_default_order_is_served_by_the_created_at_index(org):
    """The creation time has no empty values: the page is ordered plainly (`created_at DESC, id DESC`, no
    NULLS LAST), an order the created_at index serves, instead of sorting every visible task."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _varied_tasks(org)
    with CaptureQueriesContext(connection) as queries:
        _api_rows(client_as(org.east_rep), {})
    [page] = [q["sql"] for q in queries.captured_queries if 'FROM "tasks_task"' in q["sql"]]
    order = page.rsplit("ORDER BY", 1)[1]
    assert order.count("DESC") == 2 and "NULLS" not in order, order


@pytest.mark.parametrize("sort", ["-created", "deadline", "-deadline", "title"])
def test_cursor_pages_through_ties_and_empty_deadlines(org, sort):
    me = org.east_rep
    moment = timezone.now()
    tasks = [
        TaskFactory(creator=me, responsible=me, deadline=None if i % 3 else moment, title=f"T{i % 2}")
        for i in range(7)
    ]
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(created_at=moment)
    client = client_as(me)
    seen, url, params = [], LIST, {"role": "do", "sort": sort, "page_size": 2}
    while url:
        body = client.get(url, params).json()
        seen += [row["id"] for row in body["results"]]
        url, params = body["next"], None
    assert sorted(seen) == sorted(t.pk for t in tasks) and len(seen) == len(set(seen))
