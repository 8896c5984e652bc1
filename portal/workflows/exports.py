"""The workflows lists' exports (the process list, the payment register) as CSV or XLSX, through core's export
helpers: text that looks like a formula stays text, CSV is UTF-8 with a byte-order mark, XLSX keeps numbers,
dates and instants as such."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from portal.core.exports import csv_bytes, xlsx_keep_text

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _local(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)
    return value


def export_response(
    fmt: str, headers: list[str], rows: list[list], *, filename: str, title: str
) -> HttpResponse:
    """The rows as a download in `fmt` ("csv" or "xlsx")."""
    rows = [[_local(value) for value in row] for row in rows]
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = (title or "Export")[:31]
        sheet.append(headers)
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, datetime.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
        xlsx_keep_text(sheet)
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    else:
        content = csv_bytes([headers, *rows])
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{filename}.{fmt}"
    )
    response["Cache-Control"] = "private, no-store"
    return response
