"""Timesheet pages: a person's month (mine and, for a supervisor, a subordinate's), month navigation (htmx
partial), red/amber marks, the Confirm button, the department's month, the exports, and query budgets."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import TimesheetConfirmation
from tests.people.factories import UserFactory
from tests.reports.factories import TimesheetConfirmationFactory
from tests.reports.timesheets_support import UTC, at, lay_berlin_march, lay_day, log_time
from tests.utils import assert_query_budget

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:timesheet")
DEPARTMENT = reverse("reports:timesheet_department")


def _get(client, url, data=None, **extra):
    return client.get(url, data or {}, **extra)


def _post(client, name, data, **extra):
    return client.post(reverse(name), data, format="multipart", **extra)


def test_my_timesheet_page(org, client_for):
    lay_berlin_march(org.east_rep)
    response = _get(client_for(org.east_rep), PAGE, {"month": "2026-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "My timesheet" in html and "March 2026" in html
    assert 'data-date="2026-03-03" data-signal="amber"' in html  # late
    assert 'data-date="2026-03-04" data-signal="red"' in html  # short
    assert 'data-date="2026-03-30"' in html and "09:20" in html  # local summer time
    assert 'data-total="late">3<' in html
    assert 'data-action="timesheet-confirm"' not in html  # nobody confirms their own
    assert 'id="timesheet-person-switch"' not in html  # no one else to show
    assert f"?person={org.east_rep.pk}&amp;month=2026-03&amp;format=csv" in html
    assert "month=2026-02" in html and "month=2026-04" in html  # month navigation


def test_month_navigation_by_htmx_renders_the_body_only(org, client_for):
    response = _get(client_for(org.east_rep), PAGE, {"month": "2026-02"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="timesheet-days"' in html and "February 2026" in html


def test_a_bad_month_shows_an_error_and_the_current_month(org, client_for):
    response = _get(client_for(org.east_rep), PAGE, {"month": "someday"})
    assert response.status_code == 200
    assert "Give the month as YYYY-MM" in response.content.decode()


def test_supervisor_opens_and_confirms_a_subordinates_month(org, client_for):
    lay_berlin_march(org.east_rep)
    client = client_for(org.sales_head)
    response = _get(client, PAGE, {"person": org.east_rep.pk, "month": "2026-03"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="timesheet-person-switch"' in html and 'data-action="timesheet-confirm"' in html
    assert 'data-mark="unconfirmed"' in html

    url = f"{PAGE}?person={org.east_rep.pk}&month=2026-03"
    response = _post(
        client, "reports:timesheet_confirm", {"person": org.east_rep.pk, "month": "2026-03", "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert TimesheetConfirmation.objects.get(user=org.east_rep).confirmed_by == org.sales_head
    html = client.get(url).content.decode()
    assert 'data-mark="confirmed"' in html and "Confirm again" in html and "is confirmed" in html

    response = _post(client, "reports:timesheet_unconfirm", {"person": org.east_rep.pk, "month": "2026-03"})
    assert response.status_code == 302 and response["Location"] == url
    assert not TimesheetConfirmation.objects.exists()


def test_confirm_errors_are_shown_and_change_nothing(org, client_for):
    client = client_for(org.sales_head)
    response = _post(
        client, "reports:timesheet_confirm", {"person": org.east_rep.pk, "month": "2999-01"}, follow=True
    )
    assert response.status_code == 200
    assert "A month that has not begun cannot be confirmed." in response.content.decode()
    assert not TimesheetConfirmation.objects.exists()
    response = _post(client, "reports:timesheet_confirm", {"person": org.east_rep.pk, "month": "x"})
    assert response.status_code == 400
    # An outside address in `next` is not followed.
    response = _post(
        client,
        "reports:timesheet_confirm",
        {"person": org.east_rep.pk, "month": "2026-03", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"].startswith(PAGE)


def test_department_page(org, client_for):
    lay_berlin_march(org.east_rep)
    client = client_for(org.sales_head)
    response = _get(client, DEPARTMENT, {"department": org.east.pk, "month": "2026-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Timesheet of Sales East" in html
    assert f'data-person="{org.east_rep.pk}" data-signal="red"' in html
    assert f'data-person="{org.field_rep.pk}"' in html  # the sub-department
    assert 'id="timesheet-department-total"' in html
    assert html.count('data-action="timesheet-confirm"') == 3  # everybody of East and East Field
    assert "format=xlsx" in html

    html = _get(
        client, DEPARTMENT, {"department": org.east.pk, "month": "2026-03", "subtree": "0"}
    ).content.decode()
    assert f'data-person="{org.field_rep.pk}"' not in html

    # By default: the department I head, this month.
    response = _get(client_for(org.east_head), DEPARTMENT)
    assert response.status_code == 200 and "Timesheet of Sales East" in response.content.decode()
    partial = _get(client, DEPARTMENT, {"month": "2026-03"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="timesheet-people"' in partial


def test_exports_from_the_pages(org, client_for):
    lay_berlin_march(org.east_rep)
    client = client_for(org.sales_head)
    query = {"person": org.east_rep.pk, "month": "2026-03"}
    response = _get(client, reverse("reports:timesheet_export"), {**query, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "-2026-03.csv" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").splitlines()[0].startswith("Date,Weekday")

    response = _get(client, reverse("reports:timesheet_export"), {**query, "format": "xlsx"})
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content))["Summary"]["B1"].value == org.east_rep.full_name

    response = _get(
        client,
        reverse("reports:timesheet_department_export"),
        {"department": org.east.pk, "month": "2026-03", "format": "xlsx"},
    )
    assert (
        response.status_code == 200
        and 'filename="timesheet-sales-east-2026-03.xlsx"' in response["Content-Disposition"]
    )

    assert _get(client, reverse("reports:timesheet_export"), {**query, "format": "pdf"}).status_code == 400
    assert (
        _get(
            client, reverse("reports:timesheet_export"), {**query, "month": "03/2026", "format": "csv"}
        ).status_code
        == 400
    )


def test_person_page_query_budget(org, client_for):
    client = client_for(org.sales_head)
    lay_day(org.east_rep, datetime.date(2026, 3, 2), (9, 0), (18, 0), tz=UTC)

    def grow():
        for n in range(3, 28):
            lay_day(org.east_rep, datetime.date(2026, 3, n), (9, 0), (18, 0), tz=UTC, is_late=True)
            log_time(org.east_rep, at(UTC, 2026, 3, n, 23, 0), at(UTC, 2026, 3, n + 1, 1, 0))
        UserFactory.create_batch(5, department=org.east)  # more people in the person switch

    def run():
        assert _get(client, PAGE, {"person": org.east_rep.pk, "month": "2026-03"}).status_code == 200

    run()  # warm up: the first request of a session costs one query more
    assert_query_budget(run, grow, budget=18)


def test_department_page_query_budget(org, client_for):
    client = client_for(org.sales_head)

    def grow():
        for n in range(20):
            person = UserFactory(department=org.east if n % 2 else org.field)
            lay_day(person, datetime.date(2026, 3, 2), (9, 0), (18, 0), tz=UTC)
            log_time(person, at(UTC, 2026, 3, 3, 9, 0), at(UTC, 2026, 3, 3, 10, 0))
            if n % 3 == 0:
                TimesheetConfirmationFactory(
                    user=person, month=datetime.date(2026, 3, 1), confirmed_by=org.sales_head
                )

    def run():
        assert _get(client, DEPARTMENT, {"department": org.east.pk, "month": "2026-03"}).status_code == 200

    run()  # warm up: the first request of a session costs one query more
    assert_query_budget(run, grow, budget=20)


def test_department_page_is_paged_with_the_totals_of_everybody(org, client_for, monkeypatch):
    from reports.views import timesheets as views

    lay_berlin_march(org.east_rep)
    client = client_for(org.sales_head)
    query = {"department": org.east.pk, "month": "2026-03"}
    whole = _get(client, DEPARTMENT, query).content.decode()
    everyone = re.findall(r'<tr class="[^"]*" data-person="(\d+)"', whole)
    assert len(everyone) == 3 and 'id="timesheet-pager"' not in whole
    total = re.search(r'id="timesheet-department-total">(.*?)</tr>', whole, re.S).group(1)

    monkeypatch.setattr(views, "DEPARTMENT_PAGE_SIZE", 2)
    first = _get(client, DEPARTMENT, query).content.decode()
    assert re.findall(r'<tr class="[^"]*" data-person="(\d+)"', first) == everyone[:2]
    assert re.search(r'id="timesheet-department-total">(.*?)</tr>', first, re.S).group(1) == total
    assert 'id="timesheet-page-previous"' not in first
    link = (
        re.search(r'id="timesheet-page-next" rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    )
    assert link == f"{DEPARTMENT}?department={org.east.pk}&month=2026-03&page=2"
    second = _get(client, DEPARTMENT, {**query, "page": "2"}, HTTP_HX_REQUEST="true").content.decode()
    assert re.findall(r'<tr class="[^"]*" data-person="(\d+)"', second) == everyone[2:]
    assert 'id="timesheet-page-previous"' in second and 'id="timesheet-page-next"' not in second
    # a confirmation from page 2 comes back to page 2
    assert "page=2" in re.search(r'name="next" value="([^"]+)"', second).group(1)
