"""The "my activities" page (order, overdue, filters, done toggled in place, a query budget), the activity's
edit and delete, and a to-do made into a task in one click (the task origin round trip)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.choices import ActivityKind
from crm.models import Activity
from crm.services import activities as services
from tests.crm.factories import DealFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def deal(org):
    return DealFactory(responsible=org.east_rep, title="Big deal")


def _todo(user, deal, subject, hours):
    return services.activity_create(
        actor=user, kind=ActivityKind.TODO, records=[deal], subject=subject,
        deadline=timezone.now() + datetime.timedelta(hours=hours),
    )  # fmt: skip


def test_planned_first_by_deadline_overdue_marked(org, deal):
    later = _todo(org.east_rep, deal, "Later one", 48)
    overdue = _todo(org.east_rep, deal, "Overdue one", -3)
    done = _todo(org.east_rep, deal, "Done one", 1)
    services.activity_complete(actor=org.east_rep, activity=done)
    html = client_as(org.east_rep).get(reverse("crm:activity_list")).content.decode()
    assert html.index("Overdue one") < html.index("Later one") < html.index("Done one")
    assert "overdue" in html and "Big deal" in html
    only_overdue = (
        client_as(org.east_rep).get(reverse("crm:activity_list"), {"overdue": "1"}).content.decode()
    )
    assert "Overdue one" in only_overdue and "Later one" not in only_overdue
    planned = (
        client_as(org.east_rep).get(reverse("crm:activity_list"), {"done": "0"}, **HTMX).content.decode()
    )
    assert "Done one" not in planned and "Later one" in planned
    # Someone else's list is theirs: the outsider has nothing.
    assert "Later one" not in client_as(org.developer).get(reverse("crm:activity_list")).content.decode()
    assert later.pk and overdue.pk


def test_the_list_has_a_query_budget(org, deal, django_assert_max_num_queries):
    client = client_as(org.east_rep)
    for number in range(3):
        _todo(org.east_rep, deal, f"todo {number}", number)
    client.get(reverse("crm:activity_list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("crm:activity_list"))
    for number in range(12):
        _todo(org.east_rep, deal, f"more {number}", number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("crm:activity_list")).status_code == 200


def test_done_toggles_in_place(org, deal):
    todo = _todo(org.east_rep, deal, "Toggle me", 5)
    url = reverse("crm:activity_complete", args=[todo.pk])
    response = client_as(org.east_rep).post(url, {"done": "1"}, format="multipart", **HTMX)
    assert response.status_code == 200 and "checked" in response.content.decode()
    todo.refresh_from_db()
    assert todo.is_done
    client_as(org.east_rep).post(url, {}, format="multipart", **HTMX)
    todo.refresh_from_db()
    assert not todo.is_done
    assert client_as(org.developer).post(url, {"done": "1"}, format="multipart", **HTMX).status_code == 404


def test_edit_and_delete(org, deal):
    todo = _todo(org.east_rep, deal, "Edit me", 5)
    url = reverse("crm:activity_edit", args=[todo.pk])
    client = client_as(org.east_rep)
    assert client.get(url, **HTMX).status_code == 200
    response = client.post(
        url, {"subject": "Edited", "deadline": "", "responsible": org.east_rep.pk}, format="multipart", **HTMX
    )
    assert response.status_code == 200 and "A to-do needs a deadline." in response.content.decode()
    when = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url,
        {"subject": "Edited", "deadline": when, "responsible": org.east_rep.pk},
        format="multipart",
        **HTMX,
    )
    assert response.status_code == 200 and "Edited" in response.content.decode()
    delete = reverse("crm:activity_delete", args=[todo.pk])
    assert client_as(org.developer).post(delete, **HTMX).status_code == 404
    assert client.post(delete, **HTMX).status_code == 200
    assert not Activity.objects.exists()


def test_a_todo_becomes_a_task_in_one_click(org, deal):
    todo = _todo(org.east_rep, deal, "Prepare the contract", 24)
    client = client_as(org.east_rep)
    timeline = client.get(reverse("crm:timeline", args=["deal", deal.pk]), **HTMX).content.decode()
    create = f"{reverse('tasks:create')}?from_crm_activity={todo.pk}"
    assert create.replace("&", "&amp;") in timeline or create in timeline
    form = client.get(create)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="Prepare the contract"' in html
    assert f"/crm/deals/{deal.pk}/" in html or "Big deal" in html  # the link back to the record
    # Someone who may not see the to-do gets the same 404 as for a missing one.
    assert client_as(org.developer).get(create).status_code == 404
    context_form = form.context["form"]
    data = {
        key: value
        for key, value in {
            "title": "Prepare the contract",
            "description": context_form.initial.get("description", ""),
            "responsible": org.east_rep.pk,
            "priority": "normal",
            "deadline": (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        }.items()
    }
    response = client.post(create, data, format="multipart")
    assert response.status_code == 302, response.content.decode()[:2000]
    todo.refresh_from_db()
    assert todo.task_id
    timeline = client.get(reverse("crm:timeline", args=["deal", deal.pk]), **HTMX).content.decode()
    assert reverse("tasks:detail", args=[todo.task_id]) in timeline and "Create a task" not in timeline


def test_the_task_service_reports_the_task_to_its_origin(org, deal):
    """`TaskOrigin.made` is called by the task app's service itself (the API or any other caller too)."""
    from tasks import services as task_services

    todo = _todo(org.east_rep, deal, "Made by the service", 24)
    task = task_services.task_create(
        actor=org.east_rep, title="From the CRM", responsible=org.east_rep, source=todo
    )
    todo.refresh_from_db()
    assert todo.task_id == task.pk
    other = task_services.task_create(actor=org.east_rep, title="Plain", responsible=org.east_rep)
    assert other.pk != todo.task_id
