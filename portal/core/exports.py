"""Spreadsheet exports (CSV and XLSX) that a spreadsheet program opens without running anything.

A text cell starting with "=", "+", "-" or "@" (or a tab or carriage return, which some programs skip
before reading the rest) is taken for a formula when the file is opened: a person named "=HYPERLINK(...)"
would become a live link or worse ("CSV injection"). In CSV such text gets a leading single quote, which
spreadsheet programs read as "this is text"; numbers stay numbers. In XLSX the cell is stored as a string
(openpyxl would otherwise write it as a formula) and marked as quoted text.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable

# The ASCII triggers and their full-width forms, which some spreadsheet programs also accept.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def csv_text(text: str) -> str:
    """A text cell that a spreadsheet program shows as text, never evaluates."""
    return "'" + text if looks_like_formula(text) else text


def csv_cell(value, *, decimals: int = 2) -> str | int:
    """One value as a CSV cell: numbers as numbers (floats with `decimals` places), dates as ISO dates,
    instants as "YYYY-MM-DD HH:MM", None as empty, anything else as escaped text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float | decimal.Decimal):
        return f"{value:.{decimals}f}"
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return csv_text(str(value))


def csv_bytes(rows: Iterable[Iterable], *, decimals: int = 2) -> bytes:
    """Rows as CSV in UTF-8 with a byte-order mark (so that spreadsheet programs read non-Latin names),
    every cell through `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(value, decimals=decimals) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_keep_text(worksheet) -> None:
    """Store the worksheet's formula-looking text as text (call after filling it: openpyxl takes any string
    starting with "=" for a formula)."""
    for row in worksheet.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and looks_like_formula(value):
                cell.data_type = "s"
                cell.quotePrefix = True
