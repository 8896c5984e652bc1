"""Every list-page endpoint (lists, saved filters, bulk actions, create/edit, templates), called as every role.

The `member` (east_rep) created the task under test (field_rep is responsible, so the `supervisor`, head of
Sales above East Field, sees it), owns the template and the saved filter, is in the chat the message comes
from and is the one person the stream post is addressed to. Things a role may not see answer 404; seen
but not theirs to change, 403; anonymous visitors go to the login page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.chat import services as chat_services
from tasks import services
from tests.stream.factories import post
from tests.tasks.factories import TaskFactory, TaskTemplateFactory
from tests.tasks.probes import TASK_TABLES
from tests.utils import ROLES, Endpoint, assert_matrix

pytestmark = pytest.mark.django_db
LOGIN = 302


def everyone(status) -> dict:
    return {role: (LOGIN if role == "anonymous" else status) for role in ROLES}


def expect(*, member, outsider, supervisor, admin) -> dict:
    return {
        "anonymous": LOGIN,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


def test_every_list_page_endpoint_as_every_role(org, roles):
    member = org.east_rep

    def task(role=None):
        return TaskFactory(creator=member, responsible=org.field_rep, title="Prepare the fair")

    def template(role=None):
        return TaskTemplateFactory(creator=member, title="Weekly report")

    def saved_filter(role=None):
        return services.saved_filter_save(actor=member, name=f"Mine {role}", query="role=do")

    chat = chat_services.chat_group_create(actor=org.sales_rep, title="Sales", members=[member])
    message = chat_services.message_send(actor=org.sales_rep, chat=chat, body="Fix the login page")
    entry = post(org.sales_rep, "Prepare the offer", users=[member])
    shown_task, shown_template = task(), template()

    def form_data(role):
        user = roles[role]
        return {"title": f"Made by {role}", "responsible": user.pk if user else "", "priority": "normal"}

    edit_data = {"title": "Renamed", "responsible": org.field_rep.pk, "priority": "normal"}
    template_data = {"title": "Renamed", "priority": "normal", "repeat": "none", "is_active": "on"}
    create = reverse("tasks:create")
    seen_by_member_and_admin = expect(member=200, outsider=404, supervisor=404, admin=200)
    endpoints = [
        Endpoint("list", "GET", reverse("tasks:home"), everyone(200)),
        Endpoint("list htmx", "GET", reverse("tasks:home"), everyone(200), extra={"HTTP_HX_REQUEST": "true"}),
        Endpoint("create form", "GET", create, everyone(200)),
        Endpoint(  # the form's warning when the responsible person is away (nothing for anyone else)
            "responsible away",
            "GET",
            f"{reverse('tasks:responsible_away')}?responsible={org.field_rep.pk}",
            everyone(200),
        ),
        Endpoint("create", "POST", create, everyone(302), form_data, "form"),
        Endpoint(
            "create subtask form",
            "GET",
            f"{create}?parent={shown_task.pk}",
            expect(member=200, outsider=404, supervisor=200, admin=200),
        ),
        Endpoint(
            "create from message",
            "GET",
            f"{create}?from_message={message.pk}",
            expect(member=200, outsider=404, supervisor=404, admin=404),  # chats are for their members only
        ),
        Endpoint("create from post", "GET", f"{create}?from_entry={entry.pk}", seen_by_member_and_admin),
        Endpoint(
            "create from template", "GET", f"{create}?template={shown_template.pk}", seen_by_member_and_admin
        ),
        Endpoint(
            "edit form",
            "GET",
            reverse("tasks:edit", args=[shown_task.pk]),
            expect(member=200, outsider=404, supervisor=403, admin=200),
        ),
        Endpoint(
            "edit",
            "POST",
            lambda role: reverse("tasks:edit", args=[task(role).pk]),
            expect(member=302, outsider=404, supervisor=403, admin=302),
            edit_data,
            "form",
        ),
        Endpoint(
            "bulk",
            "POST",
            reverse("tasks:bulk"),
            everyone(302),  # the report tells what was skipped; hidden tasks are "not found"
            lambda role: {"ids": [task(role).pk], "action": "status", "status": "in_progress"},
            "form",
            unchanged_for=("outsider", "supervisor"),  # hidden from / not theirs to change: skipped
        ),
        Endpoint("bulk by GET", "GET", reverse("tasks:bulk"), everyone(405)),
        Endpoint(
            "save filter",
            "POST",
            reverse("tasks:filter_save"),
            everyone(302),
            lambda role: {"name": f"Filter of {role}", "query": "role=help"},
            "form",
        ),
        Endpoint(
            "delete filter",
            "POST",
            lambda role: reverse("tasks:filter_delete", args=[saved_filter(role).pk]),
            expect(member=302, outsider=404, supervisor=404, admin=404),  # a saved filter is private
            {},
            "form",
        ),
        Endpoint("templates", "GET", reverse("tasks:templates"), everyone(200)),
        Endpoint("template form", "GET", reverse("tasks:template_create"), everyone(200)),
        Endpoint(
            "template create",
            "POST",
            reverse("tasks:template_create"),
            everyone(302),
            template_data,
            "form",
        ),
        Endpoint(
            "template edit form",
            "GET",
            reverse("tasks:template_edit", args=[shown_template.pk]),
            seen_by_member_and_admin,
        ),
        Endpoint(
            "template edit",
            "POST",
            lambda role: reverse("tasks:template_edit", args=[template(role).pk]),
            expect(member=302, outsider=404, supervisor=404, admin=302),
            template_data,
            "form",
        ),
        Endpoint(
            "template delete",
            "POST",
            lambda role: reverse("tasks:template_delete", args=[template(role).pk]),
            expect(member=302, outsider=404, supervisor=404, admin=302),
            {},
            "form",
        ),
        Endpoint(
            "template run form",
            "GET",
            reverse("tasks:template_run", args=[shown_template.pk]),
            seen_by_member_and_admin,
        ),
        Endpoint(
            "template run",
            "POST",
            lambda role: reverse("tasks:template_run", args=[template(role).pk]),
            expect(member=302, outsider=404, supervisor=404, admin=302),
            {},
            "form",
        ),
    ]
    assert_matrix(roles, endpoints, changed=TASK_TABLES)
