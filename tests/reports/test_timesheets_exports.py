"""Timesheet exports: the CSV and XLSX files of a person's and a department's month, read back (the XLSX with
openpyxl) and checked cell by cell against the hand-made month."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from reports import selectors, services
from reports.exports import timesheet_department_export, timesheet_person_export
from tests.reports.timesheets_support import (
    AFTER_MARCH,
    BERLIN_TOTALS,
    MARCH,
    lay_berlin_march,
    vacations_fixture,  # noqa: F401 - the `vacations` fixture
)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def berlin_sheet(org, vacations):
    org.east_rep.first_name, org.east_rep.last_name = "Anna", "Müller"
    org.east_rep.save(update_fields=["first_name", "last_name"])
    lay_berlin_march(org.east_rep)
    services.timesheet_confirm(actor=org.east_head, person=org.east_rep, month=MARCH)
    return selectors.timesheet_person(user=org.sales_head, person=org.east_rep, month=MARCH, now=AFTER_MARCH)


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheet programs read UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_person_csv(berlin_sheet):
    export = timesheet_person_export(berlin_sheet, "csv")
    assert export.filename == "timesheet-anna-muller-2026-03.csv"
    assert export.content_type == "text/csv; charset=utf-8"
    rows = _csv_rows(export.content)
    header, days, total = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["Date", "Weekday", "Working day", "Absence"] and len(days) == 31
    by_date = {row[0]: dict(zip(header, row, strict=True)) for row in days}
    late = by_date["2026-03-03"]
    assert (late["Start"], late["End"], late["Worked (h)"], late["Late"]) == ("09:30", "18:30", "8.00", "1")
    assert late["On tasks (h)"] == "1.00" and late["Breaks (h)"] == "1.00"
    assert by_date["2026-03-30"]["Start"] == "09:20"  # local summer time
    assert by_date["2026-03-04"]["Short day"] == "1" and by_date["2026-03-04"]["Early end"] == "1"
    assert (
        by_date["2026-03-05"]["Closed automatically"] == "1" and by_date["2026-03-05"]["Not confirmed"] == "1"
    )
    assert by_date["2026-03-09"]["Absence"] == "Vacation"
    assert by_date["2026-03-11"]["Missing"] == "1"
    assert by_date["2026-03-29"]["On tasks (h)"] == "3.00" and by_date["2026-03-29"]["Working day"] == "0"
    assert total[0] == "Total"
    totals = dict(zip(header, total, strict=True))
    assert totals["Worked (h)"] == f"{BERLIN_TOTALS['worked_seconds'] / 3600:.2f}"
    assert totals["On tasks (h)"] == "8.50"
    assert (totals["Late"], totals["Short day"], totals["Missing"]) == ("3", "1", "14")


def test_person_xlsx_has_numbers_as_numbers(berlin_sheet, org):
    export = timesheet_person_export(berlin_sheet, "xlsx")
    assert export.filename == "timesheet-anna-muller-2026-03.xlsx" and export.content_type == XLSX
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Timesheet", "Summary"]
    ws = book["Timesheet"]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 32
    by_date = {row[0]: dict(zip(header, row, strict=True)) for row in rows[:-1]}
    late = by_date[datetime.datetime(2026, 3, 3)]  # a date cell (openpyxl reads dates back as datetimes)
    assert late["Worked (h)"] == 8.0 and isinstance(late["Worked (h)"], int | float)  # a number, not "8.00"
    assert late["Late"] == 1 and isinstance(late["Late"], int)
    assert late["Start"] == "09:30"
    assert by_date[datetime.datetime(2026, 3, 1)]["On tasks (h)"] == 1.0
    assert ws["H2"].number_format == "0.00" and ws["A2"].is_date
    total = dict(zip(header, rows[-1], strict=True))
    assert total["Date"] == "Total" and total["On tasks (h)"] == 8.5 and total["Missing"] == 14
    assert total["Worked (h)"] == round(BERLIN_TOTALS["worked_seconds"] / 3600, 2)

    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Person"] == "Anna Müller" and summary["Month"] == "2026-03"
    assert summary["Days worked"] == 7 and summary["Hours on tasks"] == 8.5
    assert summary["Time zone"] == "Europe/Berlin"
    assert summary["Confirmed by"] == org.east_head.full_name
    assert isinstance(summary["Confirmed at"], datetime.datetime)


def _department(org):
    rows = selectors.timesheet_department(
        user=org.sales_head, department=org.east, month=MARCH, now=AFTER_MARCH
    )
    return rows


def test_department_csv_and_xlsx(berlin_sheet, org):
    rows = _department(org)
    export = timesheet_department_export(department=org.east, month=MARCH, rows=rows, fmt="csv")
    assert export.filename == "timesheet-sales-east-2026-03.csv"
    lines = _csv_rows(export.content)
    header = lines[0]
    assert header[:3] == ["Person", "E-mail", "Department"]
    people = {line[1]: dict(zip(header, line, strict=True)) for line in lines[1:-1]}
    assert set(people) == {org.east_head.email, org.east_rep.email, org.field_rep.email}
    anna = people[org.east_rep.email]
    assert anna["Days worked"] == "7" and anna["Hours on tasks"] == "8.50" and anna["Late starts"] == "3"
    assert anna["Absences"] == "2" and anna["Confirmed by"] == org.east_head.full_name
    assert anna["Confirmed at"]  # local date and time
    assert people[org.field_rep.email]["Confirmed by"] == ""
    total = dict(zip(header, lines[-1], strict=True))
    assert total["Person"] == "Total" and total["Days worked"] == "7"
    assert total["Working days"] == str(22 * 3)

    export = timesheet_department_export(department=org.east, month=MARCH, rows=rows, fmt="xlsx")
    assert export.filename == "timesheet-sales-east-2026-03.xlsx" and export.content_type == XLSX
    ws = load_workbook(io.BytesIO(export.content)).active
    assert ws.title == "2026-03"
    header = [c.value for c in ws[1]]
    values = {
        row[1]: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)
    }
    anna = values[org.east_rep.email]
    assert anna["Hours on tasks"] == 8.5 and anna["Days worked"] == 7 and anna["Missing days"] == 14
    assert isinstance(anna["Confirmed at"], datetime.datetime)
    assert values[None]["Person"] == "Total" and values[None]["Hours on tasks"] == 8.5


def test_unknown_format_is_refused(berlin_sheet):
    with pytest.raises(ValueError):
        timesheet_person_export(berlin_sheet, "pdf")


def test_text_cells_never_become_formulas(berlin_sheet, org):
    """Names are typed by people: one starting with "=", "+", "-" or "@" stays text in CSV and XLSX, while the
    numbers next to it stay numbers."""
    org.east_rep.first_name, org.east_rep.last_name = '=HYPERLINK("https://evil.example","Anna")', "Müller"
    org.east_rep.save(update_fields=["first_name", "last_name"])
    org.field_rep.first_name, org.field_rep.last_name = "@SUM(1+1)", "Field"
    org.field_rep.save(update_fields=["first_name", "last_name"])
    org.east.name = "-1+2 East"
    org.east.save(update_fields=["name"])
    rows = _department(org)

    lines = _csv_rows(
        timesheet_department_export(department=org.east, month=MARCH, rows=rows, fmt="csv").content
    )
    header = lines[0]
    people = {line[1]: dict(zip(header, line, strict=True)) for line in lines[1:-1]}
    anna = people[org.east_rep.email]
    assert anna["Person"] == '\'=HYPERLINK("https://evil.example","Anna") Müller'
    assert anna["Department"] == "'-1+2 East"
    assert people[org.field_rep.email]["Person"] == "'@SUM(1+1) Field"
    assert anna["Days worked"] == "7" and anna["Hours on tasks"] == "8.50"  # numbers are not quoted
    assert lines[-1][2] == "'-1+2 East"

    export = timesheet_department_export(department=org.east, month=MARCH, rows=rows, fmt="xlsx")
    ws = load_workbook(io.BytesIO(export.content)).active
    cells = {row[1].value: row for row in ws.iter_rows(min_row=2)}
    person = cells[org.east_rep.email][0]
    assert person.value == '=HYPERLINK("https://evil.example","Anna") Müller'
    assert person.data_type == "s"  # a string, not a formula ("f")
    assert cells[org.field_rep.email][0].data_type == "s"
    assert cells[org.east_rep.email][2].data_type == "s"
    assert cells[org.east_rep.email][4].value == 7 and cells[org.east_rep.email][4].data_type == "n"

    sheet = selectors.timesheet_person(user=org.sales_head, person=org.east_rep, month=MARCH, now=AFTER_MARCH)
    book = load_workbook(io.BytesIO(timesheet_person_export(sheet, "xlsx").content))
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows()}
    assert summary["Person"].data_type == "s" and summary["Person"].value.startswith("=HYPERLINK")
    assert summary["Department"].data_type == "s"
