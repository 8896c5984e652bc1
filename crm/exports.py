"""The CRM lists' export formats: CSV streamed row by row, XLSX written by openpyxl's write-only workbook."""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from djmoney.money import Money

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet runs a cell starting with these as a formula: such text is written with a leading quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain(value, *, for_csv: bool) -> object:
    if value is None:
        return ""
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="minutes") if for_csv else value
    if isinstance(value, datetime.date | Decimal | int | float | bool):
        return value.isoformat() if for_csv and isinstance(value, datetime.date) else value
    text = str(value)
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_response(headers: list[str], rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so that spreadsheets read the file as UTF-8
        yield writer.writerow(headers)
        for row in rows:
            yield writer.writerow([plain(value, for_csv=True) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    headers: list[str], rows: Iterable[list], filename: str, *, title: str = "Export"
) -> FileResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.append(headers)
    for row in rows:
        sheet.append([plain(value, for_csv=False) for value in row])
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE)
