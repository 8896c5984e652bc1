"""Timesheet exports: a person's month or a department's month as CSV or XLSX (openpyxl).

The page and the API call the same functions, after the same selectors checked who may see what. Hours are
decimal numbers (7.5 = 7 h 30 min), flags are 1 or 0 so that a spreadsheet can sum them; in XLSX numbers are
numeric cells and dates are date cells. CSV is UTF-8 with a byte-order mark, so that spreadsheet programs
read non-Latin names correctly. Names and other text never turn into formulas (portal.core.exports).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.core.exports import csv_bytes, xlsx_keep_text

from .selectors.timesheets import (
    DepartmentTimesheetRow,
    Timesheet,
    TimesheetTotals,
    timesheet_department_totals,
)

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_HOURS_FORMAT = "0.00"
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass
class ExportFile:
    filename: str
    content_type: str
    content: bytes

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content, content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=self.filename
        )
        response["Cache-Control"] = "private, no-store"
        return response


def _hours(seconds: int) -> float:
    return round(seconds / 3600, 2)


def _flag(value: bool) -> int:
    return 1 if value else 0


def _name_slug(person) -> str:
    return slugify(person.full_name) or slugify(person.email.split("@")[0]) or f"person-{person.pk}"


def _person_name(person) -> str:
    return person.full_name or person.email


# --- a person's month -------------------------------------------------------------------------------------


def _day_headers() -> list[str]:
    return [
        _("Date"),
        _("Weekday"),
        _("Working day"),
        _("Absence"),
        pgettext("time", "Start"),
        pgettext("time", "End"),
        _("Breaks (h)"),
        _("Worked (h)"),
        _("On tasks (h)"),
        _("Late"),
        _("Early end"),
        _("Short day"),
        _("Missing"),
        _("Closed automatically"),
        _("Not confirmed"),
    ]


def _day_values(row) -> list:
    """One date's cells: Python values (date, times as "HH:MM", floats, ints) for both formats."""
    return [
        row.date,
        date_format(row.date, "D"),
        _flag(row.is_working_day),
        row.absence,
        f"{row.started_at:%H:%M}" if row.started_at else "",
        f"{row.ended_at:%H:%M}" if row.ended_at else "",
        _hours(row.paused_seconds),
        _hours(row.worked_seconds),
        _hours(row.task_seconds),
        _flag(row.is_late),
        _flag(row.is_early_end),
        _flag(row.is_short),
        _flag(row.missing),
        _flag(row.auto_closed),
        _flag(row.needs_confirmation),
    ]


def _day_total_values(totals: TimesheetTotals) -> list:
    return [
        _("Total"),
        "",
        totals.working_days,
        totals.absences,
        "",
        "",
        "",
        totals.worked_hours,
        totals.task_hours,
        totals.late,
        totals.early_end,
        totals.short,
        totals.missing,
        totals.auto_closed,
        totals.to_confirm,
    ]


def _summary_pairs(sheet: Timesheet) -> list[tuple[str, object]]:
    totals = sheet.totals
    pairs: list[tuple[str, object]] = [
        (_("Person"), _person_name(sheet.person)),
        (_("E-mail"), sheet.person.email),
        (_("Department"), str(sheet.person.department or "")),
        (_("Month"), sheet.month_param),
        (_("Time zone"), sheet.spec.time_zone),
        (_("Working days"), totals.working_days),
        (_("Days worked"), totals.days_worked),
        (_("Hours worked"), totals.worked_hours),
        (_("Hours on tasks"), totals.task_hours),
        (_("Late starts"), totals.late),
        (_("Early ends"), totals.early_end),
        (_("Short days"), totals.short),
        (_("Missing days"), totals.missing),
        (_("Absences"), totals.absences),
        (_("Closed automatically"), totals.auto_closed),
        (_("Not confirmed days"), totals.to_confirm),
    ]
    confirmation = sheet.confirmation
    if confirmation is not None:
        by = confirmation.confirmed_by
        pairs.append((_("Confirmed by"), _person_name(by) if by else ""))
        pairs.append((_("Confirmed at"), confirmation.confirmed_at.astimezone(sheet.spec.tzinfo)))
    return pairs


