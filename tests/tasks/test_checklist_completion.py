"""Completing a task with open checklist items: the person is asked (the page, the Kanban, the API's 400 with
`open_checklist`) and confirms; a task whose creator requires a complete checklist is not completed at all
while items are open (issue 13, bug 5).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tasks import services
from tasks.choices import TaskStatus
from tasks.models import Task
from tests.tasks.factories import ChecklistItemFactory, TaskFactory
from tests.tasks.lists_setup import page_client
from tests.utils import client_as

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tasks/"


def _task(org, *, items=3, done=0, **kwargs) -> Task:
    task = TaskFactory(
        creator=org.sales_head, responsible=org.east_rep, status=TaskStatus.IN_PROGRESS, **kwargs
    )
    for i in range(items):
        ChecklistItemFactory(task=task, text=f"Step {i + 1}", position=i, is_done=i < done)
    Task.objects.filter(pk=task.pk).update(checklist_count=items, checklist_done=done)
    task.refresh_from_db()
    return task


def _fields(error: ValidationError) -> dict:
    return error.message_dict


# --- the service ---------------------------------------------------------------------------------------


def test_completing_with_open_items_asks_and_the_confirmation_completes(org):
    task = _task(org, items=3, done=0)
    with pytest.raises(ValidationError) as caught:
        services.task_transition(actor=org.east_rep, task=task, action="complete")
    assert caught.value.code == "open_checklist"
    assert _fields(caught.value)["open_checklist"] == [
        "3 checklist items are open: complete the task anyway?"
    ]
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS  # nothing happened

    services.task_transition(actor=org.east_rep, task=task, action="complete", confirm_checklist=True)
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED


def test_one_open_item_is_named_in_the_singular(org):
    task = _task(org, items=2, done=1)
    with pytest.raises(ValidationError) as caught:
        services.task_transition(actor=org.east_rep, task=task, action="complete")
    assert _fields(caught.value)["open_checklist"] == ["1 checklist item is open: complete the task anyway?"]


def test_a_done_checklist_or_none_completes_without_a_question(org):
    for task in (_task(org, items=3, done=3), _task(org, items=0)):
        services.task_transition(actor=org.east_rep, task=task, action="complete")
        task.refresh_from_db()
        assert task.status == TaskStatus.COMPLETED


def test_with_control_the_open_items_are_asked_about_on_completion(org):
    task = _task(org, items=3, done=0, requires_control=True)
    with pytest.raises(ValidationError):
        services.task_transition(actor=org.east_rep, task=task, action="complete")
    services.task_transition(actor=org.east_rep, task=task, action="complete", confirm_checklist=True)
    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CONTROL


def test_the_rule_refuses_completion_even_when_confirmed(org):
    task = _task(org, items=3, done=1, checklist_required=True)
    for confirmed in (False, True):
        with pytest.raises(ValidationError) as caught:
            services.task_transition(
                actor=org.east_rep, task=task, action="complete", confirm_checklist=confirmed
            )
        assert caught.value.code == "checklist_required"
        assert _fields(caught.value)["checklist"] == [
            "The task's creator requires a complete checklist: 2 items are still open."
        ]
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    # Ticking the rest lets it through.
    task.checklist.update(is_done=True)
    services.task_transition(actor=org.east_rep, task=task, action="complete")
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED


def test_the_rule_also_stops_accepting_work_with_open_items(org):
    task = _task(org, items=2, done=2, checklist_required=True, requires_control=True)
    services.task_transition(actor=org.east_rep, task=task, action="complete")
    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CONTROL
    task.checklist.filter(position=0).update(is_done=False)  # reopened while it waited
    with pytest.raises(ValidationError) as caught:
        services.task_transition(actor=org.sales_head, task=task, action="approve")
    assert caught.value.code == "checklist_required"


def test_the_creator_sets_the_rule_through_create_and_update(org):
    task = services.task_create(
        actor=org.sales_head,
        title="Audit",
        responsible=org.east_rep,
        checklist=["a"],
        checklist_required=True,
    )
    assert Task.objects.get(pk=task.pk).checklist_required is True
    services.task_update(actor=org.sales_head, task=task, checklist_required=False)
    assert Task.objects.get(pk=task.pk).checklist_required is False


def test_the_kanban_drop_asks_and_takes_the_confirmation(org):
    task = _task(org, items=3, done=0)
    with pytest.raises(ValidationError):
        services.task_set_status(actor=org.east_rep, task=task, status=TaskStatus.COMPLETED)
    services.task_set_status(
        actor=org.east_rep, task=task, status=TaskStatus.COMPLETED, confirm_checklist=True
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED


# --- the API -------------------------------------------------------------------------------------------


def test_api_answers_400_with_open_checklist_then_completes_when_confirmed(org):
    task = _task(org, items=3, done=0)
    client = client_as(org.east_rep)
    response = client.post(f"{LIST}{task.pk}/transition/", {"action": "complete"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "open_checklist": ["3 checklist items are open: complete the task anyway?"]
    }
    response = client.post(
        f"{LIST}{task.pk}/transition/", {"action": "complete", "confirm_checklist": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "completed"


def test_api_rule_round_trip_and_refusal(org):
    creator = client_as(org.sales_head)
    created = creator.post(
        LIST,
        {
            "title": "Audit",
            "responsible": org.east_rep.pk,
            "checklist": ["a", "b"],
            "checklist_required": True,
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["checklist_required"] is True
    pk = created.json()["id"]
    listed = creator.get(LIST, {"role": "set"}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert next(row for row in rows if row["id"] == pk)["checklist_required"] is True

    worker = client_as(org.east_rep)
    response = worker.post(
        f"{LIST}{pk}/transition/", {"action": "complete", "confirm_checklist": True}, format="json"
    )
    assert response.status_code == 400
    assert "checklist" in response.json()["error"]["fields"]
    assert Task.objects.get(pk=pk).status != TaskStatus.COMPLETED

    patched = creator.patch(f"{LIST}{pk}/", {"checklist_required": False}, format="json")
    assert patched.status_code == 200 and patched.json()["checklist_required"] is False


# --- the pages -----------------------------------------------------------------------------------------


def test_the_task_page_asks_inline_and_completes_on_confirmation(org):
    task = _task(org, items=3, done=0)
    client = page_client(org.east_rep)
    client.defaults["HTTP_HX_REQUEST"] = "true"
    url = reverse("tasks:detail_action", args=[task.pk])
    asked = client.post(url, {"action": "complete"})
    body = asked.content.decode()
    assert asked.status_code == 200 and 'id="task-open-checklist"' in body
    assert "3 checklist items are open: complete the task anyway?" in body
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    client.post(url, {"action": "complete", "confirm_checklist": "1"})
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED


def test_the_rules_block_and_the_task_form_carry_the_rule(org):
    task = _task(org, items=1, done=0)
    creator = page_client(org.sales_head)
    page = creator.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert 'name="checklist_required"' in page and 'data-rule="checklist_required" data-on="0"' in page
    creator.post(
        reverse("tasks:detail_rules", args=[task.pk]), {"priority": task.priority, "checklist_required": "on"}
    )
    task.refresh_from_db()
    assert task.checklist_required is True
    form = creator.get(reverse("tasks:edit", args=[task.pk])).content.decode()
    assert 'name="checklist_required"' in form


def test_the_kanban_move_passes_the_confirmation(org):
    task = _task(org, items=2, done=0)
    client = page_client(org.east_rep)
    url = reverse("tasks:kanban_move", args=[task.pk])
    refused = client.post(url, {"status": "completed"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "open_checklist"
    done = client.post(url, {"status": "completed", "confirm_checklist": "1"})
    assert done.status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED
