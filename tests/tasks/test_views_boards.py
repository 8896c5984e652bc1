"""The boards' pages and endpoints: Kanban columns and drops, "my plan", the Gantt data and its drag."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.groups.choices import GroupVisibility
from tasks import services
from tasks.choices import LinkKind, MemberRole, TaskPriority, TaskStatus
from tasks.models import PlanCard, PlanColumn, Task
from tasks.selectors import boards as board_selectors
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import TagFactory, TaskFactory, TaskLinkFactory, TaskMemberFactory, TaskTagFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def column_ids(response, status: str) -> list[int]:
    """Ids of the cards in the Kanban column of `status`, in order."""
    columns = {c.status: c for c in response.context["columns"]}
    return [t.pk for t in columns[status].tasks]


def card_attrs(html: str, task: Task) -> str:
    match = re.search(rf'<article class="[^"]*board-card[^"]*"\s+data-id="{task.pk}"[^>]*>', html)
    assert match, f"no card for task {task.pk}"
    return match.group(0)


# --- Kanban ------------------------------------------------------------------------------------------


def test_kanban_puts_my_tasks_in_their_status_columns(org):
    me = org.east_rep
    new = TaskFactory(responsible=me, title="Fresh one")
    started = TaskFactory(responsible=me, status=TaskStatus.IN_PROGRESS)
    waiting = TaskFactory(responsible=me, status=TaskStatus.AWAITING_CONTROL)
    done = TaskFactory(responsible=me, status=TaskStatus.COMPLETED, completed_at=NOW)
    long_done = TaskFactory(
        responsible=me, status=TaskStatus.COMPLETED, completed_at=NOW - datetime.timedelta(days=90)
    )
    declined = TaskFactory(responsible=me, status=TaskStatus.DECLINED, completed_at=NOW)
    not_mine = TaskFactory(creator=me, responsible=org.field_rep)  # "I set", not "I do"

    response = page_client(me).get(reverse("tasks:kanban"))

    assert response.status_code == 200
    assert [c.status for c in response.context["columns"]] == list(board_selectors.KANBAN_STATUSES)
    assert column_ids(response, TaskStatus.NEW) == [new.pk]
    assert column_ids(response, TaskStatus.IN_PROGRESS) == [started.pk]
    assert column_ids(response, TaskStatus.AWAITING_CONTROL) == [waiting.pk]
    assert column_ids(response, TaskStatus.COMPLETED) == [done.pk]  # only the recent ones
    assert column_ids(response, TaskStatus.DECLINED) == [declined.pk]
    html = html_of(response)
    assert "Fresh one" in html
    assert f'data-id="{long_done.pk}"' not in html
    assert f'data-id="{not_mine.pk}"' not in html
    assert 'id="role-do" value="do" autocomplete="off" checked' in html


def test_kanban_role_switch_and_filters_use_the_list_query_string(org):
    me = org.east_rep
    tag = TagFactory(owner=me, name="urgent")
    set_by_me = TaskFactory(creator=me, responsible=org.field_rep, title="Report for the board")
    other_set = TaskFactory(creator=me, responsible=org.field_rep, title="Something else")
    TaskTagFactory(task=set_by_me, tag=tag)
    TaskFactory(responsible=me, title="Report I do")

    response = page_client(me).get(reverse("tasks:kanban"), {"role": "set"})
    assert set(column_ids(response, TaskStatus.NEW)) == {set_by_me.pk, other_set.pk}

    response = page_client(me).get(reverse("tasks:kanban"), {"role": "set", "q": "report"})
    assert column_ids(response, TaskStatus.NEW) == [set_by_me.pk]

    response = page_client(me).get(reverse("tasks:kanban"), {"role": "set", "tag": str(tag.pk)})
    assert column_ids(response, TaskStatus.NEW) == [set_by_me.pk]
    assert "#urgent" in html_of(response)


def test_kanban_htmx_renders_the_board_and_the_view_links(org):
    TaskFactory(responsible=org.east_rep, title="Board card")
    response = page_client(org.east_rep).get(
        reverse("tasks:kanban"), {"role": "do", "priority": "high"}, HTTP_HX_REQUEST="true"
    )
    html = html_of(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="kanban-board"' in html
    assert 'id="board-views" aria-label="Views" hx-swap-oob="true"' in html.replace("\n", " ")
    assert "priority=high" in html  # the other views keep the filter
    assert "Board card" not in html  # it is a normal-priority task


def test_kanban_caps_each_column_and_links_to_the_list(org, monkeypatch):
    monkeypatch.setattr(board_selectors, "KANBAN_COLUMN_CAP", 3)
    me = org.east_rep
    for _ in range(5):
        TaskFactory(responsible=me, status=TaskStatus.PENDING)
    TaskFactory(responsible=me, status=TaskStatus.NEW)

    response = page_client(me).get(reverse("tasks:kanban"))

    columns = {c.status: c for c in response.context["columns"]}
    assert len(columns[TaskStatus.PENDING].tasks) == 3
    assert columns[TaskStatus.PENDING].total == 5
    assert columns[TaskStatus.PENDING].more == 2
    assert columns[TaskStatus.NEW].more == 0
    html = html_of(response)
    assert "2 more in the list" in html
    assert f"{reverse('tasks:home')}?role=do&amp;status=pending" in html


def test_kanban_cards_show_what_matters_and_only_movable_ones_drag(org):
    me = org.east_rep
    overdue = TaskFactory(
        responsible=me,
        title="Late one",
        deadline=NOW - datetime.timedelta(days=1),
        priority=TaskPriority.HIGH,
    )
    Task.objects.filter(pk=overdue.pk).update(subtasks_count=4, subtasks_done=1)
    observed = TaskFactory(creator=org.field_rep, responsible=org.field_rep, title="Watched")
    TaskMemberFactory(task=observed, user=me, role=MemberRole.OBSERVER)

    html = html_of(page_client(me).get(reverse("tasks:kanban")))
    attrs = card_attrs(html, overdue)
    assert 'data-movable="1"' in attrs and "board-card-overdue" in attrs
    assert "board-overdue" in html and "bi-fire" in html
    assert "1/4" in html  # subtasks progress
    assert 'aria-valuenow="25"' in html

    html = html_of(page_client(me).get(reverse("tasks:kanban"), {"role": "observe"}))
    assert 'data-movable="0"' in card_attrs(html, observed)


def test_a_drop_changes_the_status_through_the_service(org):
    me = org.east_rep
    task = TaskFactory(creator=org.east_head, responsible=me)

    response = page_client(me).post(reverse("tasks:kanban_move", args=[task.pk]), {"status": "in_progress"})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "in_progress"
    assert f'data-id="{task.pk}"' in body["html"] and 'data-status="in_progress"' in body["html"]
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.started_at is not None  # the service did it, not a plain save


def test_a_drop_on_completed_goes_to_control_when_the_task_requires_it(org):
    task = TaskFactory(
        creator=org.east_head, responsible=org.east_rep, status=TaskStatus.IN_PROGRESS, requires_control=True
    )
    response = page_client(org.east_rep).post(
        reverse("tasks:kanban_move", args=[task.pk]), {"status": "completed"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == TaskStatus.AWAITING_CONTROL
    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CONTROL


def test_a_forbidden_drop_answers_403_and_changes_nothing(org):
    task = TaskFactory(creator=org.field_rep, responsible=org.field_rep)
    TaskMemberFactory(task=task, user=org.east_rep, role=MemberRole.OBSERVER)

    response = page_client(org.east_rep).post(
        reverse("tasks:kanban_move", args=[task.pk]), {"status": "completed"}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    task.refresh_from_db()
    assert task.status == TaskStatus.NEW


def test_a_drop_on_a_hidden_task_answers_404(org):
    task = TaskFactory(creator=org.field_rep, responsible=org.field_rep)
    response = page_client(org.developer).post(
        reverse("tasks:kanban_move", args=[task.pk]), {"status": "pending"}
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.NEW


def test_an_impossible_move_or_unknown_status_answers_400(org):
    task = TaskFactory(creator=org.east_head, responsible=org.east_rep, status=TaskStatus.NEW)
    client = page_client(org.east_rep)
    response = client.post(reverse("tasks:kanban_move", args=[task.pk]), {"status": "awaiting_control"})
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
    response = client.post(reverse("tasks:kanban_move", args=[task.pk]), {"status": "flying"})
    assert response.status_code == 400
    response = client.post(
        reverse("tasks:kanban_move", args=[task.pk]), {"status": "completed", "open_subtasks": "maybe"}
    )
    assert response.status_code == 400
    assert "open_subtasks" in response.json()["error"]["fields"]
    task.refresh_from_db()
    assert task.status == TaskStatus.NEW


def test_closing_a_parent_with_open_subtasks_asks_and_then_completes_them(org):
    me = org.east_rep
    parent = services.task_create(actor=me, title="Parent", responsible=me)
    child = services.task_create(actor=me, title="Child", responsible=me, parent=parent)
    client = page_client(me)
    url = reverse("tasks:kanban_move", args=[parent.pk])

    response = client.post(url, {"status": "completed"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "open_subtasks" and "open_subtasks" in error["fields"]
    parent.refresh_from_db()
    assert parent.status == TaskStatus.NEW

    response = client.post(url, {"status": "completed", "open_subtasks": "complete"})
    assert response.status_code == 200
    child.refresh_from_db()
    assert child.status == TaskStatus.COMPLETED


def test_returning_a_task_from_control_needs_a_comment(org):
    task = TaskFactory(creator=org.east_head, responsible=org.east_rep, status=TaskStatus.AWAITING_CONTROL)
    client = page_client(org.east_head)
    url = reverse("tasks:kanban_move", args=[task.pk])

    response = client.post(url, {"status": "in_progress"})
    assert response.status_code == 400
    assert "comment" in response.json()["error"]["fields"]

    response = client.post(url, {"status": "in_progress", "comment": "Please add the totals."})
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.comments.filter(body__contains="totals").exists()


# --- My plan -----------------------------------------------------------------------------------------


def plan_columns(response) -> dict[str, list[int]]:
    return {entry.column.name: [t.pk for t in entry.cards] for entry in response.context["board"]}


def test_plan_first_visit_makes_columns_and_lists_my_open_tasks_first(org):
    me = org.east_rep
    doing = TaskFactory(responsible=me, deadline=NOW + datetime.timedelta(days=1))
    helping = TaskFactory(responsible=org.field_rep, deadline=NOW + datetime.timedelta(days=2))
    TaskMemberFactory(task=helping, user=me, role=MemberRole.PARTICIPANT)
    watching = TaskFactory(responsible=org.field_rep)
    TaskMemberFactory(task=watching, user=me, role=MemberRole.OBSERVER)
    TaskFactory(responsible=me, status=TaskStatus.COMPLETED, completed_at=NOW)  # closed, not placed
    TaskFactory(responsible=org.developer)  # someone else's

    response = page_client(me).get(reverse("tasks:plan"))

    assert response.status_code == 200
    assert plan_columns(response) == {
        "To do": [doing.pk, helping.pk],
        "This week": [],
        "Today": [],
        "Done": [],
    }
    html = html_of(response)
    assert 'data-placed="0"' in card_attrs(html, doing)
    assert PlanColumn.objects.filter(user=me).count() == 4
    assert not PlanCard.objects.exists()  # looking places nothing


def test_plan_shows_placed_cards_in_their_columns_and_order(org):
    me = org.east_rep
    columns = services.plan_ensure_columns(actor=me)
    a, b, c = (TaskFactory(responsible=me) for _ in range(3))
    services.plan_card_move(actor=me, task=a, column=columns[2], position=0)
    services.plan_card_move(actor=me, task=b, column=columns[2], position=0)
    done_long_ago = TaskFactory(
        responsible=me, status=TaskStatus.COMPLETED, completed_at=NOW - datetime.timedelta(days=60)
    )
    done_now = TaskFactory(responsible=me, status=TaskStatus.COMPLETED, completed_at=NOW)
    services.plan_card_move(actor=me, task=done_long_ago, column=columns[3], position=0)
    services.plan_card_move(actor=me, task=done_now, column=columns[3], position=1)

    response = page_client(me).get(reverse("tasks:plan"))

    board = plan_columns(response)
    assert board["To do"] == [c.pk]
    assert board["Today"] == [b.pk, a.pk]
    assert board["Done"] == [done_now.pk]
    assert 'data-placed="1"' in card_attrs(html_of(response), b)


def test_plan_hides_a_placed_task_that_is_no_longer_visible(org):
    me = org.east_rep
    columns = services.plan_ensure_columns(actor=me)
    task = TaskFactory(responsible=org.field_rep)
    member = TaskMemberFactory(task=task, user=me, role=MemberRole.PARTICIPANT)
    services.plan_card_move(actor=me, task=task, column=columns[1], position=0)
    member.delete()
    response = page_client(me).get(reverse("tasks:plan"))
    assert plan_columns(response)["This week"] == []


def test_plan_card_move_endpoint(org):
    me = org.east_rep
    columns = services.plan_ensure_columns(actor=me)
    task = TaskFactory(responsible=me)
    response = page_client(me).post(
        reverse("tasks:plan_card_move", args=[task.pk]), {"column": columns[1].pk, "position": 0}
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True, "task": task.pk, "column": columns[1].pk, "position": 0}
    assert PlanCard.objects.get(user=me, task=task).column_id == columns[1].pk


def test_plan_card_move_to_another_persons_column_or_hidden_task_is_404(org):
    me = org.east_rep
    services.plan_ensure_columns(actor=me)
    theirs = services.plan_ensure_columns(actor=org.field_rep)
    mine = TaskFactory(responsible=me)
    hidden = TaskFactory(responsible=org.developer)
    client = page_client(me)
    response = client.post(
        reverse("tasks:plan_card_move", args=[mine.pk]), {"column": theirs[0].pk, "position": 0}
    )
    assert response.status_code == 404
    my_first = PlanColumn.objects.filter(user=me).order_by("position").first()
    response = client.post(
        reverse("tasks:plan_card_move", args=[hidden.pk]), {"column": my_first.pk, "position": 0}
    )
    assert response.status_code == 404
    response = client.post(reverse("tasks:plan_card_move", args=[mine.pk]), {"column": "x", "position": 0})
    assert response.status_code == 404
    assert not PlanCard.objects.exists()


def test_plan_card_move_with_a_bad_position_answers_400(org):
    me = org.east_rep
    columns = services.plan_ensure_columns(actor=me)
    task = TaskFactory(responsible=me)
    response = page_client(me).post(
        reverse("tasks:plan_card_move", args=[task.pk]), {"column": columns[0].pk, "position": "-3"}
    )
    assert response.status_code == 400
    assert "position" in response.json()["error"]["fields"]


def test_plan_columns_add_rename_delete_with_htmx_render_the_board(org):
    me = org.east_rep
    client = page_client(me)
    client.get(reverse("tasks:plan"))
    response = client.post(reverse("tasks:plan_column_create"), {"name": "Later"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = html_of(response)
    assert "<html" not in html and 'id="plan-board"' in html and "Later" in html

    later = PlanColumn.objects.get(user=me, name="Later")
    response = client.post(
        reverse("tasks:plan_column_rename", args=[later.pk]), {"name": "Some day"}, HTTP_HX_REQUEST="true"
    )
    assert "Some day" in html_of(response)

    response = client.post(reverse("tasks:plan_column_create"), {"name": ""}, HTTP_HX_REQUEST="true")
    assert "alert-danger" in html_of(response) and "Give the column a name." in html_of(response)

    response = client.post(reverse("tasks:plan_column_delete", args=[later.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not PlanColumn.objects.filter(pk=later.pk).exists()


def test_plan_column_forms_without_htmx_redirect_with_a_message(org):
    me = org.east_rep
    client = page_client(me)
    columns = services.plan_ensure_columns(actor=me)
    response = client.post(reverse("tasks:plan_column_rename", args=[columns[0].pk]), {"name": "Inbox"})
    assert response.status_code == 302 and response["Location"] == reverse("tasks:plan")
    for column in columns[1:]:
        client.post(reverse("tasks:plan_column_delete", args=[column.pk]))
    response = client.post(reverse("tasks:plan_column_delete", args=[columns[0].pk]), follow=True)
    assert "The last column of the board cannot be deleted." in html_of(response)
    assert list(PlanColumn.objects.filter(user=me).values_list("name", flat=True)) == ["Inbox"]


def test_plan_columns_reorder_endpoint(org):
    me = org.east_rep
    columns = services.plan_ensure_columns(actor=me)
    client = page_client(me)
    order = [columns[3].pk, columns[2].pk, columns[1].pk, columns[0].pk]
    response = client.post(reverse("tasks:plan_columns_reorder"), {"column": order})
    assert response.status_code == 200
    assert list(PlanColumn.objects.filter(user=me).order_by("position").values_list("pk", flat=True)) == order
    response = client.post(reverse("tasks:plan_columns_reorder"), {"column": order[:2]})
    assert response.status_code == 400


def test_another_persons_plan_column_answers_404(org):
    theirs = services.plan_ensure_columns(actor=org.field_rep)[0]
    client = page_client(org.east_rep)
    assert (
        client.post(reverse("tasks:plan_column_rename", args=[theirs.pk]), {"name": "x"}).status_code == 404
    )
    assert client.post(reverse("tasks:plan_column_delete", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "To do"


# --- Gantt -------------------------------------------------------------------------------------------


def day(n: int, hour: int = 9) -> datetime.datetime:
    base = NOW.replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + datetime.timedelta(days=n)


def test_gantt_page_carries_the_query_string_to_the_data(org):
    group = WorkgroupFactory(name="Launch")
    MembershipFactory(group=group, user=org.east_rep)
    response = page_client(org.east_rep).get(reverse("tasks:gantt"), {"group": group.pk})
    assert response.status_code == 200
    html = html_of(response)
    assert f"{reverse('tasks:gantt_data')}?group={group.pk}&amp;role=all&amp;open=true" in html
    assert 'name="closed" value="1"' in html  # the switch that brings closed tasks back
    assert "Launch: Gantt chart" in html
    assert 'value="shift"' in html and 'value="flag"' in html


def test_gantt_of_a_hidden_project_is_404(org):
    secret = WorkgroupFactory(visibility=GroupVisibility.SECRET)
    MembershipFactory(group=secret, user=org.field_rep)
    assert page_client(org.east_rep).get(reverse("tasks:gantt"), {"group": secret.pk}).status_code == 404


def test_gantt_data_shape_nesting_and_dependencies(org):
    me = org.east_rep
    group = WorkgroupFactory()
    MembershipFactory(group=group, user=me)
    make = lambda **kw: TaskFactory(group=group, creator=me, responsible=me, **kw)  # noqa: E731
    root_b = make(title="Root B", planned_start=day(5), planned_end=day(8))
    root_a = make(title="Root A", planned_start=day(1), planned_end=day(10))
    child_late = make(title="Child late", parent=root_a, planned_start=day(4), planned_end=day(6))
    child_early = make(title="Child early", parent=root_a, planned_start=day(2), planned_end=day(3))
    grandchild = make(title="Grandchild", parent=child_early, planned_start=day(2), planned_end=day(2, 17))
    from_deadline = make(title="Deadline only", deadline=day(3))
    undated = make(title="No dates")
    TaskLinkFactory(predecessor=child_early, successor=child_late, kind=LinkKind.FINISH_TO_START)
    TaskLinkFactory(predecessor=root_a, successor=undated)  # to a task without a bar: not drawn
    TaskFactory(responsible=org.developer, planned_start=day(1), planned_end=day(2))  # not visible

    response = page_client(me).get(reverse("tasks:gantt_data"), {"group": group.pk})

    assert response.status_code == 200
    data = response.json()
    order = [row["name"] for row in data["tasks"]]
    # Depth-first, siblings by start: "Deadline only" starts now (its creation), the others from tomorrow.
    assert order == ["Deadline only", "Root A", "Child early", "Grandchild", "Child late", "Root B"]
    rows = {row["name"]: row for row in data["tasks"]}
    assert [rows[n]["depth"] for n in order] == [0, 0, 1, 2, 1, 0]
    assert rows["Child late"]["dependencies"] == [str(child_early.pk)]
    assert rows["Root A"]["dependencies"] == []
    assert rows["Grandchild"]["parent"] == str(child_early.pk)
    assert data["links"] == [
        {"predecessor": str(child_early.pk), "successor": str(child_late.pk), "kind": "fs"}
    ]
    root = rows["Root A"]
    assert root["id"] == str(root_a.pk)
    assert datetime.datetime.fromisoformat(root["start"]) == day(1)
    assert datetime.datetime.fromisoformat(root["end"]) == day(10)
    assert root["url"] == root_a.get_absolute_url()
    assert root["editable"] is True and root["fallback"] is False
    assert root["custom_class"] == "lumen-bar-open"
    deadline_row = rows["Deadline only"]
    assert deadline_row["fallback"] is True
    assert datetime.datetime.fromisoformat(deadline_row["end"]) == day(3)
    assert datetime.datetime.fromisoformat(deadline_row["start"]) == from_deadline.created_at
    assert [u["name"] for u in data["unscheduled"]] == ["No dates"]
    assert data["truncated"] is False and data["notice"] == ""
    assert grandchild.pk and root_b.pk


def test_gantt_data_marks_overdue_closed_conflicts_and_locked_bars(org):
    me = org.east_rep
    late = TaskFactory(responsible=me, planned_start=day(-5), planned_end=day(-3), deadline=day(-2))
    done = TaskFactory(
        responsible=me,
        status=TaskStatus.COMPLETED,
        completed_at=NOW,
        planned_start=day(-5),
        planned_end=day(-4),
    )
    flagged = TaskFactory(responsible=me, planned_start=day(1), planned_end=day(2), schedule_conflict=True)
    watched = TaskFactory(responsible=org.field_rep, planned_start=day(1), planned_end=day(2))
    TaskMemberFactory(task=watched, user=me, role=MemberRole.OBSERVER)

    data = page_client(me).get(reverse("tasks:gantt_data"), {"role": "all", "closed": "1"}).json()

    classes = {row["id"]: row["custom_class"] for row in data["tasks"]}
    assert classes[str(late.pk)] == "lumen-bar-overdue"
    assert classes[str(done.pk)] == "lumen-bar-done"
    assert classes[str(flagged.pk)] == "lumen-bar-conflict"
    assert classes[str(watched.pk)] == "lumen-bar-open-locked"
    progress = {row["id"]: row["progress"] for row in data["tasks"]}
    assert progress[str(done.pk)] == 100


def test_gantt_leaves_closed_tasks_out_until_the_switch_asks_for_them(org):
    me = org.east_rep
    running = TaskFactory(responsible=me, planned_start=day(1), planned_end=day(2))
    done = TaskFactory(
        responsible=me,
        status=TaskStatus.COMPLETED,
        completed_at=NOW,
        planned_start=day(-5),
        planned_end=day(-4),
    )
    client = page_client(me)

    def bars(**params):
        return {row["id"] for row in client.get(reverse("tasks:gantt_data"), params).json()["tasks"]}

    assert bars() == {str(running.pk)}
    assert bars(closed="1") == {str(running.pk), str(done.pk)}
    # The page's own form carries the default as a hidden field; ticking the switch still shows them all.
    assert bars(open="true", closed="1") == {str(running.pk), str(done.pk)}
    assert bars(open="false") == {str(done.pk)}  # an explicit filter wins
    html = html_of(client.get(reverse("tasks:gantt"), {"closed": "1"}))
    assert 'id="board-closed" checked' in html
    assert "closed=1" in html and "open=true" not in html


def test_gantt_parent_without_dates_spans_its_subtasks(org):
    me = org.east_rep
    parent = TaskFactory(responsible=me, title="Umbrella")
    TaskFactory(responsible=me, parent=parent, planned_start=day(2), planned_end=day(4))
    TaskFactory(responsible=me, parent=parent, planned_start=day(3), planned_end=day(7))
    data = page_client(me).get(reverse("tasks:gantt_data")).json()
    row = next(r for r in data["tasks"] if r["name"] == "Umbrella")
    assert row["summary"] is True and row["custom_class"] == "lumen-bar-summary"
    assert datetime.datetime.fromisoformat(row["start"]) == day(2)
    assert datetime.datetime.fromisoformat(row["end"]) == day(7)
    assert data["unscheduled"] == []


def test_gantt_data_stops_at_the_limit_with_a_notice(org, monkeypatch):
    monkeypatch.setattr(board_selectors, "GANTT_LIMIT", 3)
    for i in range(5):
        TaskFactory(responsible=org.east_rep, planned_start=day(i), planned_end=day(i + 1))
    data = page_client(org.east_rep).get(reverse("tasks:gantt_data")).json()
    assert len(data["tasks"]) == 3
    assert data["truncated"] is True and data["limit"] == 3
    assert "first 3 tasks" in data["notice"]


def test_a_drag_reschedules_and_shifts_a_dependant(org):
    me = org.east_rep
    first = TaskFactory(creator=me, responsible=me, planned_start=day(1), planned_end=day(3))
    second = TaskFactory(
        creator=me, responsible=me, planned_start=day(3), planned_end=day(5), deadline=day(6)
    )
    TaskLinkFactory(predecessor=first, successor=second, kind=LinkKind.FINISH_TO_START)

    response = page_client(me).post(
        reverse("tasks:gantt_reschedule", args=[first.pk]),
        {"planned_start": day(2).isoformat(), "planned_end": day(5).isoformat(), "dependants": "shift"},
    )

    assert response.status_code == 200
    changed = {row["id"]: row for row in response.json()["changed"]}
    assert set(changed) == {str(first.pk), str(second.pk)}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.planned_start, first.planned_end) == (day(2), day(5))
    assert (second.planned_start, second.planned_end, second.deadline) == (day(5), day(7), day(8))
    assert datetime.datetime.fromisoformat(changed[str(second.pk)]["start"]) == day(5)


def test_a_drag_with_flag_only_marks_the_dependant(org):
    me = org.east_rep
    first = TaskFactory(creator=me, responsible=me, planned_start=day(1), planned_end=day(3))
    second = TaskFactory(creator=me, responsible=me, planned_start=day(3), planned_end=day(5))
    TaskLinkFactory(predecessor=first, successor=second)

    response = page_client(me).post(
        reverse("tasks:gantt_reschedule", args=[first.pk]),
        {"planned_start": day(2).isoformat(), "planned_end": day(4).isoformat(), "dependants": "flag"},
    )

    assert response.status_code == 200
    changed = {row["id"]: row for row in response.json()["changed"]}
    assert changed[str(second.pk)]["conflict"] is True
    assert changed[str(second.pk)]["custom_class"] == "lumen-bar-conflict"
    second.refresh_from_db()
    assert second.schedule_conflict is True and second.planned_start == day(3)


def test_a_drag_by_someone_who_may_not_plan_answers_403(org):
    task = TaskFactory(
        creator=org.field_rep, responsible=org.field_rep, planned_start=day(1), planned_end=day(2)
    )
    TaskMemberFactory(task=task, user=org.east_rep, role=MemberRole.OBSERVER)
    response = page_client(org.east_rep).post(
        reverse("tasks:gantt_reschedule", args=[task.pk]),
        {"planned_start": day(3).isoformat(), "planned_end": day(4).isoformat()},
    )
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.planned_start == day(1)


def test_a_drag_of_a_hidden_task_answers_404(org):
    task = TaskFactory(responsible=org.field_rep, planned_start=day(1), planned_end=day(2))
    response = page_client(org.developer).post(
        reverse("tasks:gantt_reschedule", args=[task.pk]),
        {"planned_start": day(3).isoformat(), "planned_end": day(4).isoformat()},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "data, field",
    [
        ({"planned_start": "soon", "planned_end": "2030-01-02T10:00:00+00:00"}, "planned_start"),
        ({"planned_end": "2030-01-02T10:00:00+00:00"}, "planned_start"),
        ({"planned_start": "2030-01-03T10:00:00+00:00", "planned_end": "2030-01-02T10:00:00+00:00"}, None),
        (
            {
                "planned_start": "2030-01-01T10:00:00+00:00",
                "planned_end": "2030-01-02T10:00:00+00:00",
                "dependants": "ignore",
            },
            "dependants",
        ),
    ],
)
def test_bad_dates_answer_400_and_change_nothing(org, data, field):
    task = TaskFactory(
        creator=org.east_rep, responsible=org.east_rep, planned_start=day(1), planned_end=day(2)
    )
    response = page_client(org.east_rep).post(reverse("tasks:gantt_reschedule", args=[task.pk]), data)
    assert response.status_code == 400
    if field:
        assert field in response.json()["error"]["fields"]
    task.refresh_from_db()
    assert task.planned_start == day(1)


def test_a_naive_date_is_read_in_the_users_time_zone(org):
    me = org.east_rep
    me.time_zone = "Europe/Berlin"
    me.save(update_fields=["time_zone"])
    task = TaskFactory(creator=me, responsible=me)
    response = page_client(me).post(
        reverse("tasks:gantt_reschedule", args=[task.pk]),
        {"planned_start": "2030-06-01T09:00:00", "planned_end": "2030-06-02T18:00:00"},
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.planned_start == datetime.datetime(2030, 6, 1, 7, 0, tzinfo=datetime.UTC)


def test_anonymous_visitors_go_to_the_login_page(db):
    for name in ("tasks:kanban", "tasks:plan", "tasks:gantt", "tasks:gantt_data"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"]
    assert UserFactory  # the factory module is importable for other tests of this file


def test_a_project_chart_shows_every_task_to_members_and_only_visible_ones_to_others(org):
    """A member's (or an open project's) chart leaves the visibility rule out of its query: the project's
    tasks are all theirs to see. A closed project's chart for someone who is not a member still applies it."""
    group = WorkgroupFactory(visibility=GroupVisibility.CLOSED)
    MembershipFactory(group=group, user=org.east_rep)
    mine = TaskFactory(group=group, creator=org.east_rep, responsible=org.east_rep, deadline=day(2))
    theirs = TaskFactory(group=group, creator=org.developer, responsible=org.developer, deadline=day(3))
    TaskFactory(creator=org.developer, responsible=org.developer, deadline=day(3))  # in no project

    def chart(user) -> set[int]:
        response = page_client(user).get(reverse("tasks:gantt_data"), {"group": group.pk})
        assert response.status_code == 200
        data = response.json()
        return {int(row["id"]) for row in data["tasks"] + data["unscheduled"]}

    assert chart(org.east_rep) == {mine.pk, theirs.pk}
    # Not a member of the closed project: only what the rule shows them (their own task there).
    TaskMemberFactory(task=mine, user=org.field_rep, role=MemberRole.OBSERVER)
    assert chart(org.field_rep) == {mine.pk}
    # The project's own filter still applies on top: a role narrows the member's chart.
    response = page_client(org.east_rep).get(reverse("tasks:gantt_data"), {"group": group.pk, "role": "do"})
    assert [int(row["id"]) for row in response.json()["tasks"]] == [mine.pk]
