"""The timesheets API: JSON of a person's and a department's month, the CSV / XLSX files by ?format=, confirming
and withdrawing, errors in the API's one shape, and the OpenAPI schema."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import TimesheetConfirmation
from tests.people.factories import UserFactory
from tests.reports.timesheets_support import (
    BERLIN_TOTALS,
    UTC,
    at,
    lay_berlin_march,
    lay_day,
    log_time,
    vacations_fixture,  # noqa: F401 - the `vacations` fixture
)
from tests.utils import assert_query_budget

pytestmark = pytest.mark.django_db

PERSON = reverse("timesheet-person")
DEPARTMENT = reverse("timesheet-department")
CONFIRM = reverse("timesheet-confirm")
UNCONFIRM = reverse("timesheet-unconfirm")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_urls():
    assert PERSON == "/api/v1/reports/timesheets/person/"
    assert DEPARTMENT == "/api/v1/reports/timesheets/department/"
    assert CONFIRM == "/api/v1/reports/timesheets/confirm/"


def test_person_json(org, client_for, vacations):
    lay_berlin_march(org.east_rep)
    response = client_for(org.sales_head).get(PERSON, {"person": org.east_rep.pk, "month": "2026-03"})
    assert response.status_code == 200
    data = response.json()
    assert data["person"]["id"] == org.east_rep.pk and data["person"]["department"]["id"] == org.east.pk
    assert data["month"] == "2026-03" and data["time_zone"] == "Europe/Berlin"
    assert len(data["days"]) == 31
    totals = data["totals"]
    assert {k: totals[k] for k in BERLIN_TOTALS} == BERLIN_TOTALS
    assert totals["task_hours"] == 8.5 and totals["signal"] == "red"
    day = next(d for d in data["days"] if d["date"] == "2026-03-30")
    assert day["started_at"].startswith("2026-03-30T09:20:00+02:00")  # with the person's offset
    assert day["is_late"] and day["state"] == "closed" and day["signal"] == "amber"
    absent = next(d for d in data["days"] if d["date"] == "2026-03-09")
    assert absent["absence"] == "Vacation" and absent["started_at"] is None and not absent["missing"]
    assert data["confirmation"] is None and data["can_confirm"] is True


def test_my_own_month_by_default(org, client_for):
    response = client_for(org.east_rep).get(PERSON)
    assert response.status_code == 200
    assert response.json()["person"]["id"] == org.east_rep.pk and response.json()["can_confirm"] is False


def test_person_files(org, client_for):
    lay_berlin_march(org.east_rep)
    client = client_for(org.east_head)
    query = {"person": org.east_rep.pk, "month": "2026-03"}
    response = client.get(PERSON, {**query, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        "attachment" in response["Content-Disposition"] and "2026-03.csv" in response["Content-Disposition"]
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Date,") and len(lines) == 1 + 31 + 1

    response = client.get(PERSON, {**query, "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    assert book["Timesheet"].max_row == 1 + 31 + 1

    # The Accept header chooses a file too.
    response = client.get(PERSON, query, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_errors_stay_json_when_a_file_was_asked_for(org, client_for):
    client = client_for(org.developer)
    response = client.get(PERSON, {"person": org.east_rep.pk, "month": "2026-03", "format": "xlsx"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json()["error"]["status"] == 404
    response = client.get(PERSON, {"month": "March", "format": "csv"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["month"] == ["Give the month as YYYY-MM, e.g. 2025-03."]


def test_department_json_and_files(org, client_for):
    lay_berlin_march(org.east_rep)
    client = client_for(org.sales_head)
    response = client.get(DEPARTMENT, {"department": org.east.pk, "month": "2026-03"})
    assert response.status_code == 200
    data = response.json()
    assert data["department"] == {"id": org.east.pk, "name": "Sales East"} and data["subtree"] is True
    rows = {row["person"]["id"]: row for row in data["rows"]}
    assert set(rows) == {org.east_head.pk, org.east_rep.pk, org.field_rep.pk}
    assert rows[org.east_rep.pk]["totals"]["task_seconds"] == BERLIN_TOTALS["task_seconds"]
    assert data["totals"]["days_worked"] == BERLIN_TOTALS["days_worked"]

    data = client.get(DEPARTMENT, {"department": org.east.pk, "month": "2026-03", "subtree": "false"}).json()
    assert {row["person"]["id"] for row in data["rows"]} == {org.east_head.pk, org.east_rep.pk}

    response = client.get(DEPARTMENT, {"department": org.east.pk, "month": "2026-03", "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "timesheet-sales-east-2026-03.xlsx" in response["Content-Disposition"]
    response = client.get(DEPARTMENT, {"department": org.east.pk, "month": "2026-03", "format": "csv"})
    assert response.status_code == 200 and response.content.decode("utf-8-sig").startswith("Person,")
    # Without a department: the one I head.
    assert client.get(DEPARTMENT).json()["department"]["id"] == org.sales.pk


def test_department_json_is_paged_with_the_totals_of_everybody(org, client_for, monkeypatch):
    from reports.api import timesheets as api

    lay_berlin_march(org.east_rep)
    client = client_for(org.sales_head)
    query = {"department": org.east.pk, "month": "2026-03"}
    whole = client.get(DEPARTMENT, query).json()
    assert (whole["count"], whole["page"], whole["pages"], whole["next"], whole["previous"]) == (
        3,
        1,
        1,
        None,
        None,
    )
    everyone = [row["person"]["id"] for row in whole["rows"]]

    monkeypatch.setattr(api, "DEPARTMENT_PAGE_SIZE", 2)
    first = client.get(DEPARTMENT, query).json()
    assert (first["count"], first["page"], first["pages"], first["previous"]) == (3, 1, 2, None)
    assert [row["person"]["id"] for row in first["rows"]] == everyone[:2]
    assert first["totals"] == whole["totals"]  # the totals cover everybody, not the page
    assert first["next"].endswith(f"?department={org.east.pk}&month=2026-03&page=2")
    second = client.get(first["next"]).json()
    assert [row["person"]["id"] for row in second["rows"]] == everyone[2:]
    assert (second["page"], second["next"]) == (2, None) and second["previous"].endswith("page=1")
    # out of range is clamped; the files hold everybody
    assert client.get(DEPARTMENT, {**query, "page": "9"}).json()["page"] == 2
    csv = client.get(DEPARTMENT, {**query, "format": "csv"}).content.decode("utf-8-sig")
    assert len(csv.strip().splitlines()) >= 4


def test_confirm_and_unconfirm(org, client_for):
    client = client_for(org.east_head)
    response = client.post(CONFIRM, {"person": org.east_rep.pk, "month": "2026-03"}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["person"] == org.east_rep.pk and data["month"] == "2026-03-01"
    assert data["confirmed_by"] == {"id": org.east_head.pk, "name": org.east_head.full_name}
    assert data["totals"]["working_days"] == 22
    person_view = client.get(PERSON, {"person": org.east_rep.pk, "month": "2026-03"}).json()
    assert person_view["confirmation"]["confirmed_by"]["id"] == org.east_head.pk
    assert person_view["confirmation_outdated"] is False

    response = client.post(UNCONFIRM, {"person": org.east_rep.pk, "month": "2026-03"}, format="json")
    assert response.status_code == 204 and not TimesheetConfirmation.objects.exists()
    response = client.post(UNCONFIRM, {"person": org.east_rep.pk, "month": "2026-03"}, format="json")
    assert response.status_code == 400 and "month" in response.json()["error"]["fields"]


def test_confirm_input_errors(org, client_for):
    client = client_for(org.east_head)
    response = client.post(CONFIRM, {"month": "2026-03"}, format="json")
    assert response.status_code == 400 and "person" in response.json()["error"]["fields"]
    response = client.post(CONFIRM, {"person": org.east_rep.pk, "month": "03.2026"}, format="json")
    assert response.status_code == 400 and "month" in response.json()["error"]["fields"]
    response = client.post(CONFIRM, {"person": org.east_rep.pk, "month": "2999-01"}, format="json")
    assert response.status_code == 400 and "month" in response.json()["error"]["fields"]
    response = client.post(CONFIRM, {"person": org.east_head.pk, "month": "2026-03"}, format="json")
    assert response.status_code == 403
    assert not TimesheetConfirmation.objects.exists()


def test_schema_documents_the_endpoints(client_for, org):
    response = client_for(org.admin).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    person = paths["/api/v1/reports/timesheets/person/"]["get"]
    assert {"application/json", "text/csv", XLSX} <= set(person["responses"]["200"]["content"])
    assert {p["name"] for p in person["parameters"]} >= {"person", "month", "format"}
    assert "post" in paths["/api/v1/reports/timesheets/confirm/"]
    assert "post" in paths["/api/v1/reports/timesheets/unconfirm/"]
    assert "/api/v1/reports/timesheets/department/" in paths


def test_department_api_query_budget(org, client_for):
    client = client_for(org.sales_head)
    query = {"department": org.east.pk, "month": "2026-03"}

    def grow():
        for n in range(20):
            person = UserFactory(department=org.east if n % 2 else org.field)
            lay_day(person, datetime.date(2026, 3, 2), (9, 0), (18, 0), tz=UTC)
            log_time(person, at(UTC, 2026, 3, 3, 9, 0), at(UTC, 2026, 3, 3, 10, 0))

    def run():
        assert client.get(DEPARTMENT, query).status_code == 200

    run()
    assert_query_budget(run, grow, budget=15)


def test_the_times_of_a_day_without_work_are_documented_as_null(org, client_for):
    """Found by the API fuzz: a day without a working day answers null times, which were documented as
    strings only."""
    from tests.core.openapi import component

    days = client_for(org.east_rep).get(PERSON).json()["days"]
    assert any(day["started_at"] is None and day["ended_at"] is None for day in days)
    properties = component("TimesheetDay")["properties"]
    assert properties["started_at"]["nullable"] and properties["ended_at"]["nullable"]
