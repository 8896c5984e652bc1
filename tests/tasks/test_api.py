"""The tasks API: round trips of every resource, errors of one JSON shape, the filters of the list pages and
the keyset cursor. Permissions per role live in test_api_permissions.py, query budgets in test_api_budgets.py.
"""

from __future__ import annotations

import base64
import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.groups.choices import GroupVisibility
from tasks import services
from tasks.choices import MemberRole, TaskStatus
from tasks.models import ChecklistItem, Tag, Task, TaskComment, TaskFile, TaskLink, TaskTag, TimeEntry
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks.factories import (
    ChecklistItemFactory,
    TagFactory,
    TaskCommentFactory,
    TaskFactory,
    TaskLinkFactory,
    TaskMemberFactory,
    TaskTagFactory,
    TimeEntryFactory,
)
from tests.utils import client_as

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tasks/"
NOW = timezone.now()


def detail(task, suffix: str = "") -> str:
    return f"{LIST}{task.pk}/{suffix}"


def at(days: float = 0, hours: float = 0) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(days=days, hours=hours)).replace(microsecond=0)


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def errors(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]["fields"]


def make_task(creator, responsible, **kwargs) -> Task:
    """A task laid by the factory (tests of the API's own behaviour; the services' rules are theirs)."""
    participants = kwargs.pop("participants", ())
    observers = kwargs.pop("observers", ())
    task = TaskFactory(creator=creator, responsible=responsible, **kwargs)
    for person in participants:
        TaskMemberFactory(task=task, user=person, role=MemberRole.PARTICIPANT)
    for person in observers:
        TaskMemberFactory(task=task, user=person, role=MemberRole.OBSERVER)
    return task


# --- routes ------------------------------------------------------------------------------------------


def test_routes_share_the_prefix_without_clashing():
    assert reverse("task-list") == LIST
    assert reverse("task-detail", args=[5]) == "/api/v1/tasks/5/"
    assert reverse("task-link-list") == "/api/v1/tasks/links/"
    assert reverse("task-tag-list") == "/api/v1/tasks/tags/"
    assert reverse("task-time-entry-list") == "/api/v1/tasks/time-entries/"
    assert reverse("task-timer") == "/api/v1/tasks/timer/"
    assert reverse("task-checklist", args=[5]) == "/api/v1/tasks/5/checklist/"
    assert reverse("task-file-download", args=[3]) == "/api/v1/tasks/files/3/download/"


def test_a_non_numeric_id_is_not_a_task(org):
    response = client_as(org.east_rep).get(f"{LIST}links-x/")
    assert response.status_code == 404


# --- create, read, change, delete ----------------------------------------------------------------------