def _xlsx_sheet(
    ws, headers: list[str], rows: list[list], *, hours_columns: set[int], bold_last: bool
) -> None:
    from openpyxl.styles import Font

    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for row_cells in ws.iter_rows(min_row=2):
        for index, cell in enumerate(row_cells):
            if index in hours_columns and isinstance(cell.value, int | float):
                cell.number_format = _HOURS_FORMAT
            elif isinstance(cell.value, datetime.datetime):
                cell.number_format = _DATETIME_FORMAT
            elif isinstance(cell.value, datetime.date):
                cell.number_format = _DATE_FORMAT
    if bold_last and rows:
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    xlsx_keep_text(ws)
    ws.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = max(10, len(header) + 2)


def _xlsx_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _naive(value):
    """Excel has no time zones: an aware instant is written as the wall time it shows."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def timesheet_person_export(sheet: Timesheet, fmt: str) -> ExportFile:
    """A person's month: one row per date and a total row (CSV); in XLSX also a "Summary" sheet."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    filename = f"timesheet-{_name_slug(sheet.person)}-{sheet.month_param}.{fmt}"
    rows = [_day_values(row) for row in sheet.days]
    rows.append(_day_total_values(sheet.totals))
    if fmt == "csv":
        return ExportFile(filename, CONTENT_TYPES["csv"], csv_bytes([_day_headers(), *rows]))
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.title = _("Timesheet")[:31]
    _xlsx_sheet(ws, _day_headers(), rows, hours_columns={6, 7, 8}, bold_last=True)
    ws.column_dimensions["A"].width = 12
    summary = workbook.create_sheet(_("Summary")[:31])
    for label, value in _summary_pairs(sheet):
        summary.append([label, _naive(value)])
    for _label_cell, value_cell in summary.iter_rows(min_row=1, max_col=2):
        if isinstance(value_cell.value, float):
            value_cell.number_format = _HOURS_FORMAT
        elif isinstance(value_cell.value, datetime.datetime):
            value_cell.number_format = _DATETIME_FORMAT
    xlsx_keep_text(summary)
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 32
    return ExportFile(filename, CONTENT_TYPES["xlsx"], _xlsx_bytes(workbook))


# --- a department's month ---------------------------------------------------------------------------------


def _department_headers() -> list[str]:
    return [
        _("Person"),
        _("E-mail"),
        _("Department"),
        _("Working days"),
        _("Days worked"),
        _("Hours worked"),
        _("Hours on tasks"),
        _("Late starts"),
        _("Early ends"),
        _("Short days"),
        _("Missing days"),
        _("Absences"),
        _("Closed automatically"),
        _("Not confirmed days"),
        _("Confirmed by"),
        _("Confirmed at"),
    ]


def _totals_values(totals: TimesheetTotals) -> list:
    return [
        totals.working_days,
        totals.days_worked,
        totals.worked_hours,
        totals.task_hours,
        totals.late,
        totals.early_end,
        totals.short,
        totals.missing,
        totals.absences,
        totals.auto_closed,
        totals.to_confirm,
    ]


def timesheet_department_export(
    *, department, month: datetime.date, rows: list[DepartmentTimesheetRow], fmt: str
) -> ExportFile:
    """A department's month: one row per person with their totals and confirmation, and a total row."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    slug = slugify(department.name) or f"department-{department.pk}"
    filename = f"timesheet-{slug}-{month:%Y-%m}.{fmt}"
    data = []
    for row in rows:
        confirmation = row.confirmation
        confirmed_at = None
        if confirmation is not None:
            zone = row.spec.tzinfo if row.spec else datetime.UTC
            confirmed_at = confirmation.confirmed_at.astimezone(zone)
        by = confirmation.confirmed_by if confirmation else None
        data.append(
            [
                _person_name(row.person),
                row.person.email,
                str(row.person.department or ""),
                *_totals_values(row.totals),
                _person_name(by) if by else "",
                confirmed_at,
            ]
        )
    data.append(
        [_("Total"), "", department.name, *_totals_values(timesheet_department_totals(rows)), "", None]
    )
    if fmt == "csv":
        return ExportFile(filename, CONTENT_TYPES["csv"], csv_bytes([_department_headers(), *data]))
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.title = (f"{month:%Y-%m}")[:31]
    xlsx_rows = [[_naive(v) for v in r] for r in data]
    _xlsx_sheet(ws, _department_headers(), xlsx_rows, hours_columns={5, 6}, bold_last=True)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 28
    return ExportFile(filename, CONTENT_TYPES["xlsx"], _xlsx_bytes(workbook))
