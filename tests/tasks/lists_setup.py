"""What the list-page tests meet: east_rep (the `member` role) involved in tasks in every role, plus helpers
to call the pages like a browser does."""

from __future__ import annotations

from types import SimpleNamespace

from django.test import Client

from tasks.choices import MemberRole, TaskStatus
from tests.tasks.factories import TaskFactory, TaskMemberFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def lay_roles(org) -> SimpleNamespace:
    """One open task of east_rep in each role, one closed task they do, and one task they cannot see."""
    do = TaskFactory(creator=org.sales_head, responsible=org.east_rep, title="Call the client")
    help_ = TaskFactory(creator=org.sales_head, responsible=org.field_rep, title="Draft the offer")
    TaskMemberFactory(task=help_, user=org.east_rep, role=MemberRole.PARTICIPANT)
    set_ = TaskFactory(creator=org.east_rep, responsible=org.field_rep, title="Visit the fair")
    observe = TaskFactory(creator=org.sales_head, responsible=org.sales_rep, title="Order brochures")
    TaskMemberFactory(task=observe, user=org.east_rep, role=MemberRole.OBSERVER)
    closed = TaskFactory(
        creator=org.sales_head, responsible=org.east_rep, title="Old report", status=TaskStatus.COMPLETED
    )
    hidden = TaskFactory(creator=org.it_head, responsible=org.developer, title="Patch the servers")
    return SimpleNamespace(do=do, help=help_, set=set_, observe=observe, closed=closed, hidden=hidden)
