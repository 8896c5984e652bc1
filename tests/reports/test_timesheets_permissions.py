"""Every timesheet page and API endpoint, called as every role.

The `member` is east_rep (Sales East); the `supervisor` heads Sales, above Sales East; the `outsider` is a
developer in IT. A person's or department's timesheet outside what the caller may see answers 404;
confirming is for the supervisor and admins (403 for the person themselves).
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from reports.models import TimesheetConfirmation
from tests.people.factories import UserFactory
from tests.reports.factories import TimesheetConfirmationFactory
from tests.reports.probes import REPORT_TABLES
from tests.utils import Endpoint, assert_matrix, client_as

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)
MARCH = datetime.date(2026, 3, 1)


def _url(name: str, **query) -> str:
    return reverse(name) + ("?" + urlencode(query) if query else "")


def _confirmed(org):
    """Each role meets a confirmed month of the member (withdrawing needs one)."""

    def data(role):
        if not TimesheetConfirmation.objects.filter(user=org.east_rep, month=MARCH).exists():
            TimesheetConfirmationFactory(user=org.east_rep, month=MARCH, confirmed_by=org.admin)
        return {"person": org.east_rep.pk, "month": "2026-03"}

    return data


def _seen(member=200, supervisor=200, admin=200, outsider=404, anonymous=LOGIN) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


def test_pages_matrix(roles, org):
    person = {"person": org.east_rep.pk, "month": "2026-03"}
    department = {"department": org.east.pk, "month": "2026-03"}
    confirm_data = {"person": org.east_rep.pk, "month": "2026-03"}
    endpoints = [
        Endpoint("my timesheet", "GET", _url("reports:timesheet"), _seen(outsider=200)),
        Endpoint("member's timesheet", "GET", _url("reports:timesheet", **person), _seen()),
        Endpoint("member's csv", "GET", _url("reports:timesheet_export", **person, format="csv"), _seen()),
        Endpoint("member's xlsx", "GET", _url("reports:timesheet_export", **person, format="xlsx"), _seen()),
        Endpoint("department", "GET", _url("reports:timesheet_department", **department), _seen(member=404)),
        Endpoint("my department (default)", "GET", _url("reports:timesheet_department"), _seen(member=404)),
        Endpoint(
            "department csv",
            "GET",
            _url("reports:timesheet_department_export", **department, format="csv"),
            _seen(member=404),
        ),
        Endpoint(
            "department xlsx",
            "GET",
            _url("reports:timesheet_department_export", **department, format="xlsx"),
            _seen(member=404),
        ),
        Endpoint(
            "confirm",
            "POST",
            _url("reports:timesheet_confirm"),
            _seen(member=403, supervisor=302, admin=302),
            confirm_data,
            "form",
        ),
        Endpoint(
            "unconfirm",
            "POST",
            _url("reports:timesheet_unconfirm"),
            _seen(member=403, supervisor=302, admin=302),
            _confirmed(org),
            "form",
        ),
        Endpoint(
            "confirm by GET", "GET", _url("reports:timesheet_confirm"), _seen(405, 405, 405, outsider=405)
        ),
    ]
    assert_matrix(roles, endpoints, changed=REPORT_TABLES)


def test_api_matrix(roles, org):
    person = {"person": org.east_rep.pk, "month": "2026-03"}
    department = {"department": org.east.pk, "month": "2026-03"}
    endpoints = [
        Endpoint(
            "api my timesheet", "GET", _url("timesheet-person"), _seen(outsider=200, anonymous=API_ANON)
        ),
        Endpoint(
            "api member's timesheet", "GET", _url("timesheet-person", **person), _seen(anonymous=API_ANON)
        ),
        Endpoint(
            "api member's csv",
            "GET",
            _url("timesheet-person", **person, format="csv"),
            _seen(anonymous=API_ANON),
        ),
        Endpoint(
            "api member's xlsx",
            "GET",
            _url("timesheet-person", **person, format="xlsx"),
            _seen(anonymous=API_ANON),
        ),
        Endpoint(
            "api department",
            "GET",
            _url("timesheet-department", **department),
            _seen(member=404, anonymous=API_ANON),
        ),
        Endpoint(
            "api department xlsx",
            "GET",
            _url("timesheet-department", **department, format="xlsx"),
            _seen(member=404, anonymous=API_ANON),
        ),
        Endpoint(
            "api confirm",
            "POST",
            _url("timesheet-confirm"),
            _seen(member=403, anonymous=API_ANON),
            {"person": org.east_rep.pk, "month": "2026-03"},
        ),
        Endpoint(
            "api unconfirm",
            "POST",
            _url("timesheet-unconfirm"),
            _seen(member=403, supervisor=204, admin=204, anonymous=API_ANON),
            _confirmed(org),
        ),
    ]
    assert_matrix(roles, endpoints, changed=REPORT_TABLES)


def test_direct_head_hr_and_other_heads(org):
    """The direct head confirms too; HR (reports.view_all) sees and confirms anyone; the head of another
    department gets 404; the member's colleague in the same department gets 404."""
    hr = UserFactory(department=org.it)
    hr.user_permissions.add(Permission.objects.get(codename="view_all", content_type__app_label="reports"))
    person = {"person": org.east_rep.pk, "month": "2026-03"}
    for user, expected in [(org.east_head, 200), (hr, 200), (org.it_head, 404), (org.field_rep, 404)]:
        response = client_as(user).get(_url("timesheet-person", **person))
        assert response.status_code == expected, user
    for user, expected in [(org.east_head, 200), (hr, 200), (org.it_head, 404)]:
        response = client_as(user).post(reverse("timesheet-confirm"), person, format="json")
        assert response.status_code == expected, user
    response = client_as(hr).get(_url("timesheet-department", department=org.root.pk, month="2026-03"))
    assert response.status_code == 200 and len(response.json()["rows"]) >= 9
    # The head of Sales East may not open Sales (above them).
    response = client_as(org.east_head).get(_url("timesheet-department", department=org.sales.pk))
    assert response.status_code == 404