def test_create_round_trip(org):
    mine = TagFactory(owner=org.field_rep, name="reports")
    client = client_as(org.field_rep)
    deadline = at(days=3)
    response = client.post(
        LIST,
        {
            "title": "Quarterly report",
            "description": "Numbers from **sales**.",
            "responsible": org.east_rep.pk,
            "participants": [org.sales_rep.pk],
            "observers": [org.ceo.pk],
            "deadline": iso(deadline),
            "priority": "high",
            "tags": [mine.pk, "finance"],
            "checklist": ["Collect", "Draft"],
            "requires_control": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    task = Task.objects.get(pk=body["id"])
    assert task.creator == org.field_rep and task.responsible == org.east_rep
    assert body["title"] == "Quarterly report" and body["status"] == "new" and body["priority"] == "high"
    assert body["creator"]["id"] == org.field_rep.pk and body["responsible"]["id"] == org.east_rep.pk
    assert [p["id"] for p in body["participants"]] == [org.sales_rep.pk]
    assert [p["id"] for p in body["observers"]] == [org.ceo.pk]
    assert sorted(t["name"] for t in body["tags"]) == ["finance", "reports"]
    assert Tag.objects.get(name="finance").owner == org.field_rep  # a new name makes a personal tag
    assert body["checklist_count"] == 2 and body["requires_control"] is True
    assert "<strong>sales</strong>" in body["description_html"]
    assert datetime.datetime.fromisoformat(body["deadline"]) == deadline
    assert body["permissions"]["edit"] is True and body["permissions"]["see"] is True
    assert "start" in body["actions"] and "approve" not in body["actions"]
    assert body["url"] == f"/tasks/{task.pk}/"

    again = client.get(detail(task)).json()
    assert again == body


def test_retrieve_shows_the_callers_permissions_and_actions(org):
    task = make_task(org.field_rep, org.east_rep, participants=[org.sales_rep])
    responsible = client_as(org.east_rep).get(detail(task)).json()
    assert responsible["permissions"] == {
        "see": True,
        "edit": False,
        "change_status": True,
        "change_deadline": False,
        "participate": True,
        "comment": True,
        "control": False,
    }
    assert set(responsible["actions"]) >= {"accept", "start", "complete", "decline"}
    supervisor = client_as(org.sales_head).get(detail(task)).json()
    assert supervisor["actions"] == [] and supervisor["permissions"]["participate"] is False
    assert client_as(org.developer).get(detail(task)).status_code == 404


def test_create_errors_are_field_by_field_and_change_nothing(org):
    client = client_as(org.field_rep)
    response = client.post(LIST, {"description": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert set(errors(response)) == {"title", "responsible"}

    other = TagFactory(owner=org.developer, name="theirs")
    response = client.post(
        LIST,
        {"title": "T", "responsible": org.east_rep.pk, "participants": [999999], "tags": [other.pk]},
        format="json",
    )
    assert response.status_code == 400 and set(errors(response)) == {"participants", "tags"}

    hidden = make_task(org.developer, org.developer)
    response = client.post(
        LIST, {"title": "T", "responsible": org.east_rep.pk, "parent": hidden.pk}, format="json"
    )
    assert response.status_code == 400 and "parent" in errors(response)

    # The service refuses the dates: the tag named in the same request is not left behind.
    response = client.post(
        LIST,
        {
            "title": "T",
            "responsible": org.east_rep.pk,
            "planned_start": iso(at(days=2)),
            "planned_end": iso(at(days=1)),
            "tags": ["brand-new"],
        },
        format="json",
    )
    assert response.status_code == 400 and "planned_end" in errors(response)
    assert not Tag.objects.filter(name="brand-new").exists()
    assert Task.objects.count() == 1


def test_subtasks_are_tasks_with_a_parent(org):
    client = client_as(org.field_rep)
    parent = client.post(LIST, {"title": "Parent", "responsible": org.east_rep.pk}, format="json").json()
    for title in ("One", "Two"):
        response = client.post(
            LIST, {"title": title, "responsible": org.east_rep.pk, "parent": parent["id"]}, format="json"
        )
        assert response.status_code == 201 and response.json()["parent"]["id"] == parent["id"]
    body = client.get(f"{LIST}{parent['id']}/").json()
    assert body["subtasks_count"] == 2
    subtasks = client.get(f"{LIST}{parent['id']}/subtasks/").json()
    assert [t["title"] for t in subtasks["results"]] == ["One", "Two"]
    assert client.get(LIST, {"parent": parent["id"]}).json()["results"][0]["parent"] == parent["id"]


def test_patch_changes_only_what_is_sent_and_put_needs_the_required_fields(org):
    task = make_task(org.field_rep, org.east_rep, description="Keep", priority="high")
    client = client_as(org.field_rep)
    response = client.patch(detail(task), {"title": "Renamed"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Renamed"
    task.refresh_from_db()
    assert task.description == "Keep" and task.priority == "high"

    response = client.put(detail(task), {"description": "New"}, format="json")
    assert response.status_code == 400 and set(errors(response)) == {"title", "responsible"}
    response = client.put(
        detail(task), {"title": "Whole", "responsible": org.sales_rep.pk, "priority": "normal"}, format="json"
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.title, task.responsible, task.priority, task.description) == (
        "Whole",
        org.sales_rep,
        "normal",
        "Keep",
    )


def test_responsible_changes_the_deadline_only_when_allowed(org):
    task = make_task(org.field_rep, org.east_rep)
    client = client_as(org.east_rep)
    response = client.patch(detail(task), {"deadline": iso(at(days=5))}, format="json")
    assert response.status_code == 403 and response.json()["error"]["status"] == 403
    Task.objects.filter(pk=task.pk).update(allow_change_deadline=True)
    response = client.patch(detail(task), {"deadline": iso(at(days=5))}, format="json")
    assert response.status_code == 200
    assert client.patch(detail(task), {"title": "No"}, format="json").status_code == 403


def test_delete(org):
    task = make_task(org.field_rep, org.east_rep)
    assert client_as(org.east_rep).delete(detail(task)).status_code == 403
    client = client_as(org.field_rep)
    assert client.delete(detail(task)).status_code == 204
    response = client.get(detail(task))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# --- status, hierarchy, schedule, people, tags -----------------------------------------------------


def test_transitions(org):
    task = make_task(org.field_rep, org.east_rep, requires_control=True)
    responsible, creator = client_as(org.east_rep), client_as(org.field_rep)
    response = responsible.post(detail(task, "transition/"), {"action": "start"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    response = responsible.post(detail(task, "transition/"), {"action": "complete"}, format="json")
    assert response.json()["status"] == "awaiting_control"
    assert response.json()["actions"] == []

    assert (
        responsible.post(detail(task, "transition/"), {"action": "approve"}, format="json").status_code == 403
    )
    response = creator.post(detail(task, "transition/"), {"action": "return"}, format="json")
    assert response.status_code == 400 and "comment" in errors(response)
    response = creator.post(
        detail(task, "transition/"), {"action": "return", "comment": "Check page 3."}, format="json"
    )
    assert response.json()["status"] == "in_progress" and response.json()["comments_count"] == 1
    response = creator.post(detail(task, "transition/"), {"action": "fly"}, format="json")
    assert response.status_code == 400 and "action" in errors(response)


def test_closing_a_parent_with_open_subtasks_asks_first(org):
    client = client_as(org.field_rep)
    parent = Task.objects.get(
        pk=client.post(LIST, {"title": "Parent", "responsible": org.field_rep.pk}, format="json").json()["id"]
    )
    child = client.post(
        LIST, {"title": "Child", "responsible": org.east_rep.pk, "parent": parent.pk}, format="json"
    ).json()
    response = client.post(detail(parent, "transition/"), {"action": "complete"}, format="json")
    assert response.status_code == 400 and "open_subtasks" in errors(response)
    parent.refresh_from_db()
    assert parent.status == TaskStatus.NEW
    response = client.post(
        detail(parent, "transition/"), {"action": "complete", "open_subtasks": "complete"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert Task.objects.get(pk=child["id"]).status == TaskStatus.COMPLETED


def test_move_and_cycles(org):
    client = client_as(org.field_rep)
    top = make_task(org.field_rep, org.east_rep)
    child = services.task_create(actor=org.field_rep, title="Child", responsible=org.east_rep, parent=top)
    other = make_task(org.field_rep, org.east_rep)
    response = client.post(detail(top, "move/"), {"parent": child.pk}, format="json")
    assert response.status_code == 400 and "parent" in errors(response)
    response = client.post(detail(child, "move/"), {"parent": other.pk}, format="json")
    assert response.status_code == 200 and response.json()["parent"]["id"] == other.pk
    response = client.post(detail(child, "move/"), {"parent": None}, format="json")
    assert response.status_code == 200 and response.json()["parent"] is None
    assert client.post(detail(child, "move/"), {}, format="json").status_code == 400


def test_reschedule_shifts_or_flags_the_dependants(org):
    client = client_as(org.field_rep)
    first = make_task(org.field_rep, org.east_rep, planned_start=at(days=1), planned_end=at(days=2))
    second = make_task(org.field_rep, org.east_rep, planned_start=at(days=2), planned_end=at(days=3))
    TaskLinkFactory(predecessor=first, successor=second, kind="fs")
    # One moment for the request and the checks: `at()` read again a second later would differ.
    end = at(days=4)
    response = client.post(
        detail(first, "reschedule/"),
        {
            "planned_start": iso(end - datetime.timedelta(days=1)),
            "planned_end": iso(end),
            "dependants": "shift",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert datetime.datetime.fromisoformat(response.json()["planned_end"]) == end
    second.refresh_from_db()
    assert second.planned_start >= end and not second.schedule_conflict

    response = client.post(
        detail(first, "reschedule/"),
        {"planned_start": iso(at(days=5)), "planned_end": iso(at(days=6)), "dependants": "flag"},
        format="json",
    )
    assert response.status_code == 200
    second.refresh_from_db()
    assert second.schedule_conflict is True
    response = client.post(detail(first, "reschedule/"), {"dependants": "later"}, format="json")
    assert response.status_code == 400 and "dependants" in errors(response)


def test_members_put(org):
    task = make_task(org.field_rep, org.east_rep, participants=[org.sales_rep])
    client = client_as(org.field_rep)
    response = client.put(
        detail(task, "members/"), {"observers": [org.ceo.pk, org.it_head.pk]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body["participants"]] == [org.sales_rep.pk]
    assert sorted(p["id"] for p in body["observers"]) == sorted([org.ceo.pk, org.it_head.pk])
    response = client.put(detail(task, "members/"), {"participants": [], "observers": []}, format="json")
    assert response.json()["participants"] == [] and response.json()["observers"] == []
    assert (
        client_as(org.east_rep).put(detail(task, "members/"), {"observers": []}, format="json").status_code
        == 403
    )


def test_tags_put_by_id_and_name_and_other_peoples_tags_stay_hidden(org):
    task = make_task(org.field_rep, org.east_rep)
    theirs = TagFactory(owner=org.sales_rep, name="secret-plan")
    TaskTagFactory(task=task, tag=theirs)
    mine = TagFactory(owner=org.east_rep, name="mine")
    client = client_as(org.east_rep)
    response = client.put(detail(task, "tags/"), {"tags": [mine.pk, "urgent"]}, format="json")
    assert response.status_code == 200, response.json()
    assert sorted(t["name"] for t in response.json()["tags"]) == ["mine", "urgent"]
    assert TaskTag.objects.filter(task=task, tag=theirs).exists()  # not the caller's to remove
    listed = client.get(LIST).json()["results"][0]
    assert sorted(t["name"] for t in listed["tags"]) == ["mine", "urgent"]
    response = client.put(detail(task, "tags/"), {"tags": [theirs.pk]}, format="json")
    assert response.status_code == 400 and "tags" in errors(response)
    response = client.put(detail(task, "tags/"), {"tags": [""]}, format="json")
    assert response.status_code == 400


def test_bulk_update_skips_what_the_caller_may_not_change(org):
    mine = [make_task(org.field_rep, org.east_rep) for _ in range(2)]
    not_mine = make_task(org.sales_rep, org.sales_rep, observers=[org.field_rep])
    hidden = make_task(org.developer, org.developer)
    deadline = at(days=7)
    response = client_as(org.field_rep).post(
        f"{LIST}bulk/",
        {"tasks": [t.pk for t in [*mine, not_mine, hidden]], "deadline": iso(deadline)},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted(body["done"]) == sorted(t.pk for t in mine)
    assert set(body["skipped"]) == {str(not_mine.pk), str(hidden.pk)}
    assert body["skipped"][str(hidden.pk)] == "not found"
    assert all(Task.objects.get(pk=t.pk).deadline == deadline for t in mine)
    assert Task.objects.get(pk=not_mine.pk).deadline is None
    response = client_as(org.field_rep).post(f"{LIST}bulk/", {"tasks": []}, format="json")
    assert response.status_code == 400 and "tasks" in errors(response)


def test_history_and_seen(org):
    task = make_task(org.field_rep, org.east_rep)
    client = client_as(org.field_rep)
    client.patch(detail(task), {"title": "Renamed"}, format="json")
    client.post(detail(task, "transition/"), {"action": "start"}, format="json")
    rows = client.get(detail(task, "history/")).json()
    assert len(rows) >= 2
    assert rows[-1]["actor"]["id"] == org.field_rep.pk
    assert any("title" in row["changes"] for row in rows)
    # Nothing to see yet (no comment): nothing is remembered.
    viewer = client_as(org.east_rep)
    assert viewer.post(detail(task, "seen/")).status_code == 204
    assert not task.views.filter(user=org.east_rep).exists()
    # A comment the person has not seen is marked seen when they look.
    response = client.post(detail(task, "comments/"), {"body": "Any news?"}, format="json")
    assert response.status_code == 201
    written = TaskComment.objects.get(pk=response.json()["id"]).created_at
    assert viewer.post(detail(task, "seen/")).status_code == 204
    seen_at = task.views.get(user=org.east_rep).seen_at
    assert seen_at >= written
    # Nothing new since: the mark is not moved.
    assert viewer.post(detail(task, "seen/")).status_code == 204
    assert task.views.get(user=org.east_rep).seen_at == seen_at


# --- the list: filters of the pages and the cursor ---------------------------------------------------


def test_list_shows_only_visible_tasks_and_filters_like_the_pages(org):
    me = org.east_rep
    do = make_task(org.field_rep, me, title="do")
    help_ = make_task(org.field_rep, org.sales_rep, participants=[me], title="help")
    set_ = make_task(me, org.field_rep, title="set")
    observe = make_task(org.field_rep, org.sales_rep, observers=[me], title="observe")
    make_task(org.developer, org.developer, title="hidden")
    client = client_as(me)

    def titles(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return sorted(t["title"] for t in response.json()["results"])

    assert titles() == ["do", "help", "observe", "set"]
    assert titles(role="do") == ["do"]
    assert titles(role="help") == ["help"]
    assert titles(role="set") == ["set"]
    assert titles(role="observe") == ["observe"]

    Task.objects.filter(pk__in=[do.pk, help_.pk]).update(deadline=at(days=-1))
    Task.objects.filter(pk=help_.pk).update(status=TaskStatus.COMPLETED)
    Task.objects.filter(pk=set_.pk).update(deadline=at(days=1))
    assert titles(overdue="true") == ["do"]

    red, blue = TagFactory(owner=me, name="red"), TagFactory(owner=me, name="blue")
    for task, tag in [(do, red), (do, blue), (set_, red), (observe, blue)]:
        TaskTagFactory(task=task, tag=tag)
    assert titles(tag=f"{red.pk},{blue.pk}") == ["do"]
    assert titles(tag=str(red.pk)) == ["do", "set"]
    assert titles(status=["new"], role="observe") == ["observe"]

    response = client.get(LIST, {"role": "boss"})
    assert response.status_code == 400 and "role" in errors(response)
    response = client.get(LIST, {"deadline_after": "yesterday"})
    assert response.status_code == 400 and "deadline_after" in errors(response)


def test_group_members_see_the_groups_tasks(org):
    group = WorkgroupFactory(visibility=GroupVisibility.SECRET)
    MembershipFactory(group=group, user=org.developer)
    task = make_task(org.field_rep, org.east_rep, group=group)
    body = client_as(org.developer).get(LIST, {"group": group.pk}).json()
    assert [t["id"] for t in body["results"]] == [task.pk]
    assert body["results"][0]["group"] == {"id": group.pk, "name": group.name}


def _walk(client, url, params=None) -> tuple[list[int], list[dict]]:
    """Follow `next` links to the end; returns the ids in order and every page body."""
    ids, pages = [], []
    response = client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        pages.append(body)
        ids += [row["id"] for row in body["results"]]
        if not body["next"]:
            return ids, pages
        response = client.get(body["next"])


def test_cursor_pages_newest_first_and_back(org):
    tasks = [make_task(org.field_rep, org.east_rep) for _ in range(7)]
    client = client_as(org.east_rep)
    ids, pages = _walk(client, LIST, {"page_size": 3})
    expected = [t.pk for t in sorted(tasks, key=lambda t: (t.created_at, t.pk), reverse=True)]
    assert ids == expected and [len(p["results"]) for p in pages] == [3, 3, 1]
    assert pages[0]["previous"] is None
    back = client.get(pages[2]["previous"]).json()
    assert [row["id"] for row in back["results"]] == expected[3:6]
    first = client.get(back["previous"]).json()
    assert [row["id"] for row in first["results"]] == expected[:3] and first["previous"] is None
    assert "count" not in pages[0]


@pytest.mark.parametrize(
    "sort", ["deadline", "-deadline", "priority", "title", "status", "-updated", "created"]
)
def test_cursor_is_stable_for_every_sort_with_ties_and_empty_values(org, sort):
    deadlines = [None, at(days=1), at(days=1), None, at(days=2), at(days=-1), None, at(days=1)]
    for i, deadline in enumerate(deadlines):
        make_task(
            org.field_rep,
            org.east_rep,
            deadline=deadline,
            title=f"T{i % 3}",
            priority="high" if i % 2 else "normal",
            status=TaskStatus.NEW if i % 3 else TaskStatus.IN_PROGRESS,
        )
    client = client_as(org.east_rep)
    whole = [row["id"] for row in client.get(LIST, {"sort": sort, "page_size": 100}).json()["results"]]
    ids, pages = _walk(client, LIST, {"sort": sort, "page_size": 3})
    assert ids == whole and sorted(ids) == sorted(Task.objects.values_list("id", flat=True))
    assert len(pages) == 3
    if sort == "deadline":
        rows = Task.objects.in_bulk(ids)
        dates = [rows[i].deadline for i in ids]
        assert dates[-3:] == [None, None, None]  # empty deadlines last
        assert dates[:5] == sorted(d for d in dates if d is not None)
    back = client.get(pages[-1]["previous"]).json()
    assert [row["id"] for row in back["results"]] == whole[3:6]


def test_bad_cursors_answer_404(org):
    make_task(org.field_rep, org.east_rep)
    make_task(org.field_rep, org.east_rep)
    client = client_as(org.east_rep)
    assert client.get(LIST, {"cursor": "not-a-cursor"}).status_code == 404
    other_sort = client.get(LIST, {"page_size": 1, "sort": "title"}).json()["next"]
    token = other_sort.split("cursor=")[1].split("&")[0]
    assert client.get(LIST, {"cursor": token, "page_size": 1}).status_code == 404
    forged = base64.urlsafe_b64encode(json.dumps({"o": "-created_at,-id", "r": 0, "p": ["x", 1]}).encode())
    assert client.get(LIST, {"cursor": forged.decode()}).status_code == 404


# --- links -------------------------------------------------------------------------------------------


def test_links_round_trip(org):
    client = client_as(org.field_rep)
    a, b, c = (make_task(org.field_rep, org.east_rep) for _ in range(3))
    response = client.post(
        f"{LIST}links/", {"predecessor": a.pk, "successor": b.pk, "kind": "ss"}, format="json"
    )
    assert response.status_code == 201, response.json()
    link = response.json()
    assert link["predecessor"]["id"] == a.pk and link["successor"]["id"] == b.pk and link["kind"] == "ss"
    client.post(f"{LIST}links/", {"predecessor": b.pk, "successor": c.pk}, format="json")
    response = client.post(f"{LIST}links/", {"predecessor": c.pk, "successor": a.pk}, format="json")
    assert response.status_code == 400  # a cycle
    assert TaskLink.objects.count() == 2

    listed = client.get(f"{LIST}links/").json()["results"]
    assert len(listed) == 2 and listed[0]["predecessor"]["id"] == b.pk  # newest first
    assert [x["id"] for x in client.get(f"{LIST}links/", {"task": a.pk}).json()["results"]] == [link["id"]]
    assert client.get(f"{LIST}links/", {"task": "x"}).status_code == 400
    assert client.get(f"{LIST}links/{link['id']}/").json()["kind"] == "ss"
    assert client.delete(f"{LIST}links/{link['id']}/").status_code == 204
    assert client.get(f"{LIST}links/{link['id']}/").status_code == 404


def test_links_to_hidden_tasks_are_neither_made_nor_shown(org):
    mine = make_task(org.field_rep, org.east_rep)
    hidden = make_task(org.developer, org.developer)
    link = TaskLinkFactory(predecessor=hidden, successor=mine)
    client = client_as(org.field_rep)
    response = client.post(f"{LIST}links/", {"predecessor": mine.pk, "successor": hidden.pk}, format="json")
    assert response.status_code == 400 and "successor" in errors(response)
    assert client.get(f"{LIST}links/").json()["results"] == []
    assert client.get(f"{LIST}links/{link.pk}/").status_code == 404
    assert client.delete(f"{LIST}links/{link.pk}/").status_code == 404


# --- checklist ---------------------------------------------------------------------------------------


def test_checklist_round_trip(org):
    task = make_task(org.field_rep, org.east_rep, observers=[org.sales_rep])
    client = client_as(org.east_rep)
    url = detail(task, "checklist/")
    first = client.post(url, {"text": "Collect"}, format="json")
    assert first.status_code == 201, first.json()
    second = client.post(url, {"text": "Draft", "assignee": org.field_rep.pk}, format="json").json()
    assert second["assignee"]["id"] == org.field_rep.pk
    first = first.json()
    assert [i["text"] for i in client.get(url).json()["results"]] == ["Collect", "Draft"]

    item_url = f"{LIST}checklist/{first['id']}/"
    response = client.patch(item_url, {"text": "Collect numbers", "is_done": True}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (
        body["text"] == "Collect numbers"
        and body["is_done"] is True
        and body["done_by"]["id"] == org.east_rep.pk
    )
    task.refresh_from_db()
    assert task.checklist_done == 1

    response = client.post(f"{url}reorder/", {"items": [second["id"], first["id"]]}, format="json")
    assert response.status_code == 200 and [i["id"] for i in response.json()] == [second["id"], first["id"]]
    assert [i["id"] for i in client.get(url).json()["results"]] == [second["id"], first["id"]]

    assert client.get(item_url).json()["text"] == "Collect numbers"
    response = client_as(org.sales_rep).post(url, {"text": "Observer"}, format="json")
    assert response.status_code == 403
    response = client.patch(item_url, {"text": ""}, format="json")
    assert response.status_code == 400 and "text" in errors(response)
    assert client.delete(item_url).status_code == 204
    assert not ChecklistItem.objects.filter(pk=first["id"]).exists()
    hidden_item = ChecklistItemFactory(task=make_task(org.developer, org.developer))
    assert client.get(f"{LIST}checklist/{hidden_item.pk}/").status_code == 404
    assert (
        client.patch(f"{LIST}checklist/{hidden_item.pk}/", {"is_done": True}, format="json").status_code
        == 404
    )


# --- comments ----------------------------------------------------------------------------------------


def test_comments_round_trip(org):
    task = make_task(org.field_rep, org.east_rep)
    client = client_as(org.east_rep)
    url = detail(task, "comments/")
    response = client.post(url, {"body": f"Ask @[Field](user:{org.field_rep.pk})"}, format="json")
    assert response.status_code == 201, response.json()
    comment = response.json()
    assert comment["author"]["id"] == org.east_rep.pk and comment["text"] == "Ask @Field"
    assert [c["id"] for c in client.get(url).json()["results"]] == [comment["id"]]
    task.refresh_from_db()
    assert task.comments_count == 1

    item = f"{LIST}comments/{comment['id']}/"
    response = client.patch(item, {"body": "Edited"}, format="json")
    assert (
        response.status_code == 200 and response.json()["body"] == "Edited" and response.json()["edited_at"]
    )
    assert client_as(org.field_rep).patch(item, {"body": "Not mine"}, format="json").status_code == 403
    assert client.post(url, {"body": ""}, format="json").status_code == 400
    assert client.get(item).json()["body"] == "Edited"
    assert client.delete(item).status_code == 204
    assert not TaskComment.objects.filter(pk=comment["id"]).exists()
    hidden = TaskCommentFactory(task=make_task(org.developer, org.developer))
    assert client.get(f"{LIST}comments/{hidden.pk}/").status_code == 404


# --- files -------------------------------------------------------------------------------------------


def test_files_round_trip(org):
    task = make_task(org.field_rep, org.east_rep)
    client = client_as(org.east_rep)
    url = detail(task, "files/")
    response = client.post(
        url, {"file": SimpleUploadedFile("plan.txt", b"data", "text/plain")}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "plan.txt" and body["size"] == 4 and body["uploaded_by"]["id"] == org.east_rep.pk
    assert [f["id"] for f in client.get(url).json()["results"]] == [body["id"]]
    download = client.get(body["download_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"data"
    assert client.get(f"{LIST}files/{body['id']}/").json()["name"] == "plan.txt"

    empty = client.post(url, {"file": SimpleUploadedFile("e.txt", b"", "text/plain")}, format="multipart")
    assert empty.status_code == 400 and "file" in errors(empty)
    assert client.post(url, {}, format="multipart").status_code == 400
    assert client_as(org.developer).get(body["download_url"]).status_code == 404
    assert client.delete(f"{LIST}files/{body['id']}/").status_code == 204
    assert not TaskFile.objects.filter(pk=body["id"]).exists()


# --- time --------------------------------------------------------------------------------------------


def test_time_entries_round_trip_and_filters(org):
    task = make_task(org.field_rep, org.east_rep, participants=[org.sales_rep])
    other = make_task(org.field_rep, org.east_rep)
    client = client_as(org.east_rep)
    started = at(days=-1)
    response = client.post(
        f"{LIST}time-entries/",
        {"task": task.pk, "seconds": 5400, "started_at": iso(started), "comment": "Call"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    entry = response.json()
    assert entry["seconds"] == 5400 and entry["source"] == "manual" and entry["task"]["id"] == task.pk
    assert entry["is_running"] is False
    task.refresh_from_db()
    assert task.time_spent == 5400
    TimeEntryFactory(task=task, user=org.sales_rep, started_at=at(days=-10), ended_at=at(days=-10, hours=1))
    TimeEntryFactory(task=other, user=org.east_rep)

    def ids(**params):
        response = client.get(f"{LIST}time-entries/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert len(ids()) == 3
    assert len(ids(task=task.pk)) == 2
    assert ids(task=task.pk, user=org.east_rep.pk) == [entry["id"]]
    day = timezone.localdate(started)
    assert ids(task=task.pk, date_from=day.isoformat(), date_to=day.isoformat()) == [entry["id"]]
    response = client.get(f"{LIST}time-entries/", {"date_from": "2026-02-02", "date_to": "2026-02-01"})
    assert response.status_code == 400 and "date_to" in errors(response)
    hidden = make_task(org.developer, org.developer)
    assert client.get(f"{LIST}time-entries/", {"task": hidden.pk}).status_code == 404

    item = f"{LIST}time-entries/{entry['id']}/"
    response = client.patch(item, {"seconds": 3600, "comment": "Shorter"}, format="json")
    assert response.status_code == 200 and response.json()["seconds"] == 3600
    task.refresh_from_db()
    assert task.time_spent == 3600
    response = client.post(f"{LIST}time-entries/", {"task": task.pk, "seconds": 0}, format="json")
    assert response.status_code == 400 and "seconds" in errors(response)
    assert client.delete(item).status_code == 204
    assert not TimeEntry.objects.filter(pk=entry["id"]).exists()


def test_timer(org):
    task = make_task(org.field_rep, org.east_rep)
    client = client_as(org.east_rep)
    assert client.get(f"{LIST}timer/").json() == {"running": False, "entry": None}
    response = client.post(f"{LIST}timer/start/", {"task": task.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["running"] is True and response.json()["entry"]["task"]["id"] == task.pk
    state = client.get(f"{LIST}timer/").json()
    assert state["running"] is True and state["entry"]["ended_at"] is None
    TimeEntry.objects.filter(user=org.east_rep).update(
        started_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    stopped = client.post(f"{LIST}timer/stop/").json()
    assert stopped["running"] is False and stopped["entry"]["seconds"] >= 299
    assert client.post(f"{LIST}timer/stop/").json() == {"running": False, "entry": None}
    hidden = make_task(org.developer, org.developer)
    response = client.post(f"{LIST}timer/start/", {"task": hidden.pk}, format="json")
    assert response.status_code == 400 and "task" in errors(response)


# --- tags --------------------------------------------------------------------------------------------


def test_tags_round_trip(org):
    group = WorkgroupFactory(visibility=GroupVisibility.CLOSED)
    MembershipFactory(group=group, user=org.east_rep, role="moderator")  # moderators manage shared tags
    TagFactory(owner=org.developer, name="not-mine")
    client = client_as(org.east_rep)
    response = client.post(f"{LIST}tags/", {"name": "urgent"}, format="json")
    assert response.status_code == 201, response.json()
    urgent = response.json()
    assert urgent["owner"] == org.east_rep.pk and urgent["is_shared"] is False
    shared = client.post(f"{LIST}tags/", {"name": "release", "group": group.pk}, format="json").json()
    assert shared["group"] == {"id": group.pk, "name": group.name} and shared["is_shared"] is True
    assert sorted(t["name"] for t in client.get(f"{LIST}tags/").json()["results"]) == ["release", "urgent"]
    duplicate = client.post(f"{LIST}tags/", {"name": "Urgent"}, format="json")
    assert duplicate.status_code == 400 and "name" in errors(duplicate)

    response = client.patch(f"{LIST}tags/{urgent['id']}/", {"name": "asap"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "asap"

    task = make_task(org.field_rep, org.east_rep)
    TaskTagFactory(task=task, tag=Tag.objects.get(pk=urgent["id"]))
    response = client.post(f"{LIST}tags/{urgent['id']}/merge/", {"into": shared["id"]}, format="json")
    assert response.status_code == 200 and response.json()["id"] == shared["id"]
    assert list(task.tags.values_list("name", flat=True)) == ["release"]
    assert not Tag.objects.filter(pk=urgent["id"]).exists()
    response = client.post(f"{LIST}tags/{shared['id']}/merge/", {"into": shared["id"]}, format="json")
    assert response.status_code == 400 and "into" in errors(response)

    hidden = Tag.objects.get(name="not-mine")
    assert client.get(f"{LIST}tags/{hidden.pk}/").status_code == 404
    response = client.post(f"{LIST}tags/{shared['id']}/merge/", {"into": hidden.pk}, format="json")
    assert response.status_code == 400 and "into" in errors(response)
    assert client.delete(f"{LIST}tags/{shared['id']}/").status_code == 204
    assert not task.tags.exists()


def test_a_transition_the_status_does_not_allow_is_a_field_error(org):
    """A service's ValidationError reaches the client as 400 with its fields, never as a 500."""
    task = make_task(org.field_rep, org.east_rep, status=TaskStatus.COMPLETED)
    response = client_as(org.east_rep).post(detail(task, "transition/"), {"action": "start"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"]
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED


# --- found by the API sweep and fuzz (tests/core/test_api_methods.py, test_api_fuzz.py) -----------------


def test_head_reads_checklist_comments_and_files_and_changes_nothing(org):
    """HEAD went down the write branch of the actions that answer GET and POST."""
    task = make_task(org.sales_head, org.east_rep)
    client = client_as(org.east_rep)
    for suffix in ("checklist/", "comments/", "files/"):
        response = client.head(detail(task, suffix), {"text": "Not an item", "body": "Not a comment"})
        assert response.status_code == 200 and not response.content
    assert not ChecklistItem.objects.filter(task=task).exists()
    assert not TaskComment.objects.filter(task=task).exists()


@pytest.mark.parametrize("value", ["\u00b2", "\u0663\u00b2"])
def test_ids_in_queries_are_decimal_numbers(org, value):
    """`str.isdigit` admits "²", which `int()` refuses: such an id was a server error, not a bad request."""
    task = make_task(org.sales_head, org.east_rep)
    client = client_as(org.east_rep)
    response = client.get(f"{LIST}links/", {"task": value})
    assert response.status_code == 400 and "task" in errors(response)
    response = client.get(LIST, {"tag": value})
    assert response.status_code == 200 and [t["id"] for t in response.json()["results"]] == [task.pk]


def test_numbers_beyond_their_limits_are_refused(org):
    """Beyond what the columns hold they were database errors (or did not even fit a timedelta)."""
    task = make_task(org.sales_head, org.east_rep)
    client = client_as(org.sales_head)
    from django.core.exceptions import ValidationError

    from tasks.services.time import MAX_ENTRY_SECONDS
    from tasks.services.validation import ESTIMATE_MAX

    too_long = ESTIMATE_MAX + 1
    response = client.post(LIST, {"title": "Big", "responsible": org.east_rep.pk, "time_estimate": too_long})
    assert response.status_code == 400 and "time_estimate" in errors(response)
    response = client.patch(detail(task), {"time_estimate": 2**31}, format="json")
    assert response.status_code == 400 and "time_estimate" in errors(response)
    for seconds in (MAX_ENTRY_SECONDS + 1, 10**20):
        response = client.post(f"{LIST}time-entries/", {"task": task.pk, "seconds": seconds}, format="json")
        assert response.status_code == 400 and "seconds" in errors(response)
    assert not TimeEntry.objects.exists()
    task.refresh_from_db()
    assert task.time_estimate is None
    with pytest.raises(ValidationError):  # the rule is the service's, whoever calls it
        services.time_entry_add(actor=org.sales_head, task=task, seconds=10**20)


def test_tag_names_with_a_nul_are_refused(org):
    task = make_task(org.sales_head, org.east_rep)
    client = client_as(org.sales_head)
    response = client.post(LIST, {"title": "Tagged", "responsible": org.east_rep.pk, "tags": ["a\x00b"]})
    assert response.status_code == 400 and errors(response)["tags"]
    response = client.put(detail(task, "tags/"), {"tags": ["\x00"]}, format="json")
    assert response.status_code == 400 and errors(response)["tags"]
    assert not Tag.objects.exists()


def test_ids_beyond_any_key_name_nothing(org):
    """On SQLite such a number could not even be sent to the database: a server error (portal/core/lookups.py)."""
    make_task(org.sales_head, org.east_rep)
    client = client_as(org.east_rep)
    for params in ({"responsible": 10**20}, {"parent": 10**20}, {"tag": 10**20}):
        response = client.get(LIST, params)
        assert response.status_code == 200 and response.json()["results"] == [], params
    response = client.get(f"{LIST}links/", {"task": 10**20})
    assert response.status_code == 200 and response.json()["results"] == []
    response = client.post(LIST, {"title": "Big", "responsible": org.east_rep.pk, "participants": [10**20]})
    assert response.status_code == 400 and "participants" in errors(response)
