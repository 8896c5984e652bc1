"""Django admin for tasks: pages render, and saves and deletes go through the services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.core.models import AuditLog
from tasks import services
from tasks.models import SavedFilter, Tag, Task, TaskLink, TaskTemplate, TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(org):
    client = Client()
    client.force_login(org.admin)
    return client


@pytest.fixture
def task(org):
    return services.task_create(actor=org.sales_head, title="Call the client", responsible=org.sales_rep)


def _url(model, view, *args):
    return reverse(f"admin:tasks_{model._meta.model_name}_{view}", args=args)


def test_every_page_renders(admin_client, org, task):
    other = services.task_create(actor=org.sales_head, title="Send the offer", responsible=org.sales_rep)
    link = services.link_create(actor=org.sales_head, predecessor=task, successor=other)
    tag = services.tag_create(actor=org.sales_rep, name="client")
    services.time_entry_add(actor=org.sales_rep, task=task, seconds=600)
    template = services.template_create(actor=org.sales_head, title="Weekly call")
    services.saved_filter_save(actor=org.sales_rep, name="Mine", query="role=do")
    pages = [
        _url(Task, "changelist"),
        _url(Task, "changelist") + "?status__exact=new&q=client",
        _url(Task, "change", task.pk),
        _url(Task, "add"),
        _url(TaskLink, "changelist"),
        _url(TaskLink, "change", link.pk),
        _url(Tag, "changelist"),
        _url(Tag, "change", tag.pk),
        _url(TimeEntry, "changelist"),
        _url(TaskTemplate, "changelist"),
        _url(TaskTemplate, "change", template.pk),
        _url(SavedFilter, "changelist"),
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_a_change_in_admin_goes_through_the_service_and_is_in_the_history(admin_client, org, task):
    response = admin_client.post(
        _url(Task, "change", task.pk),
        {
            "title": "Call the client today",
            "description": "",
            "responsible": org.sales_rep.pk,
            "priority": "high",
            "group": "",
            "deadline_0": "",
            "deadline_1": "",
            "planned_start_0": "",
            "planned_start_1": "",
            "planned_end_0": "",
            "planned_end_1": "",
            "time_estimate": "",
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert (task.title, task.priority) == ("Call the client today", "high")
    row = AuditLog.objects.filter(action="task.update", target_id=str(task.pk)).get()
    assert row.actor == org.admin and row.changes["title"] == ["Call the client", "Call the client today"]


def test_deleting_in_admin_uses_the_service(admin_client, org, task):
    child = services.task_create(actor=org.sales_head, title="Child", responsible=org.sales_rep, parent=task)
    response = admin_client.post(_url(Task, "delete", task.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Task.objects.filter(pk__in=[task.pk, child.pk]).exists()


def test_employees_cannot_open_the_tasks_admin(org):
    client = Client()
    client.force_login(org.sales_rep)
    response = client.get(_url(Task, "changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
