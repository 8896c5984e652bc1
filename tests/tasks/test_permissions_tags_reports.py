"""Every route of the extra pages (tags, efficiency, time, a task from a work report), called as every role.

The `member` (east_rep) owns the personal tags under test and wrote the work report; the `supervisor` heads
Sales above east_rep's department; the outsider (the developer) is in IT. Personal tags are their owner's
(and the admins'): others get 404. A department outside one's sub-tree answers 404, and so does a report one
may not see. Anonymous visitors go to the login page.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from reports.choices import ReportStatus
from tests.reports.factories import WorkReportFactory
from tests.tasks.factories import TagFactory
from tests.tasks.probes import TASK_TABLES
from tests.utils import ROLES, Endpoint, assert_matrix

pytestmark = pytest.mark.django_db
LOGIN = 302


def everyone(status) -> dict:
    return {role: (LOGIN if role == "anonymous" else status) for role in ROLES}


def expect(*, outsider, member, supervisor, admin) -> dict:
    return {
        "anonymous": LOGIN,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


def test_every_tags_and_reports_route_as_every_role(org, roles):
    member = org.east_rep

    def tag_url(name):
        return lambda role: reverse(name, args=[TagFactory(owner=member).pk])

    pair = {}

    def merge_data(role):
        pair["source"], pair["target"] = TagFactory(owner=member), TagFactory(owner=member)
        return {"merge-source": pair["source"].pk, "merge-target": pair["target"].pk}

    report = WorkReportFactory(
        author=member,
        supervisor=org.east_head,
        period_start=datetime.date(2026, 3, 4),
        facts="Met Acme",
        status=ReportStatus.SENT,
    )
    from_report = f"{reverse('tasks:create')}?from_report={report.pk}&part=facts&line=1"
    own_only = expect(outsider=404, member=302, supervisor=404, admin=302)
    endpoints = [
        Endpoint("tags", "GET", reverse("tasks:tags"), everyone(200)),
        Endpoint("tags htmx", "GET", reverse("tasks:tags"), everyone(200), extra={"HTTP_HX_REQUEST": "true"}),
        Endpoint(
            "tag create",
            "POST",
            reverse("tasks:tag_create"),
            everyone(302),
            lambda r: {"new-name": r},
            "form",
        ),
        Endpoint(
            "tag rename",
            "POST",
            tag_url("tasks:tag_rename"),
            own_only,
            lambda r: {"name": f"renamed {r}"},
            "form",
        ),
        Endpoint("tag delete", "POST", tag_url("tasks:tag_delete"), own_only),
        # Merging picks among one's own tags: another person's are no choice (the form says so).
        Endpoint(
            "tag merge",
            "POST",
            reverse("tasks:tag_merge"),
            expect(outsider=400, member=302, supervisor=400, admin=400),
            merge_data,
            "form",
        ),
        Endpoint("efficiency", "GET", reverse("tasks:efficiency"), everyone(200)),
        Endpoint(
            "efficiency of a department",
            "GET",
            f"{reverse('tasks:efficiency')}?department={org.east.pk}",
            expect(outsider=404, member=404, supervisor=200, admin=200),
        ),
        Endpoint(
            "efficiency of my people",
            "GET",
            f"{reverse('tasks:efficiency')}?scope=subtree",
            everyone(200),  # without people of one's own, the switch is an error on the form
        ),
        Endpoint("time report", "GET", reverse("tasks:time_report"), everyone(200)),
        Endpoint(
            "time report htmx",
            "GET",
            reverse("tasks:time_report"),
            everyone(200),
            extra={"HTTP_HX_REQUEST": "true"},
        ),
        Endpoint(
            "task from a report",
            "GET",
            from_report,
            expect(outsider=404, member=200, supervisor=200, admin=200),
        ),
    ]
    assert_matrix(roles, endpoints, changed=TASK_TABLES)
