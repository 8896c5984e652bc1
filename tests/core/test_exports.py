"""Spreadsheet exports: text that looks like a formula stays text, numbers and dates keep their form."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from portal.core.exports import csv_bytes, csv_cell, xlsx_keep_text


@pytest.mark.parametrize(
    "text",
    ["=1+2", "+1", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2", "＝1+2", '=cmd|" /C calc"!A0'],
)
def test_formula_like_text_gets_a_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Anna Müller", "", "1+2", "a=b", "09:30", "—", "'quoted"])
def test_other_text_is_unchanged(text):
    assert csv_cell(text) == text


def test_numbers_dates_and_empties_keep_their_form():
    assert csv_cell(-3) == -3 and csv_cell(7) == 7 and csv_cell(True) == 1
    assert csv_cell(-1.5) == "-1.50" and csv_cell(8.0) == "8.00"
    assert csv_cell(datetime.date(2026, 3, 3)) == "2026-03-03"
    assert csv_cell(datetime.datetime(2026, 3, 3, 9, 30)) == "2026-03-03 09:30"
    assert csv_cell(None) == ""


def test_csv_bytes_round_trip():
    content = csv_bytes([["Name", "Hours"], ["=evil()", -2.5], ["Anna", 3]])
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["Name", "Hours"], ["'=evil()", "-2.50"], ["Anna", "3"]]


def test_xlsx_keeps_formula_like_text_as_text():
    book = Workbook()
    sheet = book.active
    sheet.append(["=1+2", "@SUM(A1)", "Anna", -4, "-1"])
    xlsx_keep_text(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    cells = load_workbook(io.BytesIO(buffer.getvalue())).active[1]
    assert [(c.value, c.data_type) for c in cells] == [
        ("=1+2", "s"),
        ("@SUM(A1)", "s"),
        ("Anna", "s"),
        (-4, "n"),
        ("-1", "s"),
    ]
